/** Layered left-to-right layout of the graph (a small Sugiyama-style pass, no dependencies). */

export interface LayoutNode {
  id: number;
}
export interface LayoutLink {
  id: number;
  fromNodeId: number;
  toNodeId: number;
}

export interface Placed {
  x: number;
  y: number;
  layer: number;
}

export const NODE_W = 180;
export const NODE_H = 60;
const GAP_X = 110;
const GAP_Y = 44;
export const PAD = 32;

export interface Layout {
  positions: Map<number, Placed>;
  /** Links that point backwards (they close a cycle); drawn as a loop under the nodes. */
  backLinks: Set<number>;
  width: number;
  height: number;
}

/**
 * Layers follow the links: a node sits one column right of its furthest predecessor. Links are
 * followed in creation order, so the drawing stays stable as the graph grows; links closing a
 * cycle are left out of the layering. Within a column nodes keep the order they were reached in.
 */
export function layoutGraph(nodes: LayoutNode[], links: LayoutLink[]): Layout {
  const ids = nodes.map((n) => n.id);
  const known = new Set(ids);
  const ordered = [...links]
    .filter((l) => known.has(l.fromNodeId) && known.has(l.toNodeId))
    .sort((a, b) => a.id - b.id);
  const out = new Map<number, LayoutLink[]>();
  const incoming = new Map<number, number>();
  for (const l of ordered) {
    out.set(l.fromNodeId, [...(out.get(l.fromNodeId) ?? []), l]);
    incoming.set(l.toNodeId, (incoming.get(l.toNodeId) ?? 0) + 1);
  }

  // depth-first from the sources (then from anything left), in id and link order: find back links
  const backLinks = new Set<number>();
  const state = new Map<number, "open" | "done">();
  const discovery: number[] = [];
  const visit = (id: number) => {
    state.set(id, "open");
    discovery.push(id);
    for (const l of out.get(id) ?? []) {
      const s = state.get(l.toNodeId);
      if (s === "open") backLinks.add(l.id);
      else if (s === undefined) visit(l.toNodeId);
    }
    state.set(id, "done");
  };
  const sorted = [...ids].sort((a, b) => a - b);
  for (const id of sorted) if (!incoming.get(id) && !state.has(id)) visit(id);
  for (const id of sorted) if (!state.has(id)) visit(id);

  // longest path over the forward links (relaxation; the forward graph is acyclic)
  const layer = new Map<number, number>(ids.map((id) => [id, 0]));
  const forward = ordered.filter((l) => !backLinks.has(l.id) && l.fromNodeId !== l.toNodeId);
  for (let i = 0; i < ids.length; i++) {
    let changed = false;
    for (const l of forward) {
      const next = (layer.get(l.fromNodeId) ?? 0) + 1;
      if (next > (layer.get(l.toNodeId) ?? 0)) {
        layer.set(l.toNodeId, next);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const columns: number[][] = [];
  for (const id of discovery) {
    const c = layer.get(id) ?? 0;
    columns[c] = [...(columns[c] ?? []), id];
  }
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const fullHeight = tallest * NODE_H + (tallest - 1) * GAP_Y;
  const positions = new Map<number, Placed>();
  columns.forEach((col, c) => {
    const h = col.length * NODE_H + (col.length - 1) * GAP_Y;
    const top = PAD + (fullHeight - h) / 2;
    col.forEach((id, i) => {
      positions.set(id, { layer: c, x: PAD + c * (NODE_W + GAP_X), y: top + i * (NODE_H + GAP_Y) });
    });
  });
  const hasBack = backLinks.size > 0 || ordered.some((l) => l.fromNodeId === l.toNodeId);
  return {
    positions,
    backLinks,
    width: PAD * 2 + Math.max(1, columns.length) * NODE_W + Math.max(0, columns.length - 1) * GAP_X,
    height: PAD * 2 + fullHeight + (hasBack ? 48 : 0),
  };
}
