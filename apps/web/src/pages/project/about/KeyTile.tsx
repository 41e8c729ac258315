import { QUOTA_PERIOD_WORDS, RATE_WAIT_MAX_MS } from "@keyflow/schemas";
import { A, useLocation } from "@solidjs/router";
import { createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { Icon } from "../../../components/Icon";
import { formatCount, formatDecimal, formatWhen } from "../../../lib/format";
import { signInPath } from "../../../lib/paths";
import { me } from "../../../lib/session";
import { trpc } from "../../../lib/trpc";
import { ConfirmedKey } from "./ConfirmedKey";
import { RequestKeyDialog } from "./RequestKeyDialog";
import type { KeyTileInfo } from "./types";

/** What the caller just did on a tile, said on it until the next action (kept by KeyTiles). */
export type TileNote = "withdrawn" | "issued";

const NOTE_TEXT: Record<TileNote, string> = {
  withdrawn: "Your request was withdrawn and the project owner was told. You can request again at any time.",
  issued:
    "Your key was issued at once: this template approves requests automatically. The project owner was told.",
};

const STATE_LABEL: Record<KeyTileInfo["state"], string> = {
  available: "Available",
  waiting: "Awaiting approval",
  confirmed: "Confirmed",
  suspended: "Suspended",
  rejected: "Rejected",
  revoked: "Revoked",
  expired: "Expired",
};

const STATE_BADGE: Record<KeyTileInfo["state"], string> = {
  available: "badge",
  waiting: "badge badge-amber",
  confirmed: "badge badge-green",
  suspended: "badge badge-amber",
  rejected: "badge badge-red",
  revoked: "badge badge-grey",
  expired: "badge badge-grey",
};

/** One template as the caller sees it: request, wait, or use the issued key. */
export function KeyTile(props: {
  tile: KeyTileInfo;
  projectName: string;
  note: TileNote | null;
  onNote: (note: TileNote | null) => void;
  onChanged: () => void;
}) {
  const t = () => props.tile;
  const location = useLocation();
  const [requesting, setRequesting] = createSignal(false);
  // a rejected tile offers REQUEST again once the cooldown is over, without a reload
  const [now, setNow] = createSignal(Date.now());
  const retryAt = () => (t().state === "rejected" && t().retryAt ? new Date(t().retryAt as Date) : null);
  const timer = setInterval(() => {
    if (retryAt()) setNow(Date.now());
  }, 30_000);
  onCleanup(() => clearInterval(timer));
  const coolingDown = () => {
    const at = retryAt();
    return at !== null && at.getTime() > now();
  };

  const requestButton = () => (
    <Show
      when={me()}
      fallback={
        <A class="btn btn-secondary btn-sm" href={signInPath(location.pathname)}>
          Sign in to request
        </A>
      }
    >
      <Button
        variant="primary"
        size="sm"
        class="btn-caps"
        onClick={() => {
          props.onNote(null);
          setRequesting(true);
        }}
      >
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
        <Show when={t().rateLimitPerMinute}>
          {(limit) => (
            <>
              <dt>Rate limit</dt>
              <dd>
                {formatCount(limit())} requests / minute;{" "}
                {t().rateLimitMode === "wait"
                  ? `a call over it waits up to ${RATE_WAIT_MAX_MS / 1000} s`
                  : "a call over it is refused (429)"}
              </dd>
            </>
          )}
        </Show>
        <Show when={t().quota}>
          {(quota) => (
            <>
              <dt>Quota</dt>
              <dd>
                {formatCount(quota().requests)} requests {QUOTA_PERIOD_WORDS[quota().period]}
              </dd>
            </>
          )}
        </Show>
        <Show when={t().approval === "auto"}>
          <dt>Approval</dt>
          <dd>automatic: the key is issued at once</dd>
        </Show>
      </dl>

      <Show when={props.note}>
        {(note) => (
          <div class="success-box small" role="status" aria-label="Key request update">
            {NOTE_TEXT[note()]}
          </div>
        )}
      </Show>
      <div class="key-tile-state">
        <Switch>
          <Match when={t().state === "available"}>{requestButton()}</Match>
          <Match when={t().state === "waiting"}>
            <p class="state-line">
              <span class="spinner-dot" aria-hidden="true" />
              Request sent {formatWhen(t().requestedAt)}, awaiting approval by the project owner.
            </p>
            <div class="row">
              <ConfirmButton
                label="Withdraw request"
                variant="ghost"
                size="sm"
                title="Withdraw your request?"
                message={
                  <p>
                    Your request for <strong>{t().name}</strong> is taken back and the project owner is told.
                    This cannot be undone: to get a key later, send a new request.
                  </p>
                }
                confirmLabel="Withdraw request"
                onConfirm={async () => {
                  const id = t().requestId;
                  if (id === undefined) return;
                  await trpc.apiKeys.withdraw.mutate({ requestId: id });
                  props.onNote("withdrawn");
                  props.onChanged();
                }}
              />
            </div>
          </Match>
          <Match when={t().state === "confirmed" && t().key}>
            {(key) => (
              <ConfirmedKey
                keyInfo={key()}
                templateName={t().name}
                projectName={props.projectName}
                rollable
                onChanged={props.onChanged}
              />
            )}
          </Match>
          <Match when={t().state === "suspended" && t().key}>
            {(key) => (
              <>
                <div class="warning-box key-suspended" role="status" aria-label="Key suspended">
                  <Icon name="warning" size={18} />
                  <div>
                    <p>
                      <strong>The project owner suspended your key</strong>
                      {t().suspendedAt ? ` ${formatWhen(t().suspendedAt)}` : ""}. Reason:{" "}
                      <q class="wrap-anywhere">{t().suspendReason}</q>
                    </p>
                    <p class="small">
                      Calls with it are refused until the owner resumes it. Its statistics, data layer and the
                      secrets you imported from it are kept; the same token works again afterwards.
                    </p>
                  </div>
                </div>
                <ConfirmedKey
                  keyInfo={key()}
                  templateName={t().name}
                  projectName={props.projectName}
                  onChanged={props.onChanged}
                />
              </>
            )}
          </Match>
          <Match when={t().state === "rejected"}>
            <p>
              Your request was rejected{t().decidedAt ? ` ${formatWhen(t().decidedAt)}` : ""}.
              <Show when={t().reason}>
                {" "}
                Reason: <q>{t().reason}</q>
              </Show>
            </p>
            <Show when={coolingDown()} fallback={requestButton()}>
              <p class="muted small retry-line">You can ask again {formatWhen(retryAt())}.</p>
            </Show>
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
        approval={t().approval}
        questions={t().requestQuestions}
        open={requesting()}
        onOpenChange={setRequesting}
        onRequested={(result) => {
          setRequesting(false);
          if (result.issued) props.onNote("issued");
          props.onChanged();
        }}
      />
    </section>
  );
}
