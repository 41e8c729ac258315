import { createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { formatDateTime } from "../../lib/format";
import { errorMessage, trpc } from "../../lib/trpc";
import { useProject } from "./context";

function details(d: unknown): string {
  if (!d || typeof d !== "object") return "";
  const entries = Object.entries(d as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && v !== null,
  );
  if (entries.length === 0) return "";
  return JSON.stringify(Object.fromEntries(entries));
}

export default function AuditLog() {
  const { projectId } = useProject();
  const [page, setPage] = createSignal(1);
  const [log, { refetch }] = createResource(
    () => ({ projectId: projectId(), page: page() }),
    (input) => trpc.audit.list.query(input),
  );
  return (
    <div class="page">
      <PageHeader
        title="Audit log"
        subtitle="Every change to roles, members, keys and secrets, newest first."
        actions={
          <Button size="sm" onClick={() => refetch()} disabled={log.loading}>
            Refresh
          </Button>
        }
      />
      <Show when={!log.error} fallback={<ErrorBox error={errorMessage(log.error)} />}>
        <Show when={log.latest} fallback={<Loading />}>
          {(data) => (
            <div class="card flush">
              <table class="table">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Actor</th>
                    <th>Action</th>
                    <th>Target</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  <For
                    each={data().items}
                    fallback={
                      <tr>
                        <td colspan="5" class="muted center">
                          Nothing recorded yet.
                        </td>
                      </tr>
                    }
                  >
                    {(e) => (
                      <tr>
                        <td class="nowrap">{formatDateTime(e.createdAt)}</td>
                        <td>{e.actor ? e.actor.name : <span class="muted">system</span>}</td>
                        <td>
                          <code>{e.action}</code>
                        </td>
                        <td>{e.target}</td>
                        <td class="mono small wrap-anywhere">{details(e.details)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <div class="pager">
                <Button size="sm" disabled={page() <= 1 || log.loading} onClick={() => setPage(page() - 1)}>
                  ← Newer
                </Button>
                <span class="muted small">Page {data().page}</span>
                <Button
                  size="sm"
                  disabled={!data().hasMore || log.loading}
                  onClick={() => setPage(page() + 1)}
                >
                  Older →
                </Button>
              </div>
            </div>
          )}
        </Show>
      </Show>
    </div>
  );
}
