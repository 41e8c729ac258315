import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import { formatDateTime, formatWhen } from "../../../lib/format";
import type { RouterOutputs } from "../../../lib/trpc";
import { type AuditNames, auditSentence, detailLabel, detailValue, type Part } from "./sentences";

export type AuditItem = RouterOutputs["audit"]["list"]["items"][number];

function PartView(props: { part: Part }) {
  const p = props.part;
  if (typeof p === "string") return <>{p}</>;
  const body = p.code ? <code>{p.text}</code> : <strong>{p.text}</strong>;
  return p.href ? <A href={p.href}>{body}</A> : body;
}

/** The details of an entry as a key/value list (ids, counts, changed fields), never JSON. */
function Details(props: { details: unknown }) {
  const entries = () =>
    Object.entries(
      (props.details && typeof props.details === "object" ? props.details : {}) as Record<string, unknown>,
    ).filter(([, v]) => v !== undefined && v !== null);
  return (
    <Show when={entries().length > 0}>
      <details class="audit-details">
        <summary>Details</summary>
        <dl class="kv small">
          <For each={entries()}>
            {([k, v]) => (
              <>
                <dt>{detailLabel(k)}</dt>
                <dd class="wrap-anywhere">{detailValue(v)}</dd>
              </>
            )}
          </For>
        </dl>
      </details>
    </Show>
  );
}

/** One audit entry: a sentence for people with links to what it names, when, and its details. */
export function AuditEntry(props: { item: AuditItem; names: AuditNames; projectId: number }) {
  const parts = () => auditSentence(props.item, props.names, props.projectId);
  return (
    <li class="audit-entry" data-action={props.item.action}>
      <p class="audit-sentence">
        <For each={parts()}>{(p) => <PartView part={p} />}</For>
      </p>
      <div class="audit-meta">
        <time
          class="muted small"
          datetime={new Date(props.item.createdAt).toISOString()}
          title={formatDateTime(props.item.createdAt)}
        >
          {formatWhen(props.item.createdAt)}
        </time>
        <Details details={props.item.details} />
      </div>
    </li>
  );
}
