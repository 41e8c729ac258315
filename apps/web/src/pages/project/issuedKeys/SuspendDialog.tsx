import { MAX_SUSPEND_REASON } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { IssuedRow } from "./IssuedTable";

/** "Suspend…" on an issued key: the reason is required; the holder sees it on every refused call. */
export function SuspendDialog(props: {
  row: IssuedRow | null;
  onClose: () => void;
  onSuspended: (row: IssuedRow) => void;
}) {
  const [reason, setReason] = createSignal("");
  const suspend = createAction((keyId: number) => trpc.apiKeys.suspend.mutate({ keyId, reason: reason() }));
  createEffect(
    on(
      () => props.row,
      () => {
        setReason("");
        suspend.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.row !== null}
      onOpenChange={(v) => !v && props.onClose()}
      title="Suspend key"
      description={
        props.row
          ? `The key of ${props.row.user.name} for ${props.row.templateName} is refused (403, with your reason) on every call until you resume it. Its statistics, data layer and imported secrets stay; they are e-mailed.`
          : undefined
      }
      submitLabel="Suspend key"
      danger
      pending={suspend.pending()}
      submitDisabled={reason().trim() === ""}
      onSubmit={async () => {
        const r = props.row;
        if (r && (await suspend.run(r.keyId))) props.onSuspended(r);
      }}
    >
      <div class="stack">
        <TextField
          label="Reason"
          value={reason()}
          onInput={setReason}
          maxLength={MAX_SUSPEND_REASON}
          required
          hint="Shown to the holder: in every refused call, on their key and in the e-mail"
        />
        <ErrorBox error={suspend.error()} />
      </div>
    </FormDialog>
  );
}
