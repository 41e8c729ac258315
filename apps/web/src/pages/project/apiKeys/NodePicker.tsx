import { createEffect, createSignal, For, on, Show } from "solid-js";
import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
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
  const [query, setQuery] = createSignal("");
  createEffect(
    on(
      () => props.open,
      () => setQuery(""),
    ),
  );
  const shown = () => {
    const q = query().trim().toLowerCase();
    if (!q) return props.nodes;
    return props.nodes.filter(
      (n) =>
        n.name.toLowerCase().includes(q) || String(n.id) === q || n.description.toLowerCase().includes(q),
    );
  };
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Insert node ID into ${props.fieldName}`}
      description="The field's value becomes the chosen node's id and follows the node."
    >
      <div class="stack">
        <input
          class="input"
          type="search"
          aria-label="Search nodes"
          placeholder="Search nodes by name or id"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <Show
          when={shown().length > 0}
          fallback={
            <p class="muted">
              {props.nodes.length === 0 ? "This project has no nodes yet." : "No node matches."}
            </p>
          }
        >
          <ul class="node-pick-list" aria-label="Nodes">
            <For each={shown()}>
              {(n) => (
                <li>
                  <button
                    type="button"
                    class={`node-pick ${props.selectedId === n.id ? "active" : ""}`}
                    disabled={props.pending}
                    onClick={() => props.onPick(n.id)}
                  >
                    <span class={`kind-pill kind-${n.kind}`}>{n.kind}</span>
                    <span class="grow strong">{n.name}</span>
                    <span class="mono muted">#{n.id}</span>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <ErrorBox error={props.error} />
      </div>
    </Dialog>
  );
}
