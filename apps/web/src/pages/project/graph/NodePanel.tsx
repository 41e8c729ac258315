import { createSignal } from "solid-js";
import { CopyStatus } from "../../../components/CopyStatus";
import { Icon } from "../../../components/Icon";
import { type TabDef, Tabs } from "../../../components/Tabs";
import { createCopy } from "../../../lib/clipboard";
import { useProject } from "../context";
import { NodeDescription } from "./NodeDescription";
import { NodeFiles } from "./NodeFiles";
import { NodeJobs } from "./NodeJobs";
import { NodePackages } from "./NodePackages";
import type { DataLayer, GraphData, GraphNode } from "./types";

export interface NodePanelProps {
  node: GraphNode;
  graph: GraphData;
  layers: DataLayer[];
  layerId: number | null;
  onClose: () => void;
  onChanged: () => void;
  onDeleted: () => void;
  /** A job finished (or the user refreshed the jobs): the graph's failure marks may change. */
  onJobsChanged?: () => void;
}

/** The node's id, which templates ("insert node ID") and node code need, with a copy button. */
function NodeId(props: { id: number }) {
  const clip = createCopy(() => String(props.id));
  return (
    <div class="node-id">
      <span class="muted small">Node id</span>
      <code data-testid="node-id">{props.id}</code>
      <button
        type="button"
        class="icon-btn"
        aria-label="Copy node id"
        title="Copy node id"
        onClick={clip.copy}
      >
        <Icon name="copy" size={14} />
      </button>
      <CopyStatus state={clip.copied()} what="id" iconSize={14} />
    </div>
  );
}

/** The side panel of the selected node: its description, files, packages and (compute) jobs. */
export function NodePanel(props: NodePanelProps) {
  const { canOnNode } = useProject();
  const [tab, setTab] = createSignal("description");
  // Created once and only filtered: every graph refetch brings a new node object, and new tab
  // objects would re-create the open tab, losing its state (a "Parameters saved" confirmation).
  const allTabs: (TabDef & { shown: () => boolean })[] = [
    {
      value: "description",
      label: "Description",
      shown: () => true,
      content: () => <NodeDescription {...props} />,
    },
    {
      value: "files",
      label: "Files",
      shown: () => canOnNode("code_view", props.node.id),
      content: () => <NodeFiles node={props.node} />,
    },
    {
      value: "packages",
      label: "Packages",
      shown: () => canOnNode("package_view", props.node.id),
      content: () => <NodePackages {...props} />,
    },
    {
      value: "jobs",
      label: "Jobs",
      shown: () => props.node.kind === "compute" && canOnNode("package_view", props.node.id),
      content: () => <NodeJobs {...props} />,
    },
  ];
  const tabs = () => allTabs.filter((t) => t.shown());
  return (
    <aside class="node-panel card" aria-label={`Node ${props.node.name}`}>
      <header class="node-panel-head">
        <div class="node-panel-heading">
          <div class={`kind-pill kind-${props.node.kind}`}>{props.node.kind}</div>
          <h2 class="node-panel-title">{props.node.name}</h2>
          <NodeId id={props.node.id} />
        </div>
        <button type="button" class="icon-btn" aria-label="Close panel" onClick={() => props.onClose()}>
          ×
        </button>
      </header>
      <Tabs label="Node sections" tabs={tabs()} value={tab()} onChange={setTab} />
    </aside>
  );
}
