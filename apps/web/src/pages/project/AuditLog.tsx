import { AUDIT_ACTIONS, type AuditAction } from "@keyflow/schemas";
import { useSearchParams } from "@solidjs/router";
import { createMemo, createResource, createUniqueId, For, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { errorMessage, trpc } from "../../lib/trpc";
import { AuditEntry } from "./audit/AuditEntry";
import { ACTION_GROUPS, ACTION_LABELS, type AuditNames, GROUP_LABELS } from "./audit/sentences";
import { useProject } from "./context";

const isAction = (v: string | undefined): v is AuditAction => AUDIT_ACTIONS.includes(v as AuditAction);
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The project's audit log for its owners: each entry a sentence with links to what it names, a
 * filter by action and by person (kept in the address, so a filtered view can be shared), pages of 50.
 */
export default function AuditLog() {
  const { projectId } = useProject();
  const [params, setParams] = useSearchParams();
  const action = () => {
    const a = one(params.action);
    return isAction(a) ? a : undefined;
  };
  const actorId = () => {
    const n = Number(one(params.person));
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const page = () => {
    const n = Number(one(params.page));
    return Number.isInteger(n) && n > 1 ? n : 1;
  };
  const [log, { refetch }] = createResource(
    () => ({ projectId: projectId(), page: page(), action: action(), actorId: actorId() }),
    (input) => trpc.audit.list.query(input),
  );
  const names = createMemo<AuditNames>(() => {
    const n = log.latest?.names;
    return {
      users: new Map((n?.users ?? []).map((u) => [u.id, u])),
      nodes: new Map((n?.nodes ?? []).map((x) => [x.id, x])),
      keys: new Map((n?.keys ?? []).map((k) => [k.id, k])),
      requests: new Map((n?.requests ?? []).map((r) => [r.id, r])),
    };
  });
  const filtered = () => action() !== undefined || actorId() !== undefined;
  const actionId = createUniqueId();
  const personId = createUniqueId();
  return (
    <div class="page audit-page">
      <PageHeader
        title="Audit log"
        subtitle="Who changed roles, members, keys, secrets and the graph, newest first."
        actions={
          <Button size="sm" onClick={() => refetch()} pending={log.loading}>
            Refresh
          </Button>
        }
      />
      <fieldset class="audit-filters">
        <legend class="sr-only">Filter the log</legend>
        <div class="field">
          <label for={actionId}>Action</label>
          <select
            id={actionId}
            class="input"
            value={action() ?? ""}
            onChange={(e) => setParams({ action: e.currentTarget.value || undefined, page: undefined })}
          >
            <option value="">All actions</option>
            <For each={ACTION_GROUPS}>
              {([group, actions]) => (
                <optgroup label={GROUP_LABELS[group]}>
                  <For each={actions}>
                    {(a) => (
                      <option value={a} selected={a === action()}>
                        {ACTION_LABELS[a]}
                      </option>
                    )}
                  </For>
                </optgroup>
              )}
            </For>
          </select>
        </div>
        <div class="field">
          <label for={personId}>Person</label>
          <select
            id={personId}
            class="input"
            value={actorId() === undefined ? "" : String(actorId())}
            onChange={(e) => setParams({ person: e.currentTarget.value || undefined, page: undefined })}
          >
            <option value="">Everyone</option>
            <For each={log.latest?.actors ?? []}>
              {(a) => (
                <option value={String(a.id)} selected={a.id === actorId()}>
                  {a.name} ({a.email})
                </option>
              )}
            </For>
          </select>
        </div>
        <Show when={filtered()}>
          <Button
            size="sm"
            variant="ghost"
            class="audit-clear"
            onClick={() => setParams({ action: undefined, person: undefined, page: undefined })}
          >
            Show everything
          </Button>
        </Show>
      </fieldset>
      <Show when={!log.error} fallback={<ErrorBox error={errorMessage(log.error)} />}>
        <Show when={log.latest} fallback={<Loading />}>
          {(data) => (
            <div class="card flush">
              <ul class="audit-list" aria-label="Audit entries" aria-busy={log.loading ? "true" : undefined}>
                <For
                  each={data().items}
                  fallback={
                    <li class="muted center audit-empty">
                      {filtered() ? "Nothing matches this filter." : "Nothing recorded yet."}
                    </li>
                  }
                >
                  {(item) => <AuditEntry item={item} names={names()} projectId={projectId()} />}
                </For>
              </ul>
              <Show when={data().page > 1 || data().hasMore}>
                <div class="pager">
                  <Button
                    size="sm"
                    disabled={page() <= 1 || log.loading}
                    onClick={() => setParams({ page: page() > 2 ? String(page() - 1) : undefined })}
                  >
                    ← Newer
                  </Button>
                  <span class="muted small">Page {data().page}</span>
                  <Button
                    size="sm"
                    disabled={!data().hasMore || log.loading}
                    onClick={() => setParams({ page: String(page() + 1) })}
                  >
                    Older →
                  </Button>
                </div>
              </Show>
            </div>
          )}
        </Show>
      </Show>
    </div>
  );
}
