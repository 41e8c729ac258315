import { useSearchParams } from "@solidjs/router";
import { createMemo, createResource, createSignal, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Loading } from "../../../components/Loading";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { AddLinkDialog } from "./AddLinkDialog";
import { AddNodeDialog } from "./AddNodeDialog";
import { GraphCanvas } from "./GraphCanvas";
import { LayerSelect } from "./LayerSelect";
import { isFailure } from "./NodeJobs";
import { NodePanel } from "./NodePanel";

export default function Graph() {
  const { projectId, can } = useProject();
  const [layers, { refetch: refetchLayers }] = createResource(projectId, (id) =>
    trpc.dataLayers.list.query({ projectId: id }),
  );
  const [layerChoice, setLayerChoice] = createSignal<number | null>(null);
  const layerList = () => (layers.error ? [] : (layers.latest ?? []));
  const layerId = createMemo(() => {
    const list = layerList();
    return list.find((l) => l.id === layerChoice())?.id ?? list[0]?.id ?? null;
  });
  const [graph, { refetch }] = createResource(
    () => ({ projectId: projectId(), dataLayerId: layerId() ?? undefined }),
    (input) => trpc.graph.get.query(input),
  );
  // ?node=<id> (the audit log's links) opens that node's panel
  const [params] = useSearchParams();
  const [selectedId, setSelectedId] = createSignal<number | null>(Number(params.node) || null);
  const [addingNode, setAddingNode] = createSignal(false);
  const [addingLink, setAddingLink] = createSignal(false);
  const data = () => (graph.error ? undefined : graph.latest);
  const selected = createMemo(() => data()?.nodes.find((n) => n.id === selectedId()));
  // compute nodes whose newest job in this layer failed or timed out get a red mark
  // (graph.get reports each node's last job in the requested layer)
  const failedIds = createMemo(
    () =>
      new Set((data()?.nodes ?? []).filter((n) => n.lastJob && isFailure(n.lastJob.state)).map((n) => n.id)),
  );

  return (
    <div class="graph-page">
      <div class="graph-toolbar">
        <h1 class="toolbar-title">Graph</h1>
        <Show when={can("graph_edit")}>
          <Button variant="primary" size="sm" onClick={() => setAddingNode(true)}>
            + Add node
          </Button>
          <Button size="sm" disabled={!data()?.nodes.length} onClick={() => setAddingLink(true)}>
            + Add link
          </Button>
        </Show>
        <div class="spacer" />
        <LayerSelect
          projectId={projectId()}
          layers={layerList()}
          value={layerId()}
          onChange={setLayerChoice}
          onLayersChanged={refetchLayers}
        />
        <Button size="sm" variant="ghost" onClick={() => refetch()} pending={graph.loading}>
          Refresh
        </Button>
      </div>
      <ErrorBox error={graph.error ? errorMessage(graph.error) : null} />
      <div class={`graph-body ${selected() ? "with-panel" : ""}`}>
        <div class="graph-canvas card">
          <Show
            when={data()}
            fallback={<Show when={!graph.error}>{<Loading label="Loading graph…" />}</Show>}
          >
            {(g) => (
              <Show
                when={g().nodes.length > 0}
                fallback={
                  <div class="empty graph-empty">
                    <p>
                      <strong>The graph is empty.</strong>
                    </p>
                    <p class="muted">
                      Add a data node to receive packages, then compute nodes to process them.
                    </p>
                    <Show when={can("graph_edit")}>
                      <Button variant="primary" onClick={() => setAddingNode(true)}>
                        + Add the first node
                      </Button>
                    </Show>
                  </div>
                }
              >
                <GraphCanvas
                  nodes={g().nodes}
                  links={g().links}
                  selectedId={selectedId()}
                  failedIds={failedIds()}
                  onSelect={setSelectedId}
                />
              </Show>
            )}
          </Show>
        </div>
        {/* keyed by id: the panel keeps its tab and form while the graph reloads */}
        <Show when={selected() ? selectedId() : null} keyed>
          {(_id) => (
            <NodePanel
              node={selected()!}
              graph={data()!}
              layers={layerList()}
              layerId={layerId()}
              onClose={() => setSelectedId(null)}
              onChanged={refetch}
              onJobsChanged={refetch}
              onDeleted={() => {
                setSelectedId(null);
                refetch();
              }}
            />
          )}
        </Show>
      </div>
      <AddNodeDialog
        projectId={projectId()}
        open={addingNode()}
        onOpenChange={setAddingNode}
        onCreated={(node) => {
          setAddingNode(false);
          setSelectedId(node.id);
          refetch();
        }}
      />
      <Show when={addingLink()}>
        <AddLinkDialog
          projectId={projectId()}
          nodes={data()?.nodes ?? []}
          initialFrom={selectedId() ?? undefined}
          open={addingLink()}
          onOpenChange={setAddingLink}
          onCreated={() => {
            setAddingLink(false);
            refetch();
          }}
        />
      </Show>
    </div>
  );
}
