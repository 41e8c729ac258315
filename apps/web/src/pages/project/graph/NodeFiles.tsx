import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { CheckboxField, TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { createAction } from "../../../lib/action";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import type { GraphNode, NodeFile } from "./types";

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function NewFileDialog(props: {
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreate: (path: string) => Promise<unknown>;
  defaultPath: string;
}) {
  const [path, setPath] = createSignal(props.defaultPath);
  const create = createAction(async () => props.onCreate(path()));
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New file"
      submitLabel="Create file"
      pending={create.pending()}
      onSubmit={async () => {
        await create.run();
        if (!create.error()) setPath("");
      }}
    >
      <div class="stack">
        <TextField
          label="Path"
          class="input mono"
          placeholder="main.py or lib/util.py"
          required
          value={path()}
          onInput={setPath}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}

function FileEditor(props: {
  file: NodeFile;
  nodeId: number;
  editable: boolean;
  onSaved: () => void;
  onDeleted: () => void;
}) {
  const [content, setContent] = createSignal(props.file.content);
  const [executable, setExecutable] = createSignal(props.file.executable);
  // "File saved" stays until the next edit; a refused save shows the server's message instead
  const [saved, setSaved] = createSignal(false);
  const edit = (change: () => void) => {
    change();
    setSaved(false);
    save.clearError();
  };
  const dirty = () => content() !== props.file.content || executable() !== props.file.executable;
  const save = createAction(() =>
    trpc.graph.putFile.mutate({
      nodeId: props.nodeId,
      path: props.file.path,
      content: content(),
      executable: executable(),
    }),
  );
  return (
    <div class="stack file-editor">
      <div class="row between">
        <code class="strong">{props.file.path}</code>
        <span class="muted small">{formatSize(props.file.size)}</span>
      </div>
      <textarea
        class="input mono code-editor"
        aria-label={`Content of ${props.file.path}`}
        spellcheck={false}
        readOnly={!props.editable}
        value={content()}
        onInput={(e) => {
          const value = e.currentTarget.value;
          edit(() => setContent(value));
        }}
        onKeyDown={(e) => {
          // Tab inserts two spaces instead of leaving the editor
          if (e.key === "Tab" && !e.shiftKey && props.editable) {
            e.preventDefault();
            const t = e.currentTarget;
            const { selectionStart: s, selectionEnd: end } = t;
            edit(() => setContent(`${content().slice(0, s)}  ${content().slice(end)}`));
            t.value = content();
            t.selectionStart = t.selectionEnd = s + 2;
          }
        }}
      />
      <CheckboxField
        label="Executable"
        checked={executable()}
        onChange={(v) => edit(() => setExecutable(v))}
        disabled={!props.editable}
      />
      <ErrorBox error={save.error()} />
      <Show when={props.editable}>
        <div class="row between">
          <ConfirmButton
            size="sm"
            variant="ghost"
            label="Delete file"
            title={`Delete ${props.file.path}?`}
            message="The file is removed from the node."
            confirmLabel="Delete file"
            onConfirm={async () => {
              await trpc.graph.deleteFile.mutate({ nodeId: props.nodeId, path: props.file.path });
              props.onDeleted();
            }}
          />
          <div class="row">
            <Show when={saved()}>
              <span class="saved-note" role="status">
                <Icon name="check" size={16} /> File saved
              </span>
            </Show>
            <Show when={dirty() && !saved() && !save.error()}>
              <span class="muted small">Unsaved changes</span>
            </Show>
            <Button
              variant="primary"
              size="sm"
              disabled={!dirty()}
              pending={save.pending()}
              onClick={async () => {
                if (await save.run()) {
                  setSaved(true);
                  props.onSaved();
                }
              }}
            >
              Save file
            </Button>
          </div>
        </div>
      </Show>
    </div>
  );
}

export function NodeFiles(props: { node: GraphNode }) {
  const { canOnNode } = useProject();
  const editable = () => canOnNode("code_edit", props.node.id);
  const [files, { refetch }] = createResource(
    () => props.node.id,
    (nodeId) => trpc.graph.listFiles.query({ nodeId }),
  );
  const [selectedPath, setSelectedPath] = createSignal<string | null>(null);
  const [creating, setCreating] = createSignal(false);
  const list = () => (files.error ? [] : (files.latest ?? []));
  const selected = () => list().find((f) => f.path === selectedPath()) ?? list()[0];
  // select the entry file first when there is one
  createEffect(
    on(files, () => {
      if (selectedPath() === null && props.node.entry && list().some((f) => f.path === props.node.entry))
        setSelectedPath(props.node.entry);
    }),
  );
  const defaultPath = () =>
    list().length === 0 && props.node.entry
      ? props.node.entry
      : props.node.runtime === "node"
        ? "lib.js"
        : "";

  return (
    <div class="stack">
      <div class="row between">
        <h3 class="section-label">Files</h3>
        <Show when={editable()}>
          <Button size="sm" onClick={() => setCreating(true)}>
            + New file
          </Button>
        </Show>
      </div>
      <Show when={!files.error} fallback={<ErrorBox error={errorMessage(files.error)} />}>
        <Show when={files.latest} fallback={<Loading />}>
          <Show when={list().length > 0} fallback={<p class="muted small">No files yet.</p>}>
            <ul class="file-list">
              <For each={list()}>
                {(f) => (
                  <li>
                    <button
                      type="button"
                      class={`file-item ${selected()?.path === f.path ? "active" : ""}`}
                      onClick={() => setSelectedPath(f.path)}
                    >
                      <span class="mono">{f.path}</span>
                      <Show when={f.executable}>
                        <span class="badge">exec</span>
                      </Show>
                      <Show when={f.path === props.node.entry}>
                        <span class="badge badge-green">entry</span>
                      </Show>
                    </button>
                  </li>
                )}
              </For>
            </ul>
            {/* keyed by path: the reload after a save keeps the editor and its "File saved" */}
            <Show when={selected()?.path} keyed>
              {(path) => (
                <FileEditor
                  file={list().find((f) => f.path === path)!}
                  nodeId={props.node.id}
                  editable={editable()}
                  onSaved={refetch}
                  onDeleted={() => {
                    setSelectedPath(null);
                    refetch();
                  }}
                />
              )}
            </Show>
          </Show>
        </Show>
      </Show>
      <NewFileDialog
        open={creating()}
        onOpenChange={setCreating}
        defaultPath={defaultPath()}
        onCreate={async (path) => {
          await trpc.graph.putFile.mutate({ nodeId: props.node.id, path, content: "" });
          setCreating(false);
          setSelectedPath(path);
          refetch();
        }}
      />
    </div>
  );
}
