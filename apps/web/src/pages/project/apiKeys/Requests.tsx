import { WITHDRAWN_SHOWN_DAYS, webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { formatWhen } from "../../../lib/format";
import { errorMessage, trpc } from "../../../lib/trpc";
import { ApproveDialog, type Approved } from "./ApproveDialog";
import { RejectDialog } from "./RejectDialog";
import type { KeyRequest } from "./types";

type Filter = "pending" | "all";

const STATUS_CLASS: Record<string, string> = {
  pending: "badge",
  approved: "badge badge-green",
  rejected: "badge badge-red",
  withdrawn: "badge badge-grey",
  cancelled: "badge badge-grey",
};

/** What ended a request, in words: "withdrawn by the requester today at 20:03". */
function decidedLine(r: KeyRequest): string | null {
  if (r.status === "pending" || !r.decidedAt) return null;
  const by = r.status === "withdrawn" ? " by the requester" : "";
  return `${r.status}${by} ${formatWhen(r.decidedAt)}`;
}

/** The request's answers, labelled by the template's questions (an id whose question was removed shows as such). */
function answerList(r: KeyRequest) {
  const known = r.questions
    .filter((q) => r.answers[q.id] !== undefined)
    .map((q) => ({ id: q.id, question: q.text, answer: r.answers[q.id]! }));
  const removed = Object.keys(r.answers)
    .filter((id) => !r.questions.some((q) => q.id === id))
    .map((id) => ({ id, question: "A question since removed", answer: r.answers[id]! }));
  return [...known, ...removed];
}

/**
 * Key requests of the project: approve (✓) or reject (✗, optional reason). The pending view also
 * keeps the requests withdrawn in the last days, so the owner sees where a request went.
 */
export function Requests(props: { projectId: number; onDecided?: () => void }) {
  const [filter, setFilter] = createSignal<Filter>("pending");
  const [requests, { refetch }] = createResource(
    () => ({ projectId: props.projectId, status: filter() }),
    ({ projectId, status }) =>
      trpc.apiKeys.listRequests.query(
        status === "all"
          ? { projectId }
          : {
              projectId,
              status: "pending",
              withdrawnSince: new Date(Date.now() - WITHDRAWN_SHOWN_DAYS * 86_400_000),
            },
      ),
  );
  const [rejecting, setRejecting] = createSignal<KeyRequest | null>(null);
  const [approving, setApproving] = createSignal<KeyRequest | null>(null);
  // the last decision, said until the next one (or dismissed)
  const [done, setDone] = createSignal<{
    decision: "approved" | "rejected";
    request: KeyRequest;
    approved?: Approved;
  } | null>(null);

  return (
    <section class="section" aria-label="Requests">
      <div class="row between">
        <h2>Requests</h2>
        <div class="row">
          <fieldset class="segmented">
            <legend class="sr-only">Show requests</legend>
            <button
              type="button"
              class={filter() === "pending" ? "active" : ""}
              aria-pressed={filter() === "pending"}
              onClick={() => setFilter("pending")}
            >
              Pending
            </button>
            <button
              type="button"
              class={filter() === "all" ? "active" : ""}
              aria-pressed={filter() === "all"}
              onClick={() => setFilter("all")}
            >
              All
            </button>
          </fieldset>
          <Button size="sm" onClick={() => refetch()} disabled={requests.loading}>
            Refresh
          </Button>
        </div>
      </div>
      <Show when={done()}>
        {(d) => (
          <div class="success-box row between nowrap" role="status" aria-label="Request decided">
            <Show
              when={d().decision === "approved"}
              fallback={
                <span>
                  Rejected the request of <strong>{d().request.user.name}</strong> for{" "}
                  <strong>{d().request.templateName}</strong>; they were e-mailed.
                </span>
              }
            >
              <span>
                Approved: <strong>{d().request.user.name}</strong> now holds a key for{" "}
                <strong>{d().request.templateName}</strong>
                {d().approved?.expiresAt
                  ? `, expiring ${formatWhen(d().approved?.expiresAt)},`
                  : " (no expiry)"}{" "}
                and was e-mailed. Follow its use under{" "}
                <A href={webPaths.project(props.projectId, "issuedKeys")}>Usage statistics</A>.
              </span>
            </Show>
            <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => setDone(null)}>
              <Icon name="x" size={16} />
            </button>
          </div>
        )}
      </Show>
      <Show when={!requests.error} fallback={<ErrorBox error={errorMessage(requests.error)} />}>
        <Show when={requests.latest} fallback={<Loading />}>
          {(list) => (
            <div class="card flush table-scroll">
              <table class="table stackable requests-table">
                <thead>
                  <tr>
                    <th>Requester</th>
                    <th>Template</th>
                    <th>Message</th>
                    <th>Asked</th>
                    <th>Status</th>
                    <th class="right">Decision</th>
                  </tr>
                </thead>
                <tbody>
                  <For
                    each={list()}
                    fallback={
                      <tr class="empty-row">
                        <td colspan="6" class="muted center">
                          {filter() === "pending" ? "No pending requests." : "No requests yet."}
                        </td>
                      </tr>
                    }
                  >
                    {(r) => (
                      <tr class={r.status === "withdrawn" ? "request-withdrawn" : ""}>
                        <td data-label="Requester">
                          <div class="strong">{r.user.name}</div>
                          <div class="small muted wrap-anywhere">{r.user.email}</div>
                        </td>
                        <td data-label="Template">{r.templateName}</td>
                        <td class="prewrap wrap-anywhere request-message" data-label="Message">
                          {r.message || (Object.keys(r.answers).length === 0 && <span class="muted">—</span>)}
                          <Show when={answerList(r).length > 0}>
                            <dl class="request-answers small" aria-label="Answers">
                              <For each={answerList(r)}>
                                {(a) => (
                                  <>
                                    <dt>{a.question}</dt>
                                    <dd>{a.answer}</dd>
                                  </>
                                )}
                              </For>
                            </dl>
                          </Show>
                          <Show when={r.status === "rejected" && r.reason}>
                            <div class="small muted">Reason: {r.reason}</div>
                          </Show>
                        </td>
                        <td data-label="Asked">{formatWhen(r.createdAt)}</td>
                        <td data-label="Status">
                          <span class={STATUS_CLASS[r.status] ?? "badge"}>{r.status}</span>
                          <Show when={decidedLine(r)}>
                            {(line) => <div class="small muted">{line()}</div>}
                          </Show>
                        </td>
                        <td class="right nowrap decision" data-label="Decision">
                          <Show
                            when={r.status === "pending"}
                            fallback={
                              <span class="muted small">
                                {r.status === "withdrawn" ? "nothing to decide" : "—"}
                              </span>
                            }
                          >
                            <div class="row end nowrap gap-xs">
                              <button
                                type="button"
                                class="icon-btn icon-btn-ok"
                                aria-label={`Approve request from ${r.user.name} for ${r.templateName}`}
                                title="Approve"
                                onClick={() => {
                                  setDone(null);
                                  setApproving(r);
                                }}
                              >
                                <Icon name="check" />
                              </button>
                              <button
                                type="button"
                                class="icon-btn icon-btn-danger"
                                aria-label={`Reject request from ${r.user.name} for ${r.templateName}`}
                                title="Reject"
                                onClick={() => setRejecting(r)}
                              >
                                <Icon name="x" />
                              </button>
                            </div>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </Show>
      <ApproveDialog
        request={approving()}
        onClose={() => setApproving(null)}
        onApproved={(r, approved) => {
          setApproving(null);
          setDone({ decision: "approved", request: r, approved });
          refetch();
          props.onDecided?.();
        }}
      />
      <RejectDialog
        request={rejecting()}
        onClose={() => setRejecting(null)}
        onRejected={(r) => {
          setRejecting(null);
          setDone({ decision: "rejected", request: r });
          refetch();
          props.onDecided?.();
        }}
      />
    </section>
  );
}
