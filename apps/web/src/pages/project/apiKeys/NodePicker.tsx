import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { NodeSearchList } from "../../../components/NodeSearchList";
import type { GraphNode } from "./types";

/** "Insert node ID": pick one of the project's nodes, with a search box. */
export function NodePicker(props: {
  open: boolean;
  onOpenChange: (v: boolean) => void;
  nodes: GraphNode[];
  fieldName: string;
  selectedId: number | null;
  pending: boolean;
  error: string | null;
  onPick: (nodeId: number) => void;
}) {
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Insert node ID into ${props.fieldName}`}
      description="The field's value becomes the chosen node's id and follows the node."
    >
      <div class="stack">
        <NodeSearchList
          nodes={props.nodes}
          selected={(id) => props.selectedId === id}
          disabled={props.pending}
          onClick={props.onPick}
          matches={(n, q) =>
            n.name.toLowerCase().includes(q) || String(n.id) === q || n.description.toLowerCase().includes(q)
          }
        />
        <ErrorBox error={props.error} />
      </div>
    </Dialog>
  );
}
