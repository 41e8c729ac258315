import { MAX_NODE_TIMEOUT_S, webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorBox } from "../../../components/ErrorBox";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { NODE_KIND_OPTIONS, RUNTIMES, type Runtime } from "./AddNodeDialog";
import type { NodePanelProps } from "./NodePanel";
import type { GraphNode } from "./types";

type NodeKind = GraphNode["kind"];

/** The secrets the node's jobs receive (names and variables only; values stay on the Secrets page). */
function NodeSecrets(props: { nodeId: number }) {
  const { projectId, can } = useProject();
  const [secrets] = createResource(
    () => props.nodeId,
    (nodeId) => trpc.secrets.forNode.query({ nodeId }),
  );
  return (
    <div class="subsection">
      <h3 class="section-label">Secrets</h3>
      <Show when={!secrets.error} fallback={<ErrorBox error={errorMessage(secrets.error)} />}>
        <Show when={secrets.latest} fallback={<p class="muted small">Loading…</p>}>
          {(list) => (
            <Show
              when={list().length > 0}
              fallback={
                <p class="muted small">
                  This node can read no secrets.
                  <Show when={can("project_manage")}>
                    {" "}
                    Grant access on the <A href={webPaths.project(projectId(), "secrets")}>Secrets</A> page.
                  </Show>
                </p>
              }
            >
              <ul class="node-secrets" aria-label="Secrets this node can read">
                <For each={list()}>
                  {(s) => (
                    <li>
                      <code class="strong">{s.name}</code>
                      <span class="muted small">as</span>
                      <code class="env-name" title={s.envName}>
                        {s.envName}
                      </code>
                      <Show when={s.writeOnly}>
                        <span class="badge badge-grey" title="An API key token: never shown">
                          token
                        </span>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
      </Show>
    </div>
  );
}

/** Parses the parameters editor: a JSON object, or a clear error. */
export function parseParams(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`Parameters are not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new Error('Parameters must be a JSON object, e.g. {"threshold": 0.5}');
  return v as Record<string, unknown>;
}

const formatParams = (params: Record<string, unknown>) => JSON.stringify(params, null, 2);

/**
 * The node's parameters (jobs read them from in/params.json) as a JSON editor. Shown only to
 * callers with `code_view`, who get them from the server; saving needs `code_edit` on the node.
 */
function NodeParams(props: { node: GraphNode; onChanged: () => void }) {
  const { canOnNode } = useProject();
  const editable = () => canOnNode("code_edit", props.node.id);
  const [text, setText] = createSignal(formatParams(props.node.params ?? {}));
  const [saved, setSaved] = createSignal(false);
  const save = createAction(() =>
    trpc.graph.updateNode.mutate({ nodeId: props.node.id, params: parseParams(text()) }),
  );
  return (
    <form
      class="subsection stack"
      aria-label="Parameters"
      onSubmit={async (e) => {
        e.preventDefault();
        const node = await save.run();
        if (node) {
          if (node.params) setText(formatParams(node.params));
          setSaved(true);
          props.onChanged();
        }
      }}
    >
      <TextAreaField
        label="Parameters (JSON object)"
        hint="Jobs read them from in/params.json."
        class="input mono params-editor"
        rows={8}
        spellcheck={false}
        value={text()}
        onInput={(v) => {
          setText(v);
          setSaved(false);
          save.clearError();
        }}
        readOnly={!editable()}
      />
      <ErrorBox error={save.error()} />
      <Show when={editable()}>
        <div class="row end">
          <Show when={saved()}>
            <span class="muted small" role="status">
              Parameters saved
            </span>
          </Show>
          <Button type="submit" variant="primary" size="sm" pending={save.pending()}>
            Save parameters
          </Button>
        </div>
      </Show>
    </form>
  );
}

export function NodeDescription(props: NodePanelProps) {
  const { can, canOnNode } = useProject();
  const editable = () => can("graph_edit");
  const node = props.node; // the form starts from these values; live values are read from props.node
  const [name, setName] = createSignal(node.name);
  const [kind, setKind] = createSignal<NodeKind>(node.kind);
  const [description, setDescription] = createSignal(node.description);
  const [runtime, setRuntime] = createSignal<Runtime>(node.runtime ?? "python");
  const [entry, setEntry] = createSignal(node.entry ?? "");
  const [timeout, setTimeoutS] = createSignal(String(node.timeoutS));
  // "Saved" stays until the next edit
  const [saved, setSaved] = createSignal(false);
  const edited =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setSaved(false);
      save.clearError();
    };

  const save = createAction(() =>
    trpc.graph.updateNode.mutate({
      nodeId: node.id,
      name: name(),
      description: description(),
      ...(kind() !== props.node.kind && { kind: kind() }),
      ...(kind() === "compute" && {
        runtime: runtime(),
        entry: entry() || undefined,
        timeoutS: Number(timeout()),
      }),
    }),
  );
  const setActive = createAction((active: boolean) =>
    trpc.graph.setActive.mutate({ nodeId: node.id, dataLayerId: props.layerId!, active }),
  );
  const deleteLink = createAction((linkId: number) => trpc.graph.deleteLink.mutate({ linkId }));

  const nameOf = (id: number) => props.graph.nodes.find((n) => n.id === id)?.name ?? `#${id}`;
  const links = () => props.graph.links.filter((l) => l.fromNodeId === node.id || l.toNodeId === node.id);

  return (
    <div class="stack">
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          const stored = await save.run();
          if (stored) {
            // a new kind brings the server's runtime and entry (the defaults, or none for data)
            setKind(stored.kind);
            setRuntime(stored.runtime ?? "python");
            setEntry(stored.entry ?? "");
            setSaved(true);
            props.onChanged();
          }
        }}
      >
        <TextField label="Name" value={name()} onInput={edited(setName)} disabled={!editable()} />
        <SelectField
          label="Kind"
          value={kind()}
          options={NODE_KIND_OPTIONS}
          onChange={edited((v: string) => setKind(v as NodeKind))}
          hint={editable() ? "Changes only while the node holds no packages or files." : undefined}
          disabled={!editable()}
        />
        <TextAreaField
          label="Description"
          rows={4}
          value={description()}
          onInput={edited(setDescription)}
          disabled={!editable()}
        />
        <Show when={kind() === "compute"}>
          <div class="grid-2">
            <SelectField
              label="Runtime"
              value={runtime()}
              options={RUNTIMES}
              onChange={edited((v: string) => setRuntime(v as Runtime))}
              disabled={!editable()}
            />
            <TextField
              label="Timeout (s)"
              type="number"
              min="1"
              max={MAX_NODE_TIMEOUT_S}
              value={timeout()}
              onInput={edited(setTimeoutS)}
              disabled={!editable()}
            />
          </div>
          <TextField
            label="Entry file"
            class="input mono"
            placeholder={runtime() === "python" ? "main.py" : "main.js"}
            value={entry()}
            onInput={edited(setEntry)}
            disabled={!editable()}
          />
        </Show>
        <ErrorBox error={save.error()} />
        <Show when={editable()}>
          <div class="row end">
            <Show when={saved()}>
              <span class="saved-note" role="status">
                <Icon name="check" size={16} /> Saved
              </span>
            </Show>
            <Button type="submit" variant="primary" size="sm" pending={save.pending()}>
              Save
            </Button>
          </div>
        </Show>
      </form>

      <Show when={props.node.kind === "compute" && props.layerId !== null}>
        <div class="subsection">
          <CheckboxField
            label="Active in this data layer"
            hint="inactive nodes queue no jobs"
            checked={props.node.active}
            disabled={!editable() || setActive.pending()}
            onChange={async (v) => {
              if (await setActive.run(v)) props.onChanged();
            }}
          />
          <ErrorBox error={setActive.error()} />
        </div>
      </Show>

      {/* only compute nodes run jobs, so only they have parameters to edit */}
      <Show when={props.node.kind === "compute" && props.node.params !== null}>
        <NodeParams node={props.node} onChanged={props.onChanged} />
      </Show>

      <Show when={canOnNode("code_view", node.id)}>
        <NodeSecrets nodeId={node.id} />
      </Show>

      <div class="subsection">
        <h3 class="section-label">Links</h3>
        <Show when={links().length > 0} fallback={<p class="muted small">No links to or from this node.</p>}>
          <ul class="link-list">
            <For each={links()}>
              {(l) => (
                <li>
                  <span>
                    {nameOf(l.fromNodeId)} → {nameOf(l.toNodeId)}
                    <Show when={l.labelFilter}>
                      {" "}
                      <code>{l.labelFilter}</code>
                    </Show>
                    <Show when={l.filterError}>
                      <span class="text-danger small"> filter error: {l.filterError}</span>
                    </Show>
                  </span>
                  <Show when={editable()}>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label="Delete link"
                      disabled={deleteLink.pending()}
                      onClick={async () => {
                        if (await deleteLink.run(l.id)) props.onChanged();
                      }}
                    >
                      Remove
                    </Button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <ErrorBox error={deleteLink.error()} />
      </div>

      <Show when={editable()}>
        <div class="subsection danger-zone-inline">
          <ConfirmButton
            size="sm"
            label="Delete node"
            title={`Delete node ${node.name}?`}
            message={
              <>
                <p>Its links, packages, files and jobs are deleted too. This cannot be undone.</p>
                <Show when={props.node.usedByTemplates.length > 0}>
                  <p class="warning-text">
                    Used by API key template {props.node.usedByTemplates.map((n) => `"${n}"`).join(", ")}: the
                    field will say "node deleted" and key holders will lose their input or output node.
                  </p>
                </Show>
              </>
            }
            confirmLabel="Delete node"
            onConfirm={async () => {
              await trpc.graph.deleteNode.mutate({ nodeId: node.id });
              props.onDeleted();
            }}
          />
        </div>
      </Show>
    </div>
  );
}
