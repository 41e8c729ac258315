import { A, useLocation } from "@solidjs/router";
import { createSignal, Match, Show, Switch } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { formatDate, formatDateTime, formatDecimal } from "../../../lib/format";
import { signInPath } from "../../../lib/paths";
import { me } from "../../../lib/session";
import { trpc } from "../../../lib/trpc";
import { ConfirmedKey } from "./ConfirmedKey";
import { RequestKeyDialog } from "./RequestKeyDialog";
import type { KeyTileInfo } from "./types";

const STATE_LABEL: Record<KeyTileInfo["state"], string> = {
  available: "Available",
  waiting: "Awaiting approval",
  confirmed: "Confirmed",
  rejected: "Rejected",
  revoked: "Revoked",
  expired: "Expired",
};

const STATE_BADGE: Record<KeyTileInfo["state"], string> = {
  available: "badge",
  waiting: "badge badge-amber",
  confirmed: "badge badge-green",
  rejected: "badge badge-red",
  revoked: "badge badge-grey",
  expired: "badge badge-grey",
};

/** One template as the caller sees it: request, wait, or use the issued key. */
export function KeyTile(props: { tile: KeyTileInfo; onChanged: () => void }) {
  const t = () => props.tile;
  const location = useLocation();
  const [requesting, setRequesting] = createSignal(false);
  const withdraw = createAction(async (requestId: number) => {
    await trpc.apiKeys.withdraw.mutate({ requestId });
    props.onChanged();
  });

  const requestButton = () => (
    <Show
      when={me()}
      fallback={
        <A class="btn btn-secondary btn-sm" href={signInPath(location.pathname)}>
          Sign in to request
        </A>
      }
    >
      <Button variant="primary" size="sm" class="btn-caps" onClick={() => setRequesting(true)}>
        Request
      </Button>
    </Show>
  );

  return (
    <section class={`card key-tile key-tile-${t().state}`} aria-label={`API key ${t().name}`}>
      <header class="row between nowrap">
        <div class="row nowrap">
          <span class="tile-icon" aria-hidden="true">
            <Icon name="key" />
          </span>
          <h3>{t().name}</h3>
        </div>
        <span class={STATE_BADGE[t().state]}>{STATE_LABEL[t().state]}</span>
      </header>
      <Show when={t().description}>
        <p class="prewrap">{t().description}</p>
      </Show>
      <dl class="kv small">
        <dt>Role</dt>
        <dd>{t().roleName || "—"}</dd>
        <dt>Price per request</dt>
        <dd class="mono">{formatDecimal(t().pricePerRequest)}</dd>
        <Show when={t().rateLimitPerMinute !== null}>
          <dt>Rate limit</dt>
          <dd>{t().rateLimitPerMinute} requests / minute</dd>
        </Show>
      </dl>

      <div class="key-tile-state">
        <Switch>
          <Match when={t().state === "available"}>{requestButton()}</Match>
          <Match when={t().state === "waiting"}>
            <p class="state-line">
              <span class="spinner-dot" aria-hidden="true" />
              Request sent {formatDateTime(t().requestedAt)}, awaiting approval by the project owner.
            </p>
            <div class="row">
              <Button
                size="sm"
                variant="ghost"
                pending={withdraw.pending()}
                onClick={() => t().requestId !== undefined && withdraw.run(t().requestId as number)}
              >
                Withdraw request
              </Button>
            </div>
            <ErrorBox error={withdraw.error()} />
          </Match>
          <Match when={t().state === "confirmed" && t().key}>
            {(key) => <ConfirmedKey keyInfo={key()} templateName={t().name} onChanged={props.onChanged} />}
          </Match>
          <Match when={t().state === "rejected"}>
            <p class="state-line">
              Your request was rejected{t().decidedAt ? ` on ${formatDate(t().decidedAt)}` : ""}.
              <Show when={t().reason}>
                {" "}
                Reason: <q>{t().reason}</q>
              </Show>
            </p>
            {requestButton()}
          </Match>
          <Match when={t().state === "revoked"}>
            <p class="state-line">Your key was revoked. You may request a new one.</p>
            {requestButton()}
          </Match>
          <Match when={t().state === "expired"}>
            <p class="state-line">Your key expired. You may request a new one.</p>
            {requestButton()}
          </Match>
        </Switch>
      </div>
      <RequestKeyDialog
        templateId={t().templateId}
        templateName={t().name}
        open={requesting()}
        onOpenChange={setRequesting}
        onRequested={() => {
          setRequesting(false);
          props.onChanged();
        }}
      />
    </section>
  );
}
