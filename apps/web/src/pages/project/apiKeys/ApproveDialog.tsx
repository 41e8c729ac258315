import { createEffect, createSignal, on, Show } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { formatDate } from "../../../lib/format";
import { type RouterOutputs, trpc } from "../../../lib/trpc";
import type { KeyRequest } from "./types";

export type Approved = RouterOutputs["apiKeys"]["approve"];

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, "0");
/** A local day as `<input type="date">` writes it. */
const dateValue = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const days = (n: number) => (n === 1 ? "1 day" : `${n} days`);

/**
 * The expiry of a picked day: its end in the browser's time zone, but never past `cap` (the
 * template's maxTtlDays from when the dialog opened), so picking the cap's own day is accepted.
 * A day after the cap's is sent as it is and refused by the server, which names the cap.
 */
function expiryOf(day: string, cap: Date | null): Date {
  const [y, m, d] = day.split("-").map(Number);
  const end = new Date(y!, m! - 1, d!, 23, 59, 59, 999);
  const start = new Date(y!, m! - 1, d!);
  if (cap && end > cap && start <= cap) return cap;
  return end;
}

/** What approving without a date gives: min(keyTtlDays, maxTtlDays) (issue.ts decides; this only says it). */
function defaultLifetime(r: KeyRequest): string {
  const ttl = r.keyTtlDays;
  const max = r.maxTtlDays;
  const n = ttl === null ? max : max === null ? ttl : Math.min(ttl, max);
  if (n === null) return "Empty: the key never expires.";
  return `Empty: the template's default, ${days(n)} (until ${formatDate(new Date(Date.now() + n * DAY_MS))}).`;
}

/** ✓ on a request: approve, optionally with an expiry no later than the template's cap. */
export function ApproveDialog(props: {
  request: KeyRequest | null;
  onClose: () => void;
  onApproved: (request: KeyRequest, approved: Approved) => void;
}) {
  const [day, setDay] = createSignal("");
  const [cap, setCap] = createSignal<Date | null>(null);
  const approve = createAction((r: KeyRequest) =>
    trpc.apiKeys.approve.mutate({
      requestId: r.id,
      ...(day() && { expiresAt: expiryOf(day(), cap()) }),
    }),
  );
  createEffect(
    on(
      () => props.request,
      (r) => {
        setDay("");
        approve.clearError();
        setCap(r?.maxTtlDays ? new Date(Date.now() + r.maxTtlDays * DAY_MS) : null);
      },
    ),
  );
  return (
    <FormDialog
      open={props.request !== null}
      onOpenChange={(v) => !v && props.onClose()}
      title="Approve request"
      description={
        props.request
          ? `${props.request.user.name} gets a key from ${props.request.templateName} and is e-mailed.`
          : undefined
      }
      submitLabel="Approve"
      pending={approve.pending()}
      onSubmit={async () => {
        const r = props.request;
        if (!r) return;
        const approved = await approve.run(r);
        if (approved) props.onApproved(r, approved);
      }}
    >
      <div class="stack">
        <TextField
          label="Key expires on (optional)"
          type="date"
          min={dateValue(new Date())}
          max={cap() ? dateValue(cap() as Date) : undefined}
          value={day()}
          onInput={setDay}
          hint={props.request ? defaultLifetime(props.request) : undefined}
        />
        <Show when={props.request?.maxTtlDays}>
          {(max) => (
            <p class="muted small approve-cap">
              The template caps keys at {days(max())}: the latest expiry is {formatDate(cap())}.
            </p>
          )}
        </Show>
        <ErrorBox error={approve.error()} />
      </div>
    </FormDialog>
  );
}
