import { For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { Icon } from "../../../components/Icon";
import { formatCount, formatDecimal, formatWhen } from "../../../lib/format";
import { type RouterOutputs, trpc } from "../../../lib/trpc";

export type IssuedRow = RouterOutputs["apiKeys"]["issued"]["rows"][number];

const STATE_BADGE: Record<IssuedRow["state"], string> = {
  active: "badge badge-green",
  revoked: "badge badge-red",
  expired: "badge badge-grey",
};

/** One row per issued key with its usage in the period; a row click selects it for the chart. */
export function IssuedTable(props: {
  rows: IssuedRow[];
  total: number;
  page: number;
  pageSize: number;
  loading: boolean;
  selectedId: number | null;
  onSelect: (row: IssuedRow) => void;
  onPage: (page: number) => void;
  onRevoked: (row: IssuedRow) => void;
}) {
  const pages = () => Math.max(1, Math.ceil(props.total / props.pageSize));
  return (
    <div class="card flush issued-card">
      <div class="table-scroll">
        <table class="table stackable issued-table">
          <thead>
            <tr>
              <th>Key</th>
              <th>User</th>
              <th>Received</th>
              <th class="right">Requests</th>
              <th class="right">Total cost</th>
              <th>Last used</th>
              <th>State</th>
              <th>
                <span class="sr-only">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For
              each={props.rows}
              fallback={
                <tr class="empty-row">
                  <td colspan="8" class="muted center">
                    No keys issued yet. Keys appear here once you approve a request under API keys.
                  </td>
                </tr>
              }
            >
              {(r) => (
                <tr
                  class={`selectable ${props.selectedId === r.keyId ? "selected" : ""}`}
                  aria-selected={props.selectedId === r.keyId}
                  tabindex="0"
                  onClick={() => props.onSelect(r)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" || e.key === " ") {
                      e.preventDefault();
                      props.onSelect(r);
                    }
                  }}
                >
                  <td data-label="Key">
                    <div class="strong wrap-anywhere">{r.templateName}</div>
                    <div class="mono small muted">{r.tokenStart}…</div>
                  </td>
                  <td data-label="User">
                    <div class="wrap-anywhere">{r.user.name}</div>
                    <div class="small muted wrap-anywhere">{r.user.email}</div>
                  </td>
                  <td data-label="Received">{formatWhen(r.receivedAt)}</td>
                  <td class="right num" data-label="Requests">
                    {formatCount(r.requests)}
                    <Show when={r.errors > 0}>
                      <div class="small text-danger">{formatCount(r.errors)} errors</div>
                    </Show>
                  </td>
                  <td class="right num" data-label="Total cost">
                    {formatDecimal(r.cost)}
                  </td>
                  <td data-label="Last used">
                    {r.lastUsedAt ? formatWhen(r.lastUsedAt) : <span class="muted">never</span>}
                  </td>
                  <td data-label="State">
                    <span class={STATE_BADGE[r.state]}>{r.state}</span>
                  </td>
                  <td
                    class="right revoke-cell"
                    onClick={(e) => e.stopPropagation()}
                    onKeyDown={(e) => e.stopPropagation()}
                  >
                    <Show when={r.state === "active"}>
                      <ConfirmButton
                        label={<Icon name="trash" size={16} />}
                        aria-label={`Revoke key of ${r.user.name} for ${r.templateName}`}
                        size="sm"
                        variant="ghost"
                        title="Revoke this key?"
                        message={
                          <p>
                            The key of <strong>{r.user.name}</strong> ({r.user.email}) for{" "}
                            <strong>{r.templateName}</strong> stops working at once; they are e-mailed. This
                            cannot be undone (they can request a new key). Its statistics stay in this table.
                          </p>
                        }
                        confirmLabel="Revoke key"
                        onConfirm={async () => {
                          await trpc.apiKeys.revoke.mutate({ keyId: r.keyId });
                          props.onRevoked(r);
                        }}
                      />
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={props.total > props.pageSize}>
        <div class="pager">
          <Button
            size="sm"
            disabled={props.page <= 1 || props.loading}
            onClick={() => props.onPage(props.page - 1)}
          >
            ← Previous
          </Button>
          <span class="muted small">
            Page {props.page} of {pages()} · {props.total} keys
          </span>
          <Button
            size="sm"
            disabled={props.page >= pages() || props.loading}
            onClick={() => props.onPage(props.page + 1)}
          >
            Next →
          </Button>
        </div>
      </Show>
    </div>
  );
}
