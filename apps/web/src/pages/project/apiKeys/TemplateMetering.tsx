import {
  MAX_QUOTA_REQUESTS,
  MAX_RATE_LIMIT_PER_MINUTE,
  QUOTA_PERIOD_WORDS,
  QUOTA_PERIODS,
  type QuotaPeriod,
  RATE_WAIT_MAX_MS,
  type RateLimitMode,
} from "@keyflow/schemas";
import { createUniqueId, For, Show } from "solid-js";
import { type Choice, ChoiceCards } from "../../../components/ChoiceCards";
import { TextField } from "../../../components/Field";

export type { QuotaPeriod, RateLimitMode };

const WAIT_S = RATE_WAIT_MAX_MS / 1000;

const MODE_CHOICES: Choice<RateLimitMode>[] = [
  {
    value: "reject",
    label: "Refuse (429)",
    hint: "The call is answered 429 with Retry-After; the caller waits and retries.",
  },
  {
    value: "wait",
    label: `Wait (hold up to ${WAIT_S} s)`,
    hint: `The call is held until it fits, at most ${WAIT_S} s, then served. Suits the RnDFlow Python client, which does not retry 429.`,
  },
];

/**
 * Metering of a template's keys (SPEC §13), part of its settings form: the rate limit, what
 * happens over it, and a quota of requests per period.
 */
export function TemplateMetering(props: {
  rateLimit: string;
  onRateLimit: (v: string) => void;
  mode: RateLimitMode;
  onMode: (v: RateLimitMode) => void;
  quotaRequests: string;
  onQuotaRequests: (v: string) => void;
  quotaPeriod: QuotaPeriod;
  onQuotaPeriod: (v: QuotaPeriod) => void;
}) {
  const quotaId = createUniqueId();
  const noLimit = () => props.rateLimit.trim() === "";
  return (
    <div class="subsection stack template-metering">
      <h4 class="section-label">Rate limit and quota</h4>
      <div class="metering-grid">
        <TextField
          label="Rate limit per minute"
          type="number"
          min="1"
          max={MAX_RATE_LIMIT_PER_MINUTE}
          step="1"
          placeholder="none"
          value={props.rateLimit}
          onInput={props.onRateLimit}
          hint="Per key, across all API processes. Empty: no limit."
        />
        <ChoiceCards
          legend="When over the limit"
          class="mode-choice"
          choices={MODE_CHOICES}
          value={props.mode}
          onChange={props.onMode}
        >
          <Show when={noLimit()}>
            <p class="field-hint mode-note">Applies once you set a rate limit.</p>
          </Show>
        </ChoiceCards>
        <div class="field quota-field">
          <label for={quotaId}>Quota</label>
          <div class="quota-input">
            <input
              id={quotaId}
              class="input"
              type="number"
              min="1"
              max={MAX_QUOTA_REQUESTS}
              step="1"
              placeholder="none"
              value={props.quotaRequests}
              onInput={(e) => props.onQuotaRequests(e.currentTarget.value)}
            />
            <span class="muted small">requests</span>
            <select
              class="input"
              aria-label="Quota period"
              value={props.quotaPeriod}
              onChange={(e) => props.onQuotaPeriod(e.currentTarget.value as QuotaPeriod)}
            >
              <For each={QUOTA_PERIODS}>
                {(p) => (
                  <option value={p} selected={p === props.quotaPeriod}>
                    {QUOTA_PERIOD_WORDS[p]}
                  </option>
                )}
              </For>
            </select>
          </div>
          <p class="field-hint">
            Only answers below 400 count. The key gets exactly this many, across all API processes; periods
            are UTC days or months. You can top a key up under Usage statistics. Empty: no quota.
          </p>
        </div>
      </div>
    </div>
  );
}
