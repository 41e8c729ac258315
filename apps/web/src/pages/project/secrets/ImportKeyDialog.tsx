import { importedSecretNames, importPrefixProblem, MAX_IMPORT_PREFIX } from "@keyflow/schemas";
import { createEffect, createSignal, For, on, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { When } from "../../../components/When";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { MyKey, Secret } from "./types";

/**
 * "Add API key" (SPEC §3.6): pick one of the caller's active keys from any project, choose a
 * prefix, preview the secrets it creates, import them in one go.
 */
export function ImportKeyDialog(props: {
  projectId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  keys: MyKey[] | undefined;
  keysError: string | null;
  onImported: (created: Secret[]) => void;
}) {
  const [chosen, setChosen] = createSignal<MyKey | null>(null);
  const [prefix, setPrefix] = createSignal("");
  const active = () => (props.keys ?? []).filter((k) => k.state === "active");
  const p = () => prefix().trim();
  const prefixProblem = () => importPrefixProblem(p());
  const names = () => {
    const k = chosen();
    if (!k) return [];
    return importedSecretNames(
      p() || "<prefix>",
      k.fields.map((f) => f.name),
    );
  };
  const importKey = createAction(async () => {
    const k = chosen();
    if (!k) return undefined;
    return trpc.secrets.importApiKey.mutate({ projectId: props.projectId, keyId: k.id, prefix: p() });
  });
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setChosen(null);
        setPrefix("");
        importKey.clearError();
      },
    ),
  );
  const submit = async () => {
    if (prefixProblem()) return;
    const created = await importKey.run();
    if (created) props.onImported(created);
  };

  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Add API key"
      description="Import one of your API keys as secrets of this project."
      wide
      footer={
        <Show when={chosen()}>
          <Button
            variant="ghost"
            onClick={() => {
              importKey.clearError();
              setChosen(null);
            }}
          >
            ← Other key
          </Button>
          <Button
            variant="primary"
            disabled={!!prefixProblem()}
            pending={importKey.pending()}
            onClick={submit}
          >
            Import key
          </Button>
        </Show>
      }
    >
      <Show
        when={chosen()}
        fallback={
          <div class="stack">
            <Show when={props.keysError}>
              <ErrorBox error={props.keysError} />
            </Show>
            <Show when={props.keys} fallback={<Show when={!props.keysError}>{<Loading />}</Show>}>
              <Show
                when={active().length > 0}
                fallback={
                  <p class="muted">
                    You hold no active API key. Request one on the About page of a service project; once its
                    owner approves it, it appears here.
                  </p>
                }
              >
                <p class="muted small">Your active keys from all projects:</p>
                <ul class="node-pick-list" aria-label="Your API keys">
                  <For each={active()}>
                    {(k) => (
                      <li>
                        <button
                          type="button"
                          class="node-pick"
                          aria-label={`${k.templateName} of ${k.projectName}`}
                          onClick={() => setChosen(k)}
                        >
                          <Icon name="key" size={16} />
                          <span class="grow">
                            <span class="strong">{k.templateName}</span> <span class="muted">of project</span>{" "}
                            <span class="strong">{k.projectName}</span>
                          </span>
                          <span class="muted small">
                            issued <When at={k.createdAt} />
                          </span>
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </Show>
          </div>
        }
      >
        {(k) => (
          // the prefix is the form's only field, so Enter in it submits
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <div class="import-key-summary">
              <Icon name="key" size={16} />
              <span>
                <span class="strong">{k().templateName}</span> <span class="muted">of project</span>{" "}
                <span class="strong">{k().projectName}</span>
              </span>
              <span class="muted small">
                issued <When at={k().createdAt} />
              </span>
            </div>
            <TextField
              label="Prefix"
              class={`input mono ${p() && prefixProblem() ? "invalid" : ""}`}
              placeholder="server"
              maxLength={MAX_IMPORT_PREFIX}
              autocomplete="off"
              hint={`Latin letters, digits and underscore; 1–${MAX_IMPORT_PREFIX} characters.`}
              value={prefix()}
              onInput={(v) => {
                importKey.clearError();
                setPrefix(v);
              }}
            />
            <ErrorBox error={p() ? prefixProblem() : null} />
            <div>
              <h4 class="section-label">Secrets to create</h4>
              <ul class="secret-preview" aria-label="Secrets to create">
                <For each={names()}>
                  {(n, i) => (
                    <li>
                      <code>{n}</code>
                      <span class="muted small">
                        {i() === 0
                          ? "the key's token (write-only)"
                          : `field ${k().fields[i() - 1]?.name} = ${k().fields[i() - 1]?.value || "(empty)"}`}
                      </span>
                    </li>
                  )}
                </For>
              </ul>
            </div>
            <div class="warning-box" role="note">
              <Icon name="warning" />
              <div>
                Whoever can edit the code of a node you grant these secrets can use your key — and every
                request it makes is counted (and billed) to you.
              </div>
            </div>
            <ErrorBox error={importKey.error()} />
          </form>
        )}
      </Show>
    </Dialog>
  );
}
