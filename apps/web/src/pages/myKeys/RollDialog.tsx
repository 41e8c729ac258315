import { DEFAULT_HOLDER_ROLL_GRACE_MINUTES, MAX_ROLL_GRACE_MINUTES } from "@keyflow/schemas";
import { batch, createEffect, createSignal, on, Show } from "solid-js";
import { Button } from "../../components/Button";
import { CopyStatus } from "../../components/CopyStatus";
import { Dialog, FormDialog } from "../../components/Dialog";
import { ErrorBox } from "../../components/ErrorBox";
import { TextField } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { createAction } from "../../lib/action";
import { createCopy } from "../../lib/clipboard";
import { formatCount, formatDuration, formatWhen } from "../../lib/format";
import { trpc } from "../../lib/trpc";
import type { MyKey } from "./types";

interface RollResult {
  oldTokenUntil: Date | null;
  token?: string;
}

/** "60" → 60; anything but a whole number in 0 … MAX_ROLL_GRACE_MINUTES → null. */
function parseGrace(s: string): number | null {
  if (!/^\d+$/.test(s.trim())) return null;
  const n = Number(s);
  return n <= MAX_ROLL_GRACE_MINUTES ? n : null;
}

/**
 * Rolling a key (SPEC §12): first what a roll does and how long the old token keeps working (the
 * grace, default 60 minutes), then the new token, once, with copy. `onRolled` runs as soon as the
 * roll is done, so the page shows the new state behind the dialog.
 */
export function RollDialog(props: {
  // also opened from the key's tile on its project's About page (which knows no more of the key)
  keyInfo: Pick<MyKey, "id" | "templateName" | "projectName"> | null;
  onClose: () => void;
  onRolled: () => void;
}) {
  const [grace, setGrace] = createSignal(String(DEFAULT_HOLDER_ROLL_GRACE_MINUTES));
  const [result, setResult] = createSignal<RollResult | null>(null);
  const clip = createCopy(() => result()?.token ?? "");
  const minutes = () => parseGrace(grace());
  const roll = createAction(async () => {
    const k = props.keyInfo;
    const graceMinutes = minutes();
    if (!k || graceMinutes === null) return;
    const r = await trpc.apiKeys.roll.mutate({ keyId: k.id, graceMinutes });
    setResult(r);
    props.onRolled();
  });
  // each key opened starts afresh
  createEffect(
    on(
      () => props.keyInfo?.id,
      () => {
        setGrace(String(DEFAULT_HOLDER_ROLL_GRACE_MINUTES));
        setResult(null);
        roll.clearError();
      },
    ),
  );
  // both at once, so the first step never flashes open again on the way out
  const close = () =>
    batch(() => {
      props.onClose();
      setResult(null);
    });
  const name = () => props.keyInfo?.templateName ?? "";
  const graceText = () => {
    const m = minutes();
    if (m === null)
      return `Enter a whole number of minutes from 0 to ${formatCount(MAX_ROLL_GRACE_MINUTES)} (7 days).`;
    if (m === 0) return "The old token stops working at once: choose this if it leaked.";
    return `The old token keeps working for ${formatDuration(m * 60_000)}, until ${formatWhen(new Date(Date.now() + m * 60_000))}.`;
  };
  return (
    <>
      <FormDialog
        open={props.keyInfo !== null && result() === null}
        onOpenChange={(open) => !open && close()}
        title="Roll key"
        submitLabel="Roll key"
        pending={roll.pending()}
        submitDisabled={minutes() === null}
        onSubmit={() => roll.run()}
      >
        <div class="stack">
          <p>
            Rolling gives your key for <strong>{name()}</strong> of{" "}
            <strong>{props.keyInfo?.projectName}</strong> a new token. The key itself stays: its approval,
            data layer and statistics. Secrets you imported from it get the new token at once.
          </p>
          <p>
            The old token keeps working for a grace period, so you have time to update the programs that use
            it. Choose 0 if the token leaked.
          </p>
          <TextField
            label="Old token keeps working for (minutes)"
            type="number"
            inputmode="numeric"
            min="0"
            max={String(MAX_ROLL_GRACE_MINUTES)}
            step="1"
            name="grace-minutes"
            value={grace()}
            onInput={setGrace}
            hint={`0 to ${formatCount(MAX_ROLL_GRACE_MINUTES)} minutes (7 days); ${DEFAULT_HOLDER_ROLL_GRACE_MINUTES} by default.`}
          />
          <p class={minutes() === null ? "small text-danger" : "small muted"} role="status">
            {graceText()}
          </p>
          <ErrorBox error={roll.error()} />
        </div>
      </FormDialog>
      <Dialog
        open={result() !== null}
        onOpenChange={(open) => !open && close()}
        title="Key rolled"
        footer={
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        }
      >
        <Show when={result()}>
          {(r) => (
            <div class="stack">
              <p>
                <Show
                  when={r().oldTokenUntil}
                  fallback={
                    <>
                      The old token of <strong>{name()}</strong> no longer works.
                    </>
                  }
                >
                  {(until) => (
                    <>
                      The old token of <strong>{name()}</strong> works until {formatWhen(until())}, then only
                      the new one does.
                    </>
                  )}
                </Show>{" "}
                Your imported secrets already hold the new token.
              </p>
              <Show
                when={r().token}
                fallback={<p class="muted">Reveal the new token on the key's card when you need it.</p>}
              >
                {(token) => (
                  <>
                    <p class="strong">Your new token</p>
                    <code class="token-box" data-testid="new-token">
                      {token()}
                    </code>
                    <div class="row">
                      <Button size="sm" autofocus onClick={clip.copy}>
                        <Icon name="copy" size={15} /> Copy to clipboard
                      </Button>
                      <CopyStatus state={clip.copied()} what="token" />
                    </div>
                    <p class="muted small">
                      Keep it secret: it acts as you on this project's API. You can reveal it again on the
                      key's card.
                    </p>
                  </>
                )}
              </Show>
            </div>
          )}
        </Show>
      </Dialog>
    </>
  );
}
