import { MAX_TEMPLATE_NAME } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { SelectField, TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { Role, Template } from "./types";

/** "+" next to API key templates: a unique name and a role → CREATE. */
export function CreateTemplateDialog(props: {
  projectId: number;
  roles: Role[];
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: (t: Template) => void;
}) {
  const [name, setName] = createSignal("");
  const [roleId, setRoleId] = createSignal("");
  const create = createAction(() =>
    trpc.apiKeys.createTemplate.mutate({
      projectId: props.projectId,
      name: name().trim(),
      roleId: Number(roleId()),
    }),
  );
  // a key rarely needs the owner role: suggest the first other role
  const defaultRole = () => String((props.roles.find((r) => !r.isOwner) ?? props.roles[0])?.id ?? "");
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (open) {
          setName("");
          setRoleId(defaultRole());
          create.clearError();
        }
      },
    ),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New API key template"
      description="Keys issued from it act with this role on the project's REST API."
      submitLabel="Create"
      pending={create.pending()}
      submitDisabled={!name().trim() || !roleId()}
      onSubmit={async () => {
        const t = await create.run();
        if (t) props.onCreated(t);
      }}
    >
      <div class="stack">
        <TextField
          label="Name"
          required
          maxLength={MAX_TEMPLATE_NAME}
          value={name()}
          onInput={setName}
          hint="Unique in this project"
          autocomplete="off"
        />
        <SelectField
          label="Role"
          value={roleId()}
          onChange={setRoleId}
          options={props.roles.map((r) => ({ value: String(r.id), label: r.name }))}
          hint={props.roles.length === 0 ? "Loading roles…" : undefined}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
