import { MAX_QUOTA_REQUESTS, QUOTA_PERIOD_WORDS } from "@keyflow/schemas";
import { createEffect, createSignal, on, Show } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { formatCount } from "../../../lib/format";
import { type RouterOutputs, trpc } from "../../../lib/trpc";
import type { IssuedRow } from "./IssuedTable";

export type Grant = RouterOutputs["apiKeys"]["grantQuota"];

const ADDS_TO = {
  day: "They add to today's quota only (UTC day); tomorrow the template's quota holds again.",
  month: "They add to this month's quota only (UTC month); next month the template's quota holds again.",
  total: "A total quota never renews: they stay this key's for good.",
} as const;

/** What the dialog says about the key and its quota. */
function describe(row: IssuedRow): string {
  const q = row.quota;
  const has = q
    ? `may make ${formatCount(q.requests)} requests ${QUOTA_PERIOD_WORDS[q.period]}`
    : "has a quota of requests";
  const adds = q ? ADDS_TO[q.period] : "They add to the current period only.";
  return `The key of ${row.user.name} for ${row.templateName} ${has}. ${adds} ${row.user.name} is e-mailed.`;
}

/** The requests as typed, if they are a whole number from 1 up; else null. */
const wholeCount = (v: string) => {
  const t = v.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 && n <= MAX_QUOTA_REQUESTS ? n : null;
};

/** "Top up…" on an issued key whose template has a quota: more requests for the current period. */
export function TopUpDialog(props: {
  row: IssuedRow | null;
  onClose: () => void;
  onGranted: (row: IssuedRow, requests: number, grant: Grant) => void;
}) {
  const [requests, setRequests] = createSignal("");
  const grant = createAction((keyId: number, n: number) =>
    trpc.apiKeys.grantQuota.mutate({ keyId, requests: n }),
  );
  createEffect(
    on(
      () => props.row,
      () => {
        setRequests("");
        grant.clearError();
      },
    ),
  );
  const count = () => wholeCount(requests());
  return (
    <FormDialog
      open={props.row !== null}
      onOpenChange={(v) => !v && props.onClose()}
      title="Top up quota"
      description={props.row ? describe(props.row) : undefined}
      submitLabel="Add requests"
      pending={grant.pending()}
      submitDisabled={count() === null}
      onSubmit={async () => {
        const r = props.row;
        const n = count();
        if (!r || n === null) return;
        const g = await grant.run(r.keyId, n);
        if (g) props.onGranted(r, n, g);
      }}
    >
      <div class="stack">
        <TextField
          label="Requests to add"
          type="number"
          inputmode="numeric"
          min="1"
          max={MAX_QUOTA_REQUESTS}
          step="1"
          required
          value={requests()}
          onInput={setRequests}
          hint="A whole number, at least 1"
        />
        <Show when={requests().trim() !== "" && count() === null}>
          <p class="small text-danger" role="alert">
            Enter a whole number of requests, at least 1.
          </p>
        </Show>
        <ErrorBox error={grant.error()} />
      </div>
    </FormDialog>
  );
}
