import { secretEnvName, secretNameProblem } from "@keyflow/schemas";
import { createSignal, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { When } from "../../../components/When";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import { SecretNameField } from "./SecretNameField";
import { SecretNodes } from "./SecretNodes";
import type { GraphNode, MyKey, Secret } from "./types";

/** Where an imported secret came from, in words. */
function sourceText(s: Secret, keys: MyKey[]): string {
  const k = keys.find((x) => x.id === s.sourceKeyId);
  const what = s.sourceField === "token" ? "token" : s.sourceField ? `field "${s.sourceField}"` : "value";
  if (k) return `${what} from API key ${k.templateName} of ${k.projectName}`;
  if (s.sourceKeyId !== null) return `${what} from API key #${s.sourceKeyId}`;
  return `${what} from an API key that no longer exists`;
}

function EditForm(props: { secret: Secret; onSaved: (s: Secret) => void; onCancel: () => void }) {
  const [name, setName] = createSignal(props.secret.name);
  const [description, setDescription] = createSignal(props.secret.description);
  const [value, setValue] = createSignal("");
  const imported = () => props.secret.sourceField !== null;
  const problem = () => secretNameProblem(name().trim());
  const save = createAction(async () => {
    const updated = await trpc.secrets.update.mutate({
      secretId: props.secret.id,
      ...(name().trim() !== props.secret.name && { name: name().trim() }),
      ...(description() !== props.secret.description && { description: description() }),
      ...(!imported() && value() !== "" && { value: value() }),
    });
    props.onSaved(updated);
    return updated;
  });
  return (
    <form
      class="stack secret-edit"
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem()) void save.run();
      }}
    >
      <SecretNameField value={name()} onInput={setName} showProblem />
      <TextAreaField label="Description" rows={2} value={description()} onInput={setDescription} />
      <Show
        when={!imported()}
        fallback={
          <p class="muted small">
            The value comes from the API key and cannot be replaced: delete the key's secrets and import it
            again.
          </p>
        }
      >
        <TextAreaField
          label="New value"
          mono
          rows={2}
          autocomplete="off"
          spellcheck={false}
          placeholder="leave empty to keep the current value"
          value={value()}
          onInput={setValue}
        />
      </Show>
      <ErrorBox error={save.error()} />
      <div class="row end">
        <Button variant="ghost" size="sm" onClick={() => props.onCancel()}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" size="sm" pending={save.pending()} disabled={!!problem()}>
          Save secret
        </Button>
      </div>
    </form>
  );
}

/** One secret: name, type, source, hidden value with Show, Nodes field, edit and delete. */
export function SecretPanel(props: {
  secret: Secret;
  nodes: GraphNode[];
  keys: MyKey[];
  manage: boolean;
  onChanged: (s: Secret) => void;
  onDeleted: () => void;
}) {
  const s = () => props.secret;
  const [value, setValue] = createSignal<string | null>(null);
  const [editing, setEditing] = createSignal(false);
  const reveal = createAction(async () => {
    const r = await trpc.secrets.reveal.mutate({ secretId: s().id });
    setValue(r.value);
    return r;
  });
  const stale = () => s().sourceKeyState !== null && s().sourceKeyState !== "active";

  return (
    <section
      class={`card secret-panel ${stale() ? "secret-stale" : ""}`}
      id={`secret-${s().id}`}
      aria-label={`Secret ${s().name}`}
    >
      <header class="secret-head">
        <div class="secret-title">
          <Icon name={s().sourceField !== null ? "key" : "lock"} size={17} />
          <h3 class="mono">{s().name}</h3>
          <span class="badge badge-grey" title="Passed to jobs as an environment variable">
            {s().type}
          </span>
          <Show when={stale()}>
            <span
              class="badge badge-red"
              title={`The source API key is ${s().sourceKeyState}: calls with it are refused`}
            >
              {s().sourceKeyState}
            </span>
          </Show>
        </div>
        <Show when={props.manage && !editing()}>
          <div class="row">
            <Button size="sm" variant="ghost" onClick={() => setEditing(true)}>
              Edit
            </Button>
            <ConfirmButton
              size="sm"
              variant="ghost"
              label="Delete"
              aria-label={`Delete secret ${s().name}`}
              title={`Delete secret ${s().name}?`}
              message={
                <p>
                  Nodes lose access at once: jobs no longer get <code>{secretEnvName(s().name)}</code>. This
                  cannot be undone.
                </p>
              }
              confirmLabel="Delete secret"
              onConfirm={async () => {
                await trpc.secrets.delete.mutate({ secretId: s().id });
                props.onDeleted();
              }}
            />
          </div>
        </Show>
      </header>

      <Show
        when={!editing()}
        fallback={
          <EditForm
            secret={s()}
            onCancel={() => setEditing(false)}
            onSaved={(updated) => {
              setEditing(false);
              setValue(null);
              props.onChanged(updated);
            }}
          />
        }
      >
        <Show when={s().description}>
          <p class="secret-description">{s().description}</p>
        </Show>
        <dl class="kv secret-kv">
          <dt>Variable</dt>
          <dd>
            <code>{secretEnvName(s().name)}</code>
          </dd>
          <Show when={props.manage}>
            <dt>Value</dt>
            <dd>
              <Show
                when={!s().writeOnly}
                fallback={
                  <span class="row gap-xs">
                    <span class="secret-mask" title="hidden value">
                      ••••••
                    </span>
                    <span class="muted small">write-only: cannot be shown</span>
                  </span>
                }
              >
                <Show
                  when={value() !== null}
                  fallback={
                    <span class="row gap-xs">
                      <span class="secret-mask" title="hidden value">
                        ••••••
                      </span>
                      <Button
                        size="sm"
                        variant="ghost"
                        pending={reveal.pending()}
                        aria-label={`Show value of ${s().name}`}
                        onClick={() => reveal.run()}
                      >
                        <Icon name="eye" size={15} /> Show
                      </Button>
                    </span>
                  }
                >
                  <span class="row gap-xs nowrap">
                    <code class="secret-value" data-testid="secret-value">
                      {value()}
                    </code>
                    <Button size="sm" variant="ghost" onClick={() => setValue(null)}>
                      Hide
                    </Button>
                  </span>
                </Show>
                <ErrorBox error={reveal.error()} />
              </Show>
            </dd>
          </Show>
          <Show when={s().sourceKeyState !== null}>
            <dt>Source</dt>
            <dd class={stale() ? "text-danger" : ""}>
              {sourceText(s(), props.keys)}
              <Show when={stale()}> — the key is {s().sourceKeyState}</Show>
            </dd>
          </Show>
          <Show when={props.manage && s().createdBy}>
            {(by) => (
              <>
                <dt>Added</dt>
                <dd class="muted">
                  by {by().name}, <When at={s().createdAt} />
                </dd>
              </>
            )}
          </Show>
          <dt>Nodes</dt>
          <dd>
            <SecretNodes
              secret={s()}
              nodes={props.nodes}
              editable={props.manage}
              onChanged={props.onChanged}
            />
          </dd>
        </dl>
      </Show>
    </section>
  );
}
