import { createSignal, For, Show } from "solid-js";
import { Icon } from "./Icon";

/** What the list needs of a node. */
export interface SearchableNode {
  id: number;
  name: string;
  kind: string;
}

/** Default search: the name contains the query, or the query is the node's id (optionally "#id"). */
export function matchesNameOrId(node: SearchableNode, query: string): boolean {
  return node.name.toLowerCase().includes(query) || String(node.id) === query.replace(/^#/, "");
}

/**
 * A search box over a list of node buttons (kind pill, name, #id). Used as a single-choice picker
 * or, with `multiple`, as a list of pressed/unpressed toggle buttons with a check mark. The query
 * lives here; mount it inside a dialog's content so it starts empty each time the dialog opens.
 */
export function NodeSearchList<N extends SearchableNode>(props: {
  nodes: N[];
  /** Whether a node is the chosen one / is pressed (shown as `active`). */
  selected: (id: number) => boolean;
  onClick: (id: number) => void;
  disabled?: boolean;
  /** Toggle buttons: `aria-pressed` and a check mark. */
  multiple?: boolean;
  /** Whether a node matches the trimmed, lower-cased query (default: name or id). */
  matches?: (node: N, query: string) => boolean;
}) {
  const [query, setQuery] = createSignal("");
  const shown = () => {
    const q = query().trim().toLowerCase();
    if (!q) return props.nodes;
    const matches = props.matches ?? matchesNameOrId;
    return props.nodes.filter((n) => matches(n, q));
  };
  return (
    <>
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
                  class={`node-pick ${props.selected(n.id) ? "active" : ""}`}
                  aria-pressed={props.multiple ? props.selected(n.id) : undefined}
                  disabled={props.disabled}
                  onClick={() => props.onClick(n.id)}
                >
                  <span class={`kind-pill kind-${n.kind}`}>{n.kind}</span>
                  <span class="grow strong">{n.name}</span>
                  <span class="mono muted">#{n.id}</span>
                  <Show when={props.multiple}>
                    <span class="pick-check" aria-hidden="true">
                      <Show when={props.selected(n.id)}>
                        <Icon name="check" size={16} />
                      </Show>
                    </span>
                  </Show>
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </>
  );
}
