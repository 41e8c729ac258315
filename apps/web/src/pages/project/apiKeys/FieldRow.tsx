import { fieldNameProblem } from "@keyflow/schemas";
import { createEffect, createSignal, on, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { type RouterInputs, trpc } from "../../../lib/trpc";
import { NodePicker } from "./NodePicker";
import type { GraphNode, Template, TemplateField } from "./types";
import { useUnsaved } from "./unsaved";

type FieldUpdate = Omit<RouterInputs["apiKeys"]["updateField"], "fieldId">;

/** One information field: name, description, value, the two insert helpers, delete. */
export function FieldRow(props: {
  field: TemplateField;
  templateId: number;
  templateName: string;
  projectId: number;
  nodes: GraphNode[];
  onChanged: (t: Template) => void;
}) {
  const f = () => props.field;
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [value, setValue] = createSignal("");
  const [picking, setPicking] = createSignal(false);
  createEffect(on(() => f().name, setName));
  createEffect(on(() => f().description, setDescription));
  createEffect(on(() => f().value, setValue));

  const act = createAction(async (call: () => Promise<Template>) => {
    const t = await call();
    props.onChanged(t);
    return t;
  });
  const update = (changes: FieldUpdate) =>
    act.run(() => trpc.apiKeys.updateField.mutate({ fieldId: f().id, ...changes }));
  const changes = (): FieldUpdate => {
    const c: FieldUpdate = {};
    if (name().trim() !== f().name) c.name = name().trim();
    if (description() !== f().description) c.description = description();
    if (value() !== f().value) c.value = value();
    return c;
  };
  const dirty = () => Object.keys(changes()).length > 0;
  useUnsaved(`template-${props.templateId}:field-${f().id}`, () =>
    dirty() ? `field ${f().name} of ${props.templateName}` : null,
  );
  const badName = () => fieldNameProblem(name().trim()) !== null;
  const changed = (key: keyof FieldUpdate) => (key in changes() ? "input-dirty" : "");
  const node = () => props.nodes.find((n) => n.id === f().nodeId);

  return (
    <li class="field-row" aria-label={`Field ${f().name}`}>
      <form
        class="field-row-grid"
        onSubmit={(e) => {
          e.preventDefault();
          if (dirty() && !badName()) update(changes());
        }}
      >
        <input
          class={`input mono ${badName() ? "invalid" : ""} ${changed("name")}`}
          aria-label="Field name"
          aria-invalid={badName() ? "true" : undefined}
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <input
          class={`input ${changed("description")}`}
          aria-label="Field description"
          placeholder="Description"
          value={description()}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
        <div class="field-value">
          <input
            class={`input mono ${changed("value")}`}
            aria-label="Field value"
            placeholder="empty"
            value={value()}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
          <Show when={f().nodeDeleted}>
            <span class="small text-danger">the node was deleted</span>
          </Show>
          <Show when={node()}>{(n) => <span class="small muted">node {n().name}</span>}</Show>
        </div>
        <div class="row nowrap gap-xs field-actions">
          <Button
            size="sm"
            variant="ghost"
            title="Insert project ID"
            aria-label={`Insert project ID into ${f().name}`}
            disabled={act.pending()}
            onClick={() => update({ value: String(props.projectId) })}
          >
            Project ID
          </Button>
          <Button
            size="sm"
            variant="ghost"
            title="Insert node ID"
            aria-label={`Insert node ID into ${f().name}`}
            disabled={act.pending()}
            onClick={() => {
              act.clearError();
              setPicking(true);
            }}
          >
            Node ID…
          </Button>
          <button
            type="button"
            class="icon-btn icon-btn-danger"
            aria-label={`Delete field ${f().name}`}
            title="Delete field"
            disabled={act.pending()}
            onClick={() => act.run(() => trpc.apiKeys.removeField.mutate({ fieldId: f().id }))}
          >
            <Icon name="trash" size={16} />
          </button>
        </div>
      </form>
      <Show when={dirty()}>
        <div class="row gap-xs unsaved-note">
          <span class="small" role="status">
            <span class="unsaved-dot" aria-hidden="true" /> Unsaved change
          </span>
          <Button
            size="sm"
            variant="primary"
            disabled={badName() || act.pending()}
            onClick={() => update(changes())}
          >
            Save
          </Button>
          <Button
            size="sm"
            variant="ghost"
            disabled={act.pending()}
            onClick={() => {
              setName(f().name);
              setDescription(f().description);
              setValue(f().value);
            }}
          >
            Discard
          </Button>
        </div>
      </Show>
      <Show when={badName() && name().trim() !== ""}>
        <p class="small text-danger">The name may contain only Latin letters, digits and underscore.</p>
      </Show>
      <ErrorBox error={act.error()} />
      <NodePicker
        open={picking()}
        onOpenChange={setPicking}
        nodes={props.nodes}
        fieldName={f().name}
        selectedId={f().nodeId}
        pending={act.pending()}
        error={act.error()}
        onPick={async (nodeId) => {
          if (await update({ nodeId })) setPicking(false);
        }}
      />
    </li>
  );
}
