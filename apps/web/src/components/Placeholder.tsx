import type { JSX } from "solid-js";

/** A dashed box for a feature that is not built yet. */
export function Placeholder(props: { title: string; children?: JSX.Element }) {
  return (
    <div class="placeholder">
      <strong>{props.title}</strong>
      <div>{props.children ?? "Coming in a later release."}</div>
    </div>
  );
}
