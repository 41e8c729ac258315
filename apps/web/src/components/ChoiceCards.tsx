import { createUniqueId, For, type JSX } from "solid-js";

export interface Choice<T extends string> {
  value: T;
  label: string;
  hint: string;
}

/** A radio group drawn as cards, each with a label and a one-line explanation. */
export function ChoiceCards<T extends string>(props: {
  legend: string;
  choices: Choice<T>[];
  value: T;
  onChange: (value: T) => void;
  class?: string;
  /** shown under the cards (e.g. when the choice does not apply yet) */
  children?: JSX.Element;
}) {
  const group = createUniqueId();
  return (
    <fieldset class={`approval-choice ${props.class ?? ""}`}>
      <legend class="field-label">{props.legend}</legend>
      <For each={props.choices}>
        {(c) => (
          <label class={`approval-option ${props.value === c.value ? "selected" : ""}`}>
            <input
              type="radio"
              name={group}
              value={c.value}
              checked={props.value === c.value}
              onChange={() => props.onChange(c.value)}
            />
            <span>
              <span class="strong">{c.label}</span>
              <span class="field-hint approval-hint">{c.hint}</span>
            </span>
          </label>
        )}
      </For>
      {props.children}
    </fieldset>
  );
}
