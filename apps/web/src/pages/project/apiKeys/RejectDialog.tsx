import { MAX_MESSAGE } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { KeyRequest } from "./types";

/** ✗ on a request: an optional reason, e-mailed to the requester. */
export function RejectDialog(props: {
  request: KeyRequest | null;
  onClose: () => void;
  onRejected: (request: KeyRequest) => void;
}) {
  const [reason, setReason] = createSignal("");
  const reject = createAction((requestId: number) =>
    trpc.apiKeys.reject.mutate({ requestId, reason: reason().trim() || undefined }),
  );
  createEffect(
    on(
      () => props.request,
      () => {
        setReason("");
        reject.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.request !== null}
      onOpenChange={(v) => !v && props.onClose()}
      title="Reject request"
      description={
        props.request
          ? `${props.request.user.name} asked for a key from ${props.request.templateName}.`
          : undefined
      }
      submitLabel="Reject"
      danger
      pending={reject.pending()}
      onSubmit={async () => {
        const r = props.request;
        if (r && (await reject.run(r.id))) props.onRejected(r);
      }}
    >
      <div class="stack">
        <TextAreaField
          label="Reason (optional)"
          rows={3}
          value={reason()}
          onInput={setReason}
          maxLength={MAX_MESSAGE}
          hint="Sent to the requester by e-mail"
        />
        <ErrorBox error={reject.error()} />
      </div>
    </FormDialog>
  );
}
