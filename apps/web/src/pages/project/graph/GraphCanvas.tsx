import { createEffect, createMemo, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { GraphDiagram } from "./GraphDiagram";
import { layoutGraph } from "./layout";
import type { GraphLink, GraphNode } from "./types";

/** Room kept around a node scrolled into view, so its border and shadow stay visible. */
const MARGIN = 24;

/**
 * The diagram inside a scrolling viewport: scrollbars (and touch) pan it, so does dragging the
 * background with the mouse; "Fit to view" shrinks it to the viewport and "Actual size" goes
 * back. The selected node is scrolled into view whenever it changes or the drawing moves.
 */
export function GraphCanvas(props: {
  nodes: GraphNode[];
  links: GraphLink[];
  selectedId: number | null;
  failedIds: Set<number>;
  onSelect: (id: number) => void;
}) {
  let viewport!: HTMLDivElement;
  const layout = createMemo(() => layoutGraph(props.nodes, props.links));
  const [fitted, setFitted] = createSignal(false);
  const [size, setSize] = createSignal({ width: 0, height: 0 });
  onMount(() => {
    const observer = new ResizeObserver(() =>
      setSize({ width: viewport.clientWidth, height: viewport.clientHeight }),
    );
    observer.observe(viewport);
    onCleanup(() => observer.disconnect());
  });
  const scale = createMemo(() => {
    const { width, height } = size();
    if (!fitted() || width === 0 || height === 0) return 1;
    return Math.min(1, width / layout().width, height / layout().height);
  });
  /** The drawing is larger than the viewport at actual size: fitting it would change something. */
  const overflows = createMemo(() => {
    const { width, height } = size();
    return layout().width > width + 1 || layout().height > height + 1;
  });

  function revealSelected() {
    const id = props.selectedId;
    if (id === null) return;
    const el = viewport.querySelector<SVGGElement>(`[data-node-id="${id}"]`);
    if (!el) return;
    const box = el.getBoundingClientRect();
    const view = viewport.getBoundingClientRect();
    // only the viewport scrolls: the page stays where the user put it
    if (box.left < view.left + MARGIN) viewport.scrollLeft -= view.left + MARGIN - box.left;
    else if (box.right > view.left + viewport.clientWidth - MARGIN)
      viewport.scrollLeft += Math.min(
        box.right - (view.left + viewport.clientWidth - MARGIN),
        box.left - (view.left + MARGIN),
      );
    if (box.top < view.top + MARGIN) viewport.scrollTop -= view.top + MARGIN - box.top;
    else if (box.bottom > view.top + viewport.clientHeight - MARGIN)
      viewport.scrollTop += Math.min(
        box.bottom - (view.top + viewport.clientHeight - MARGIN),
        box.top - (view.top + MARGIN),
      );
  }
  // where the selected node is drawn, as a string: a reload that leaves it in place changes nothing
  const selectedAt = createMemo(() => {
    const p = props.selectedId === null ? undefined : layout().positions.get(props.selectedId);
    return p ? `${props.selectedId}@${p.x},${p.y}` : "";
  });
  // after the DOM update: a new selection, the node moved (or was just drawn), the viewport was
  // resized (the panel opened) or rescaled; never because the graph merely reloaded
  createEffect(on([selectedAt, size, scale], () => requestAnimationFrame(revealSelected)));

  // drag the background with the mouse to pan (touch pans natively; clicks on nodes still select)
  let drag: { x: number; y: number; left: number; top: number; id: number } | null = null;
  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType !== "mouse" || e.button !== 0) return;
    if ((e.target as Element).closest(".node, button")) return;
    drag = {
      x: e.clientX,
      y: e.clientY,
      left: viewport.scrollLeft,
      top: viewport.scrollTop,
      id: e.pointerId,
    };
    viewport.setPointerCapture(e.pointerId);
    viewport.classList.add("panning");
  };
  const onPointerMove = (e: PointerEvent) => {
    if (!drag || drag.id !== e.pointerId) return;
    viewport.scrollLeft = drag.left - (e.clientX - drag.x);
    viewport.scrollTop = drag.top - (e.clientY - drag.y);
  };
  const endDrag = (e: PointerEvent) => {
    if (!drag || drag.id !== e.pointerId) return;
    drag = null;
    viewport.releasePointerCapture(e.pointerId);
    viewport.classList.remove("panning");
  };

  return (
    <>
      <div
        ref={viewport}
        class="graph-viewport"
        data-testid="graph-viewport"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endDrag}
        onPointerCancel={endDrag}
      >
        <GraphDiagram
          layout={layout()}
          scale={scale()}
          nodes={props.nodes}
          links={props.links}
          selectedId={props.selectedId}
          failedIds={props.failedIds}
          onSelect={props.onSelect}
        />
      </div>
      <div class="graph-footer">
        <div class="legend">
          <span class="legend-item">
            <span class="swatch swatch-data" /> data node
          </span>
          <span class="legend-item">
            <span class="swatch swatch-compute" /> compute node
          </span>
          <span class="legend-item">→ push link (label filter on the arrow)</span>
          <Show when={props.failedIds.size > 0}>
            <span class="legend-item">
              <span class="failed-dot-swatch" /> last job failed
            </span>
          </Show>
        </div>
        <Show
          when={fitted()}
          fallback={
            <Button
              size="sm"
              disabled={!overflows()}
              title={overflows() ? "Shrink the graph to fit" : "The whole graph is in view"}
              onClick={() => setFitted(true)}
            >
              Fit to view
            </Button>
          }
        >
          <Button size="sm" onClick={() => setFitted(false)}>
            Actual size
          </Button>
        </Show>
      </div>
    </>
  );
}
