import { createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { createAction } from "../../../lib/action";
import { formatDateTime } from "../../../lib/format";
import { errorMessage, trpc } from "../../../lib/trpc";
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

/** Key requests of the project: approve (✓) or reject (✗, optional reason). */
export function Requests(props: { projectId: number }) {
  const [filter, setFilter] = createSignal<Filter>("pending");
  const [requests, { refetch }] = createResource(
    () => ({ projectId: props.projectId, status: filter() }),
    ({ projectId, status }) =>
      trpc.apiKeys.listRequests.query({ projectId, status: status === "all" ? undefined : "pending" }),
  );
  const [rejecting, setRejecting] = createSignal<KeyRequest | null>(null);
  const approve = createAction(async (r: KeyRequest) => {
    await trpc.apiKeys.approve.mutate({ requestId: r.id });
    refetch();
  });

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
      <ErrorBox error={approve.error()} />
      <Show when={!requests.error} fallback={<ErrorBox error={errorMessage(requests.error)} />}>
        <Show when={requests.latest} fallback={<Loading />}>
          {(list) => (
            <div class="card flush table-scroll">
              <table class="table">
                <thead>
                  <tr>
                    <th>Requester</th>
                    <th>Template</th>
                    <th>Message</th>
                    <th>Date</th>
                    <th>Status</th>
                    <th class="right">Decision</th>
                  </tr>
                </thead>
                <tbody>
                  <For
                    each={list()}
                    fallback={
                      <tr>
                        <td colspan="6" class="muted center">
                          {filter() === "pending" ? "No pending requests." : "No requests yet."}
                        </td>
                      </tr>
                    }
                  >
                    {(r) => (
                      <tr>
                        <td>
                          <div class="strong">{r.user.name}</div>
                          <div class="small muted">{r.user.email}</div>
                        </td>
                        <td>{r.templateName}</td>
                        <td class="prewrap wrap-anywhere request-message">
                          {r.message || <span class="muted">—</span>}
                          <Show when={r.status === "rejected" && r.reason}>
                            <div class="small muted">Reason: {r.reason}</div>
                          </Show>
                        </td>
                        <td class="nowrap">{formatDateTime(r.createdAt)}</td>
                        <td>
                          <span class={STATUS_CLASS[r.status] ?? "badge"}>{r.status}</span>
                        </td>
                        <td class="right nowrap decision">
                          <Show when={r.status === "pending"}>
                            <div class="row end nowrap gap-xs">
                              <button
                                type="button"
                                class="icon-btn icon-btn-ok"
                                aria-label={`Approve request from ${r.user.name} for ${r.templateName}`}
                                title="Approve"
                                disabled={approve.pending()}
                                onClick={() => approve.run(r)}
                              >
                                <Icon name="check" />
                              </button>
                              <button
                                type="button"
                                class="icon-btn icon-btn-danger"
                                aria-label={`Reject request from ${r.user.name} for ${r.templateName}`}
                                title="Reject"
                                disabled={approve.pending()}
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
      <RejectDialog
        request={rejecting()}
        onClose={() => setRejecting(null)}
        onRejected={() => {
          setRejecting(null);
          refetch();
        }}
      />
    </section>
  );
}
