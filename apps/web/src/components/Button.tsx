import { type JSX, Show, splitProps } from "solid-js";

export type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";

export interface ButtonProps extends JSX.ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: ButtonVariant;
  size?: "sm" | "md";
  /** Shows a spinner and disables the button while a call runs. */
  pending?: boolean;
}

export function Button(props: ButtonProps) {
  const [local, rest] = splitProps(props, ["variant", "size", "pending", "class", "children", "disabled"]);
  return (
    <button
      type="button"
      {...rest}
      class={`btn btn-${local.variant ?? "secondary"} ${local.size === "sm" ? "btn-sm" : ""} ${local.class ?? ""}`}
      disabled={local.disabled || local.pending}
      aria-busy={local.pending ? "true" : undefined}
    >
      <Show when={local.pending}>
        <span class="spinner" aria-hidden="true" />
      </Show>
      {local.children}
    </button>
  );
}
