import { createSignal } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { SelectField, TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { GraphNode } from "./types";

export function AddLinkDialog(props: {
  projectId: number;
  nodes: GraphNode[];
  initialFrom?: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: () => void;
}) {
  const first = () => String(props.initialFrom ?? props.nodes[0]?.id ?? "");
  const [from, setFrom] = createSignal(first());
  const [to, setTo] = createSignal(String(props.nodes.find((n) => String(n.id) !== first())?.id ?? first()));
  const [filter, setFilter] = createSignal("");
  const create = createAction(() =>
    trpc.graph.createLink.mutate({
      projectId: props.projectId,
      fromNodeId: Number(from()),
      toNodeId: Number(to()),
      labelFilter: filter() || null,
    }),
  );
  const options = () => props.nodes.map((n) => ({ value: String(n.id), label: `${n.name} (${n.kind})` }));
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Add link"
      description="Every new package of the source is pushed into the target, optionally only when its label matches."
      submitLabel="Add link"
      pending={create.pending()}
      onSubmit={async () => {
        if (await create.run()) {
          setFilter("");
          props.onCreated();
        }
      }}
    >
      <div class="stack">
        <div class="grid-2">
          <SelectField label="From" value={from()} onChange={setFrom} options={options()} />
          <SelectField label="To" value={to()} onChange={setTo} options={options()} />
        </div>
        <TextField
          label="Label filter"
          placeholder="e.g. ^image/"
          hint="A PostgreSQL regular expression; empty pushes every package."
          class="input mono"
          value={filter()}
          onInput={setFilter}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
