import type { RUNTIMES as RUNTIME_NAMES } from "@keyflow/schemas";
import { createEffect, createSignal, on, Show } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { SelectField, TextAreaField, TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { GraphNode } from "./types";

export type Runtime = (typeof RUNTIME_NAMES)[number];
/** Every runtime the server accepts, in the order offered (Python first, the default). */
const RUNTIME_LABELS: Record<Runtime, string> = { python: "Python", node: "Node.js" };
export const RUNTIMES = Object.entries(RUNTIME_LABELS).map(([value, label]) => ({ value, label }));
export const NODE_KIND_OPTIONS = [
  { value: "data", label: "Data — a FIFO store of packages" },
  { value: "compute", label: "Compute — runs code on each package" },
];

export function AddNodeDialog(props: {
  projectId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: (node: GraphNode) => void;
}) {
  const [name, setName] = createSignal("");
  const [kind, setKind] = createSignal<"data" | "compute">("data");
  const [description, setDescription] = createSignal("");
  const [runtime, setRuntime] = createSignal<Runtime>("python");
  const [entry, setEntry] = createSignal("");
  const create = createAction(() =>
    trpc.graph.createNode.mutate({
      projectId: props.projectId,
      name: name(),
      kind: kind(),
      description: description() || undefined,
      ...(kind() === "compute" && { runtime: runtime(), entry: entry() || undefined }),
    }),
  );
  // every opening starts from a blank data node: a kind left over from the last node turned
  // output nodes into compute nodes by mistake
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setName("");
        setKind("data");
        setDescription("");
        setRuntime("python");
        setEntry("");
        create.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Add node"
      description="Data nodes store packages; compute nodes run code on every package that arrives."
      submitLabel="Add node"
      pending={create.pending()}
      onSubmit={async () => {
        const node = await create.run();
        if (node) props.onCreated(node);
      }}
    >
      <div class="stack">
        <TextField label="Name" name="node-name" required value={name()} onInput={setName} />
        <SelectField
          label="Kind"
          name="node-kind"
          value={kind()}
          onChange={(v) => setKind(v as "data" | "compute")}
          options={NODE_KIND_OPTIONS}
        />
        <Show when={kind() === "compute"}>
          <div class="grid-2">
            <SelectField
              label="Runtime"
              value={runtime()}
              onChange={(v) => setRuntime(v as Runtime)}
              options={RUNTIMES}
            />
            <TextField
              label="Entry file"
              placeholder={runtime() === "python" ? "main.py" : "main.js"}
              value={entry()}
              onInput={setEntry}
            />
          </div>
        </Show>
        <TextAreaField label="Description" value={description()} onInput={setDescription} />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
