import { Tabs as K } from "@kobalte/core/tabs";
import { For, type JSX } from "solid-js";

export interface TabDef {
  value: string;
  label: string;
  content: () => JSX.Element;
}

/** Accessible tabs (Kobalte): arrow keys move between tabs, panels are lazily rendered. */
export function Tabs(props: { tabs: TabDef[]; value: string; onChange: (v: string) => void; label: string }) {
  return (
    <K value={props.value} onChange={props.onChange} class="tabs">
      <K.List class="tabs-list" aria-label={props.label}>
        <For each={props.tabs}>
          {(t) => (
            <K.Trigger class="tabs-trigger" value={t.value}>
              {t.label}
            </K.Trigger>
          )}
        </For>
        <K.Indicator class="tabs-indicator" />
      </K.List>
      <For each={props.tabs}>
        {(t) => (
          <K.Content class="tabs-content" value={t.value}>
            {t.content()}
          </K.Content>
        )}
      </For>
    </K>
  );
}
