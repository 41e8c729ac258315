import { createSignal, type JSX } from "solid-js";
import { createAction } from "../lib/action";
import { Button, type ButtonProps } from "./Button";
import { FormDialog } from "./Dialog";
import { ErrorBox } from "./ErrorBox";

/** A (usually destructive) button that asks first, then runs the action and shows its error. */
export function ConfirmButton(props: {
  label: JSX.Element;
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  variant?: ButtonProps["variant"];
  size?: ButtonProps["size"];
  disabled?: boolean;
  "aria-label"?: string;
}) {
  const [open, setOpen] = createSignal(false);
  const action = createAction(props.onConfirm);
  return (
    <>
      <Button
        variant={props.variant ?? "danger"}
        size={props.size}
        disabled={props.disabled}
        aria-label={props["aria-label"]}
        onClick={() => {
          action.clearError();
          setOpen(true);
        }}
      >
        {props.label}
      </Button>
      <FormDialog
        open={open()}
        onOpenChange={setOpen}
        title={props.title}
        submitLabel={props.confirmLabel}
        pending={action.pending()}
        danger
        onSubmit={async () => {
          const r = await action.run();
          if (!action.error()) setOpen(false);
          return r;
        }}
      >
        <div class="stack">
          <div>{props.message}</div>
          <ErrorBox error={action.error()} />
        </div>
      </FormDialog>
    </>
  );
}
