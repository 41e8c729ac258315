import { type JSX, Show } from "solid-js";

export function PageHeader(props: { title: string; subtitle?: JSX.Element; actions?: JSX.Element }) {
  return (
    <div class="page-header">
      <div>
        <h1>{props.title}</h1>
        <Show when={props.subtitle}>
          <p class="muted">{props.subtitle}</p>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="row">{props.actions}</div>
      </Show>
    </div>
  );
}
