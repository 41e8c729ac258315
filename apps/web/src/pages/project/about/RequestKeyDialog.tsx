import { MAX_MESSAGE } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";

export function RequestKeyDialog(props: {
  templateId: number;
  templateName: string;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onRequested: () => void;
}) {
  const [message, setMessage] = createSignal("");
  const request = createAction(() =>
    trpc.apiKeys.request.mutate({ templateId: props.templateId, message: message().trim() || undefined }),
  );
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setMessage("");
        request.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Request ${props.templateName}`}
      description="The project owner is e-mailed and approves or rejects your request."
      submitLabel="Request"
      pending={request.pending()}
      onSubmit={async () => {
        if (await request.run()) props.onRequested();
      }}
    >
      <div class="stack">
        <TextAreaField
          label="Message to the owner (optional)"
          rows={4}
          value={message()}
          onInput={setMessage}
          maxLength={MAX_MESSAGE}
          placeholder="What you will use the key for"
        />
        <ErrorBox error={request.error()} />
      </div>
    </FormDialog>
  );
}
