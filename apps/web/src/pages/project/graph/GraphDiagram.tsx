import { createMemo, For, Show } from "solid-js";
import { type Layout, NODE_H, NODE_W, type Placed } from "./layout";
import type { GraphLink, GraphNode } from "./types";

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

interface Edge {
  link: GraphLink;
  d: string;
  labelX: number;
  labelY: number;
}

function edgePath(link: GraphLink, from: Placed, to: Placed, back: boolean, bottom: number): Edge {
  if (link.fromNodeId === link.toNodeId) {
    const x = from.x + NODE_W / 2;
    const y = from.y + NODE_H;
    const d = `M ${x - 24} ${y} C ${x - 40} ${y + 46}, ${x + 40} ${y + 46}, ${x + 24} ${y + 2}`;
    return { link, d, labelX: x, labelY: y + 40 };
  }
  if (back || to.x <= from.x) {
    // loop under the drawing, from the source's bottom to the target's bottom
    const x1 = from.x + NODE_W / 2;
    const x2 = to.x + NODE_W / 2;
    const y1 = from.y + NODE_H;
    const y2 = to.y + NODE_H + 2;
    const low = bottom - 14;
    const d = `M ${x1} ${y1} C ${x1} ${low}, ${x2} ${low}, ${x2} ${y2}`;
    return { link, d, labelX: (x1 + x2) / 2, labelY: low - 6 };
  }
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x - 2;
  const y2 = to.y + NODE_H / 2;
  const dx = Math.max(40, (x2 - x1) / 2);
  const d = `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
  return { link, d, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 };
}

/** Nodes and links as an SVG diagram; click (or Enter on) a node to select it. */
export function GraphDiagram(props: {
  layout: Layout;
  /** Drawn at this scale (1: actual size); the viewBox keeps the layout's coordinates. */
  scale: number;
  nodes: GraphNode[];
  links: GraphLink[];
  selectedId: number | null;
  /** Nodes whose newest job in the layer failed or timed out: drawn with a red dot. */
  failedIds?: Set<number>;
  onSelect: (id: number) => void;
}) {
  const layout = () => props.layout;
  const edges = createMemo(() => {
    const l = layout();
    const result: Edge[] = [];
    for (const link of props.links) {
      const from = l.positions.get(link.fromNodeId);
      const to = l.positions.get(link.toNodeId);
      if (from && to) result.push(edgePath(link, from, to, l.backLinks.has(link.id), l.height));
    }
    return result;
  });

  return (
    <svg
      class="graph-svg"
      data-testid="graph-svg"
      role="img"
      aria-label="Project graph"
      width={layout().width * props.scale}
      height={layout().height * props.scale}
      viewBox={`0 0 ${layout().width} ${layout().height}`}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="8"
          markerHeight="8"
          orient="auto"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
        </marker>
        <marker
          id="arrow-error"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="8"
          markerHeight="8"
          orient="auto"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head error" />
        </marker>
      </defs>
      <g class="edges">
        <For each={edges()}>
          {(e) => (
            <g class={`edge ${e.link.filterError ? "edge-error" : ""}`} data-link-id={e.link.id}>
              <path d={e.d} marker-end={`url(#${e.link.filterError ? "arrow-error" : "arrow"})`}>
                <title>
                  {e.link.labelFilter
                    ? `Push packages whose label matches ${e.link.labelFilter}`
                    : "Push every package"}
                  {e.link.filterError ? ` — filter error: ${e.link.filterError}` : ""}
                </title>
              </path>
              <Show when={e.link.labelFilter}>
                {(filter) => {
                  const text = () => truncate(filter(), 22);
                  const w = () => text().length * 6.6 + 14;
                  return (
                    <g class="edge-label" transform={`translate(${e.labelX}, ${e.labelY})`}>
                      <rect x={-w() / 2} y={-10} width={w()} height={20} rx={10} />
                      <text text-anchor="middle" dominant-baseline="central">
                        {text()}
                      </text>
                    </g>
                  );
                }}
              </Show>
            </g>
          )}
        </For>
      </g>
      <g class="nodes">
        <For each={props.nodes}>
          {(node) => {
            const pos = () => layout().positions.get(node.id) ?? { x: 0, y: 0, layer: 0 };
            const failed = () => props.failedIds?.has(node.id) ?? false;
            const subtitle = () =>
              node.kind === "data"
                ? "data"
                : `compute · ${node.runtime ?? "—"}${node.active ? "" : " · paused"}`;
            return (
              // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
              <g
                class={`node node-${node.kind} ${props.selectedId === node.id ? "selected" : ""} ${node.active ? "" : "inactive"} ${failed() ? "failed" : ""}`}
                transform={`translate(${pos().x}, ${pos().y})`}
                role="button"
                tabindex="0"
                aria-label={`${node.kind} node ${node.name}${failed() ? ", last job failed" : ""}${node.active ? "" : ", paused"}`}
                aria-pressed={props.selectedId === node.id}
                data-node-id={node.id}
                data-failed={failed() ? "true" : undefined}
                onClick={() => props.onSelect(node.id)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    props.onSelect(node.id);
                  }
                }}
              >
                <rect class="node-box" width={NODE_W} height={NODE_H} rx={node.kind === "data" ? 14 : 6} />
                <rect class="node-accent" width={6} height={NODE_H - 16} x={8} y={8} rx={3} />
                <Show
                  when={node.kind === "data"}
                  fallback={
                    <text class="node-icon" x={NODE_W - 22} y={24} text-anchor="middle">
                      ƒ
                    </text>
                  }
                >
                  <g class="node-icon-db" transform={`translate(${NODE_W - 30}, 12)`}>
                    <ellipse cx="8" cy="3" rx="8" ry="3" />
                    <path d="M0 3 v10 a8 3 0 0 0 16 0 v-10" />
                    <path d="M0 8 a8 3 0 0 0 16 0" />
                  </g>
                </Show>
                <text class="node-name" x={22} y={25}>
                  {truncate(node.name, 18)}
                  <title>{node.name}</title>
                </text>
                <text class="node-sub" x={22} y={44}>
                  {subtitle()}
                </text>
                <Show when={failed()}>
                  <circle class="node-failed-dot" cx={NODE_W - 4} cy={4} r={7} data-testid="node-failed">
                    <title>The last job in this data layer failed</title>
                  </circle>
                </Show>
              </g>
            );
          }}
        </For>
      </g>
    </svg>
  );
}
