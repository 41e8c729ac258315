import { MAX_PERIOD_DAYS } from "@keyflow/schemas";
import { For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { type PeriodKind, TIME_ZONE } from "./period";

const CHOICES: { value: PeriodKind; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "custom", label: "Custom range" },
];

/** Period selector (today / 7 / 30 days / custom days), the time zone it uses, and Refresh. */
export function PeriodToolbar(props: {
  kind: PeriodKind;
  onKind: (k: PeriodKind) => void;
  custom: { from: string; to: string };
  onCustom: (c: { from: string; to: string }) => void;
  invalid: boolean;
  refreshing: boolean;
  onRefresh: () => void;
}) {
  return (
    <div class="card toolbar">
      <fieldset class="segmented">
        <legend class="sr-only">Period</legend>
        <For each={CHOICES}>
          {(c) => (
            <button
              type="button"
              class={props.kind === c.value ? "active" : ""}
              aria-pressed={props.kind === c.value}
              onClick={() => props.onKind(c.value)}
            >
              {c.label}
            </button>
          )}
        </For>
      </fieldset>
      <Show when={props.kind === "custom"}>
        <label class="inline-field">
          From
          <input
            class="input"
            type="date"
            value={props.custom.from}
            max={props.custom.to || undefined}
            onInput={(e) => props.onCustom({ ...props.custom, from: e.currentTarget.value })}
          />
        </label>
        <label class="inline-field">
          To
          <input
            class="input"
            type="date"
            value={props.custom.to}
            min={props.custom.from || undefined}
            onInput={(e) => props.onCustom({ ...props.custom, to: e.currentTarget.value })}
          />
        </label>
      </Show>
      <span class="muted small" title="Days and hours are counted in this time zone">
        Time zone: <strong>{TIME_ZONE}</strong>
      </span>
      <Show when={props.invalid}>
        <span class="small text-danger">
          Choose a start day on or before the end day (at most {MAX_PERIOD_DAYS} days).
        </span>
      </Show>
      <span class="spacer" />
      <Button size="sm" pending={props.refreshing} onClick={() => props.onRefresh()}>
        Refresh
      </Button>
    </div>
  );
}
