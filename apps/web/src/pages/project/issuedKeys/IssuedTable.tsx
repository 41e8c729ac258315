import { QUOTA_PERIOD_WORDS } from "@keyflow/schemas";
import { createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorBox } from "../../../components/ErrorBox";
import { ExpiresSoon } from "../../../components/ExpiresSoon";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { formatCount, formatDecimal, formatWhen } from "../../../lib/format";
import { type RouterOutputs, trpc } from "../../../lib/trpc";
import { SuspendDialog } from "./SuspendDialog";
import { type Grant, TopUpDialog } from "./TopUpDialog";

export type IssuedRow = RouterOutputs["apiKeys"]["issued"]["rows"][number];

const STATE_BADGE: Record<IssuedRow["state"], string> = {
  active: "badge badge-green",
  suspended: "badge badge-amber",
  revoked: "badge badge-red",
  expired: "badge badge-grey",
};

/** What the owner just did to a key, said above the table. */
export type KeyChange = "revoked" | "suspended" | "resumed" | "rolled" | "topped up";

const addresses = (n: number) => `${formatCount(n)} ${n === 1 ? "address" : "addresses"}`;

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
  onChanged: (row: IssuedRow, change: KeyChange) => void;
  onToppedUp: (row: IssuedRow, requests: number, grant: Grant) => void;
}) {
  const pages = () => Math.max(1, Math.ceil(props.total / props.pageSize));
  const [suspending, setSuspending] = createSignal<IssuedRow | null>(null);
  const [toppingUp, setToppingUp] = createSignal<IssuedRow | null>(null);
  const resume = createAction(async (r: IssuedRow) => {
    await trpc.apiKeys.resume.mutate({ keyId: r.keyId });
    props.onChanged(r, "resumed");
  });
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
              <th title="The last call's address in the period and how many addresses called (behind a proxy: the proxy's)">
                Calls from
              </th>
              <th>State</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <For
              each={props.rows}
              fallback={
                <tr class="empty-row">
                  <td colspan="9" class="muted center">
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
                    <Show when={r.quota}>
                      {(q) => (
                        <div class="small muted">
                          quota {formatCount(q().requests)} {QUOTA_PERIOD_WORDS[q().period]}
                        </div>
                      )}
                    </Show>
                  </td>
                  <td data-label="User">
                    <div class="wrap-anywhere">{r.user.name}</div>
                    <div class="small muted wrap-anywhere">{r.user.email}</div>
                  </td>
                  <td data-label="Received">{formatWhen(r.receivedAt)}</td>
                  <td class="right num" data-label="Requests">
                    {formatCount(r.requests)}
                    <Show when={r.errors > 0}>
                      <div class="small text-danger">
                        {formatCount(r.errors)} {r.errors === 1 ? "error" : "errors"}
                      </div>
                    </Show>
                  </td>
                  <td class="right num" data-label="Total cost">
                    {formatDecimal(r.cost)}
                  </td>
                  <td data-label="Last used">
                    {r.lastUsedAt ? formatWhen(r.lastUsedAt) : <span class="muted">never</span>}
                  </td>
                  <td data-label="Calls from">
                    <Show when={r.lastIp} fallback={<span class="muted">no calls</span>}>
                      <div class="mono small ip" title="The address of the last call">
                        {r.lastIp}
                      </div>
                      <Show
                        when={r.distinctIps > 1}
                        fallback={
                          <div class="small muted">
                            {r.distinctIps === 0 ? "no calls in the period" : addresses(r.distinctIps)}
                          </div>
                        }
                      >
                        <div
                          class="ip-spread"
                          title={`Called from ${addresses(r.distinctIps)} in this period: a key used from many places may be shared`}
                        >
                          <span class="badge badge-amber">{addresses(r.distinctIps)}</span>
                          <span class="small muted">may be shared</span>
                        </div>
                      </Show>
                    </Show>
                  </td>
                  <td data-label="State">
                    <span class={STATE_BADGE[r.state]}>{r.state}</span>
                    <Show when={r.suspendReason}>
                      <div class="small muted wrap-anywhere suspend-reason">{r.suspendReason}</div>
                    </Show>
                    <Show when={r.state === "active" || r.state === "suspended"}>
                      <div>
                        <ExpiresSoon at={r.expiresAt} />
                      </div>
                    </Show>
                  </td>
                  <td
                    class="right revoke-cell"
                    onClick={(e) => e.stopPropagation()}
                    onKeyDown={(e) => e.stopPropagation()}
                  >
                    <div class="key-actions">
                      <Show when={r.quota && (r.state === "active" || r.state === "suspended")}>
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Top up the quota of ${r.user.name} for ${r.templateName}`}
                          onClick={() => setToppingUp(r)}
                        >
                          Top up…
                        </Button>
                      </Show>
                      <Show when={r.state === "active"}>
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Suspend key of ${r.user.name} for ${r.templateName}`}
                          onClick={() => setSuspending(r)}
                        >
                          Suspend…
                        </Button>
                        <ConfirmButton
                          label="Roll…"
                          aria-label={`Roll key of ${r.user.name} for ${r.templateName}`}
                          size="sm"
                          variant="ghost"
                          title="Roll this key?"
                          message={
                            <div class="stack">
                              <p>
                                The key of <strong>{r.user.name}</strong> ({r.user.email}) for{" "}
                                <strong>{r.templateName}</strong> gets a new token. Use this when the token
                                leaked.
                              </p>
                              <ul class="small">
                                <li>The old token is refused at once, on every server.</li>
                                <li>
                                  Secrets they imported from this key get the new token, so their nodes keep
                                  working.
                                </li>
                                <li>They are e-mailed and can reveal the new token; you never see it.</li>
                                <li>The key itself stays: its approval, data layer and statistics.</li>
                              </ul>
                            </div>
                          }
                          confirmLabel="Roll key"
                          onConfirm={async () => {
                            await trpc.apiKeys.roll.mutate({ keyId: r.keyId, graceMinutes: 0 });
                            props.onChanged(r, "rolled");
                          }}
                        />
                      </Show>
                      <Show when={r.state === "suspended"}>
                        <Button
                          size="sm"
                          aria-label={`Resume key of ${r.user.name} for ${r.templateName}`}
                          disabled={resume.pending()}
                          onClick={() => resume.run(r)}
                        >
                          Resume
                        </Button>
                      </Show>
                      <Show when={r.state === "active" || r.state === "suspended"}>
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
                              cannot be undone (they can request a new key). Its statistics stay in this
                              table.
                            </p>
                          }
                          confirmLabel="Revoke key"
                          onConfirm={async () => {
                            await trpc.apiKeys.revoke.mutate({ keyId: r.keyId });
                            props.onChanged(r, "revoked");
                          }}
                        />
                      </Show>
                    </div>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={resume.error()}>
        {(e) => (
          <div class="pager">
            <ErrorBox error={e()} />
          </div>
        )}
      </Show>
      <SuspendDialog
        row={suspending()}
        onClose={() => setSuspending(null)}
        onSuspended={(r) => {
          setSuspending(null);
          props.onChanged(r, "suspended");
        }}
      />
      <TopUpDialog
        row={toppingUp()}
        onClose={() => setToppingUp(null)}
        onGranted={(r, requests, grant) => {
          setToppingUp(null);
          props.onToppedUp(r, requests, grant);
        }}
      />
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
