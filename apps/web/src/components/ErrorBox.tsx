import { Show } from "solid-js";

/** A server or validation error, shown where the user acted. */
export function ErrorBox(props: { error: string | null | undefined; class?: string }) {
  return (
    <Show when={props.error}>
      <div class={`error-box ${props.class ?? ""}`} role="alert">
        {props.error}
      </div>
    </Show>
  );
}
