import { Dialog as K } from "@kobalte/core/dialog";
import { type JSX, Show } from "solid-js";

export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  children: JSX.Element;
  /** Buttons at the bottom, right-aligned. */
  footer?: JSX.Element;
  wide?: boolean;
}

/** A modal dialog (Kobalte: focus trap, Escape, aria labelling). */
export function Dialog(props: DialogProps) {
  return (
    <K open={props.open} onOpenChange={props.onOpenChange}>
      <K.Portal>
        <K.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <K.Content class={`dialog ${props.wide ? "dialog-wide" : ""}`}>
            <header class="dialog-header">
              <K.Title class="dialog-title">{props.title}</K.Title>
              <K.CloseButton class="icon-btn" aria-label="Close">
                ×
              </K.CloseButton>
            </header>
            <Show when={props.description}>
              <K.Description class="dialog-description">{props.description}</K.Description>
            </Show>
            <div class="dialog-body">{props.children}</div>
            <Show when={props.footer}>
              <footer class="dialog-footer">{props.footer}</footer>
            </Show>
          </K.Content>
        </div>
      </K.Portal>
    </K>
  );
}

/** A form inside a dialog: Enter submits, the footer holds Cancel + the submit button. */
export function FormDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: string;
  submitLabel: string;
  pending: boolean;
  onSubmit: () => void;
  children: JSX.Element;
  danger?: boolean;
  wide?: boolean;
  submitDisabled?: boolean;
}) {
  return (
    <K open={props.open} onOpenChange={props.onOpenChange}>
      <K.Portal>
        <K.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <K.Content class={`dialog ${props.wide ? "dialog-wide" : ""}`}>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                props.onSubmit();
              }}
            >
              <header class="dialog-header">
                <K.Title class="dialog-title">{props.title}</K.Title>
                <K.CloseButton class="icon-btn" aria-label="Close">
                  ×
                </K.CloseButton>
              </header>
              <Show when={props.description}>
                <K.Description class="dialog-description">{props.description}</K.Description>
              </Show>
              <div class="dialog-body">{props.children}</div>
              <footer class="dialog-footer">
                <button type="button" class="btn btn-ghost" onClick={() => props.onOpenChange(false)}>
                  Cancel
                </button>
                <button
                  type="submit"
                  class={`btn ${props.danger ? "btn-danger" : "btn-primary"}`}
                  disabled={props.pending || props.submitDisabled}
                  aria-busy={props.pending ? "true" : undefined}
                >
                  <Show when={props.pending}>
                    <span class="spinner" aria-hidden="true" />
                  </Show>
                  {props.submitLabel}
                </button>
              </footer>
            </form>
          </K.Content>
        </div>
      </K.Portal>
    </K>
  );
}
