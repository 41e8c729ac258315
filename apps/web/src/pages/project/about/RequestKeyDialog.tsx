import { MAX_ANSWER, MAX_MESSAGE, type RequestQuestion } from "@keyflow/schemas";
import { TRPCClientError } from "@trpc/client";
import { createEffect, createSignal, For, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { errorMessage, type RouterOutputs, trpc } from "../../../lib/trpc";

export type RequestResult = RouterOutputs["apiKeys"]["request"];

/**
 * A refused answer named the way the dialog names it, by its question: the server sends
 * `answers.<id>` and the reason ("an answer to "…" is required", "must be at most 1000 characters").
 */
function answerError(e: unknown, questions: RequestQuestion[]): string | null {
  if (!(e instanceof TRPCClientError)) return null;
  const data = e.data as { field?: unknown; reason?: unknown } | undefined;
  if (typeof data?.field !== "string" || typeof data.reason !== "string") return null;
  if (!data.field.startsWith("answers.")) return null;
  const q = questions.find((x) => `answers.${x.id}` === data.field);
  if (!q) return null;
  if (data.reason.includes(`"${q.text}"`)) return data.reason.charAt(0).toUpperCase() + data.reason.slice(1);
  return `The answer to "${q.text}" ${data.reason}`;
}

export function RequestKeyDialog(props: {
  templateId: number;
  templateName: string;
  approval: "manual" | "auto";
  questions: RequestQuestion[];
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onRequested: (result: RequestResult) => void;
}) {
  const [message, setMessage] = createSignal("");
  const [answers, setAnswers] = createSignal<Record<string, string>>({});
  const request = createAction(async () => {
    try {
      return await trpc.apiKeys.request.mutate({
        templateId: props.templateId,
        message: message().trim() || undefined,
        ...(props.questions.length > 0 && { answers: answers() }),
      });
    } catch (e) {
      throw new Error(answerError(e, props.questions) ?? errorMessage(e));
    }
  });
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setMessage("");
        setAnswers({});
        request.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Request ${props.templateName}`}
      description={
        props.approval === "auto"
          ? "This template approves automatically: your key is issued as soon as you send the request, and the project owner is told."
          : "The project owner is e-mailed and approves or rejects your request."
      }
      submitLabel="Request"
      pending={request.pending()}
      onSubmit={async () => {
        const result = await request.run();
        if (result) props.onRequested(result);
      }}
    >
      <div class="stack">
        <For each={props.questions}>
          {(q) => (
            <TextAreaField
              label={`${q.text} ${q.required ? "(required)" : "(optional)"}`}
              rows={2}
              required={q.required}
              aria-required={q.required ? "true" : undefined}
              maxLength={MAX_ANSWER}
              value={answers()[q.id] ?? ""}
              onInput={(v) => setAnswers((a) => ({ ...a, [q.id]: v }))}
            />
          )}
        </For>
        <TextAreaField
          label="Message to the owner (optional)"
          rows={props.questions.length > 0 ? 2 : 4}
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
