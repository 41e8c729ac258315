import { createUniqueId, type JSX, Show, splitProps } from "solid-js";

interface FieldShell {
  label: string;
  hint?: string;
}

function Shell(props: FieldShell & { id: string; children: JSX.Element }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      <Show when={props.hint}>
        <p class="field-hint">{props.hint}</p>
      </Show>
    </div>
  );
}

export function TextField(
  props: FieldShell &
    Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "onInput" | "value"> & {
      value: string;
      onInput: (v: string) => void;
    },
) {
  const [local, rest] = splitProps(props, ["label", "hint", "value", "onInput", "id"]);
  const id = local.id ?? createUniqueId();
  return (
    <Shell label={local.label} hint={local.hint} id={id}>
      <input
        class="input"
        {...rest}
        id={id}
        value={local.value}
        onInput={(e) => local.onInput(e.currentTarget.value)}
      />
    </Shell>
  );
}

export function TextAreaField(
  props: FieldShell &
    Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, "onInput" | "value"> & {
      value: string;
      onInput: (v: string) => void;
      mono?: boolean;
    },
) {
  const [local, rest] = splitProps(props, ["label", "hint", "value", "onInput", "id", "mono"]);
  const id = local.id ?? createUniqueId();
  return (
    <Shell label={local.label} hint={local.hint} id={id}>
      <textarea
        class={`input ${local.mono ? "mono" : ""}`}
        rows={4}
        {...rest}
        id={id}
        value={local.value}
        onInput={(e) => local.onInput(e.currentTarget.value)}
      />
    </Shell>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(
  props: FieldShell & {
    value: string;
    options: Option[];
    onChange: (v: string) => void;
    id?: string;
    disabled?: boolean;
    name?: string;
  },
) {
  const id = props.id ?? createUniqueId();
  return (
    <Shell label={props.label} hint={props.hint} id={id}>
      <select
        class="input"
        id={id}
        name={props.name}
        disabled={props.disabled}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export function CheckboxField(props: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
  hint?: string;
}) {
  return (
    <label class="checkbox">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <span>
        {props.label}
        <Show when={props.hint}>
          <span class="field-hint"> — {props.hint}</span>
        </Show>
      </span>
    </label>
  );
}
