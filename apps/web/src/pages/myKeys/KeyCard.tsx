import { webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { For, Match, Show, Switch } from "solid-js";
import { Button } from "../../components/Button";
import { ConfirmButton } from "../../components/ConfirmButton";
import { ExpiresSoon } from "../../components/ExpiresSoon";
import { Icon } from "../../components/Icon";
import { When } from "../../components/When";
import { formatCount, formatDecimal, formatWhen } from "../../lib/format";
import { trpc } from "../../lib/trpc";
import { RevealToken } from "../project/about/RevealToken";
import type { MyKey } from "./types";

const STATE_LABEL: Record<MyKey["state"], string> = {
  active: "Active",
  suspended: "Suspended",
  revoked: "Revoked",
  expired: "Expired",
};

const STATE_BADGE: Record<MyKey["state"], string> = {
  active: "badge badge-green",
  suspended: "badge badge-amber",
  revoked: "badge badge-red",
  expired: "badge badge-grey",
};

/** The server's revoke reasons (core's revokeKeys callers), as a holder reads them. */
const REVOKED_BECAUSE: Record<string, string> = {
  "revoked by holder": "you revoked it",
  "revoked by owner": "the project's owner revoked it",
  "project deleted": "the project was deleted",
  "template deleted": "the project's owner deleted this kind of key",
  "holder removed from the project": "you were removed from the project",
};

/** A card's accessible name: "Forecast API key of Weather service". */
export const keyCardName = (k: Pick<MyKey, "templateName" | "projectName">) =>
  `${k.templateName} key of ${k.projectName}`;

/** One key the caller holds: what it is, its state, usage this month, imports and actions. */
export function KeyCard(props: { keyInfo: MyKey; now: Date; onRoll: () => void; onChanged: () => void }) {
  const k = () => props.keyInfo;
  const usable = () => k().state === "active" || k().state === "suspended";
  const about = () => webPaths.project(k().projectId);
  // the old token of a rolled key, while its grace lasts
  const graceUntil = () => {
    const until = k().previousTokenUntil;
    return until && new Date(until).getTime() > props.now.getTime() ? until : null;
  };
  const usage = () => k().usageThisMonth;
  return (
    <section class={`card my-key my-key-${k().state}`} aria-label={keyCardName(k())}>
      <header class="my-key-head">
        <div class="row nowrap my-key-name">
          <span class="tile-icon" aria-hidden="true">
            <Icon name="key" />
          </span>
          <div class="my-key-titles">
            <h3 class="wrap-anywhere">{k().templateName}</h3>
            <p class="small muted wrap-anywhere">
              from <A href={about()}>{k().projectName}</A>
            </p>
          </div>
        </div>
        <div class="row my-key-badges">
          <Show when={usable()}>
            <ExpiresSoon at={k().expiresAt} />
          </Show>
          <span class={STATE_BADGE[k().state]}>{STATE_LABEL[k().state]}</span>
        </div>
      </header>

      <Switch>
        <Match when={k().state === "suspended"}>
          <div class="warning-box" role="status" aria-label="Key suspended">
            <Icon name="warning" size={18} />
            <p>
              <strong>The project owner suspended this key</strong>
              {k().suspendedAt ? ` ${formatWhen(k().suspendedAt)}` : ""}. Reason:{" "}
              <q class="wrap-anywhere">{k().suspendReason}</q>. Calls with it are refused until they resume
              it.
            </p>
          </div>
        </Match>
        <Match when={k().state === "revoked"}>
          <p class="my-key-ended">
            Revoked {formatWhen(k().revokedAt)}
            {k().revokeReason ? `: ${REVOKED_BECAUSE[k().revokeReason!] ?? k().revokeReason}` : ""}. Its token
            no longer works; you can request a new key on the project's <A href={about()}>About page</A>.
          </p>
        </Match>
        <Match when={k().state === "expired"}>
          <p class="my-key-ended">
            Expired {formatWhen(k().expiresAt)}. Its token no longer works; you can request a new key on the
            project's <A href={about()}>About page</A>.
          </p>
        </Match>
      </Switch>
      <Show when={usable() && graceUntil()}>
        {(until) => (
          <div class="notice small" role="status" aria-label="Key rolled">
            Rolled {formatWhen(k().rolledAt)}. The old token still works until{" "}
            <strong>{formatWhen(until())}</strong>, then only the new one does.
          </div>
        )}
      </Show>

      <dl class="my-key-facts">
        <div>
          <dt>Token</dt>
          <dd class="mono">{k().tokenStart}…</dd>
        </div>
        <div>
          <dt>Issued</dt>
          <dd>
            <When at={k().createdAt} />
          </dd>
        </div>
        <Show
          when={k().state === "revoked"}
          fallback={
            <div>
              <dt>{k().state === "expired" ? "Expired" : "Expires"}</dt>
              <dd>{k().expiresAt ? <When at={k().expiresAt} /> : "never"}</dd>
            </div>
          }
        >
          <div>
            <dt>Revoked</dt>
            <dd>
              <When at={k().revokedAt} />
            </dd>
          </div>
        </Show>
        <div>
          <dt>Usage this month</dt>
          <dd>
            {formatCount(usage().requests)} {usage().requests === 1 ? "request" : "requests"} · cost{" "}
            <span class="mono">{formatDecimal(usage().cost)}</span>
          </dd>
        </div>
        <Show when={k().rolledAt && !graceUntil()}>
          <div>
            <dt>Last rolled</dt>
            <dd>
              <When at={k().rolledAt} />
            </dd>
          </div>
        </Show>
      </dl>

      <div class="my-key-imports">
        <h4 class="section-label">Imported into</h4>
        <Show
          when={k().imports.length > 0}
          fallback={
            <p class="small muted">
              {usable()
                ? "No project yet. To call this API from your own nodes, open one of your projects and choose Secrets → Add API key."
                : "No project."}
            </p>
          }
        >
          <ul class="my-key-import-list">
            <For each={k().imports}>
              {(i) => (
                <li>
                  <A
                    href={
                      i.canManage
                        ? `${webPaths.project(i.projectId, "secrets")}#key-${k().id}-${i.prefix}`
                        : webPaths.project(i.projectId)
                    }
                    class="wrap-anywhere"
                  >
                    {i.projectName}
                  </A>{" "}
                  <code class="wrap-anywhere">{i.prefix}_*</code>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>

      <Show when={usable()}>
        <div class="my-key-actions">
          {/* a new RevealToken after a roll: never the old token left on screen */}
          <div class="my-key-reveal">
            <Show when={k().tokenStart} keyed>
              <RevealToken keyId={k().id} />
            </Show>
          </div>
          <div class="row nowrap my-key-buttons">
            <Show when={k().state === "active"}>
              <Button size="sm" aria-label={`Roll ${keyCardName(k())}`} onClick={() => props.onRoll()}>
                <Icon name="refresh" size={15} /> Roll…
              </Button>
            </Show>
            <ConfirmButton
              label="Revoke…"
              aria-label={`Revoke ${keyCardName(k())}`}
              size="sm"
              variant="ghost"
              title="Revoke this key?"
              message={
                <p>
                  Your key for <strong>{k().templateName}</strong> of <strong>{k().projectName}</strong> stops
                  working at once, also in every project you imported it into. This cannot be undone: you
                  would have to request a new key.
                </p>
              }
              confirmLabel="Revoke key"
              onConfirm={async () => {
                await trpc.apiKeys.revoke.mutate({ keyId: k().id });
                props.onChanged();
              }}
            />
          </div>
        </div>
      </Show>
    </section>
  );
}
