import { createSignal, For, Show } from "solid-js";
import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { NodeSearchList } from "../../../components/NodeSearchList";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { GraphNode, Secret } from "./types";

/**
 * The **Nodes** field of a secret: chips of the nodes that may read it and, for managers, a
 * search/picker to grant and withdraw access (each change is saved at once).
 */
export function SecretNodes(props: {
  secret: Secret;
  nodes: GraphNode[];
  editable: boolean;
  onChanged: (s: Secret) => void;
}) {
  const [picking, setPicking] = createSignal(false);
  const setNodes = createAction(async (nodeIds: number[]) => {
    const updated = await trpc.secrets.setNodes.mutate({ secretId: props.secret.id, nodeIds });
    props.onChanged(updated);
    return updated;
  });
  const has = (id: number) => props.secret.nodeIds.includes(id);
  const toggle = (id: number) =>
    setNodes.run(has(id) ? props.secret.nodeIds.filter((n) => n !== id) : [...props.secret.nodeIds, id]);
  const node = (id: number) => props.nodes.find((n) => n.id === id);

  return (
    <div class="secret-nodes">
      <ul class="chips" aria-label={`Nodes with access to ${props.secret.name}`}>
        <For each={props.secret.nodeIds} fallback={<li class="muted small">No node can read it yet.</li>}>
          {(id) => (
            <li class={`chip ${node(id) ? `chip-${node(id)?.kind}` : ""}`}>
              <span>{node(id)?.name ?? `node #${id}`}</span>
              <Show when={props.editable}>
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove ${node(id)?.name ?? `node #${id}`} from ${props.secret.name}`}
                  disabled={setNodes.pending()}
                  onClick={() => setNodes.run(props.secret.nodeIds.filter((n) => n !== id))}
                >
                  ×
                </button>
              </Show>
            </li>
          )}
        </For>
        <Show when={props.editable}>
          <li>
            <button
              type="button"
              class="icon-btn"
              aria-label={`Choose nodes for ${props.secret.name}`}
              title="Choose nodes"
              onClick={() => {
                setNodes.clearError();
                setPicking(true);
              }}
            >
              <Icon name="search" size={16} />
            </button>
          </li>
        </Show>
      </ul>
      <Show when={!picking()}>
        <ErrorBox error={setNodes.error()} />
      </Show>
      <Dialog
        open={picking()}
        onOpenChange={setPicking}
        title={`Nodes for ${props.secret.name}`}
        description="Nodes you tick can read this secret in their jobs. Changes are saved at once."
      >
        <div class="stack">
          <NodeSearchList
            nodes={props.nodes}
            selected={has}
            multiple
            disabled={setNodes.pending()}
            onClick={toggle}
          />
          <ErrorBox error={setNodes.error()} />
        </div>
      </Dialog>
    </div>
  );
}
