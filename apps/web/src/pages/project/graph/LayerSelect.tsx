import { createSignal, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { SelectField, TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import type { DataLayer } from "./types";

export function layerLabel(l: DataLayer): string {
  return l.kind === "shared"
    ? `${l.name} (shared)`
    : `${l.name} (personal${l.ownerName ? `, ${l.ownerName}` : ""})`;
}

function NewLayerDialog(props: {
  projectId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: (id: number) => void;
}) {
  const { can } = useProject();
  const [name, setName] = createSignal("");
  const [kind, setKind] = createSignal<"shared" | "personal">(can("project_manage") ? "shared" : "personal");
  const create = createAction(() =>
    trpc.dataLayers.create.mutate({ projectId: props.projectId, name: name(), kind: kind() }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New data layer"
      description="A data layer is an independent set of packages. Shared layers are visible to all members, personal ones only to you."
      submitLabel="Create layer"
      pending={create.pending()}
      onSubmit={async () => {
        const layer = await create.run();
        if (layer) {
          setName("");
          props.onCreated(layer.id);
        }
      }}
    >
      <div class="stack">
        <TextField label="Name" required value={name()} onInput={setName} />
        <SelectField
          label="Kind"
          value={kind()}
          onChange={(v) => setKind(v as "shared" | "personal")}
          options={[
            { value: "shared", label: "Shared — every member" },
            { value: "personal", label: "Personal — only me" },
          ]}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}

/** Picks the data layer packages and node activity are shown for; creates and deletes layers. */
export function LayerSelect(props: {
  projectId: number;
  layers: DataLayer[];
  value: number | null;
  onChange: (id: number) => void;
  onLayersChanged: () => void;
}) {
  const [creating, setCreating] = createSignal(false);
  const current = () => props.layers.find((l) => l.id === props.value);
  return (
    <div class="layer-select">
      <SelectField
        label="Data layer"
        value={String(props.value ?? "")}
        onChange={(v) => props.onChange(Number(v))}
        options={props.layers.map((l) => ({ value: String(l.id), label: layerLabel(l) }))}
      />
      <Button size="sm" variant="ghost" onClick={() => setCreating(true)} title="New data layer">
        + Layer
      </Button>
      <Show when={current()?.writable && props.layers.length > 1}>
        <ConfirmButton
          size="sm"
          variant="ghost"
          label="Delete"
          aria-label="Delete data layer"
          title={`Delete data layer ${current()?.name}?`}
          message="Every package in this layer is deleted with it."
          confirmLabel="Delete layer"
          onConfirm={async () => {
            const id = props.value;
            if (id === null) return;
            await trpc.dataLayers.delete.mutate({ dataLayerId: id });
            props.onLayersChanged();
          }}
        />
      </Show>
      <NewLayerDialog
        projectId={props.projectId}
        open={creating()}
        onOpenChange={setCreating}
        onCreated={(id) => {
          setCreating(false);
          props.onLayersChanged();
          props.onChange(id);
        }}
      />
    </div>
  );
}

/**
 * Which layer a tab shows. The page has one layer selector, in its toolbar; the node panel's
 * tabs name the layer they follow instead of offering a second one.
 */
export function LayerNote(props: { layers: DataLayer[]; layerId: number | null }) {
  const layer = () => props.layers.find((l) => l.id === props.layerId);
  return (
    <Show when={layer()}>
      {(l) => (
        <p class="muted small layer-note" data-testid="layer-note">
          In data layer <strong>{layerLabel(l())}</strong>, chosen at the top of the page.
        </p>
      )}
    </Show>
  );
}
