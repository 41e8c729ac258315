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

const FIELD = "input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled)";

/**
 * Where focus goes when a dialog opens: its `autofocus` field, else its first field, else the
 * first footer button (Cancel in a FormDialog, the safe choice); else Kobalte's default, the ×.
 * Never the × while there is a field: a space typed at once would close the dialog.
 */
function focusFirstField(content: HTMLElement | undefined, event: Event) {
  const body = content?.querySelector(".dialog-body");
  const target =
    body?.querySelector<HTMLElement>("[autofocus]") ??
    body?.querySelector<HTMLElement>(FIELD) ??
    content?.querySelector<HTMLElement>(".dialog-footer button:not(:disabled)");
  if (!target) return;
  event.preventDefault();
  target.focus();
}

/** A modal dialog (Kobalte: focus trap, Escape, aria labelling); focus starts on its first field. */
export function Dialog(props: DialogProps) {
  let content: HTMLElement | undefined;
  return (
    <K open={props.open} onOpenChange={props.onOpenChange}>
      <K.Portal>
        <K.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <K.Content
            ref={content}
            class={`dialog ${props.wide ? "dialog-wide" : ""}`}
            onOpenAutoFocus={(e) => focusFirstField(content, e)}
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
            <Show when={props.footer}>
              <footer class="dialog-footer">{props.footer}</footer>
            </Show>
          </K.Content>
        </div>
      </K.Portal>
    </K>
  );
}

/**
 * A form inside a dialog: Enter submits, the footer holds Cancel + the submit button; focus starts
 * on the first field.
 */
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
  let content: HTMLElement | undefined;
  return (
    <K open={props.open} onOpenChange={props.onOpenChange}>
      <K.Portal>
        <K.Overlay class="dialog-overlay" />
        <div class="dialog-positioner">
          <K.Content
            ref={content}
            class={`dialog ${props.wide ? "dialog-wide" : ""}`}
            onOpenAutoFocus={(e) => focusFirstField(content, e)}
          >
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
