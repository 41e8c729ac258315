import { createSignal } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { CheckboxField, TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { type RouterOutputs, trpc } from "../../../lib/trpc";

export function CreateRoleDialog(props: {
  projectId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: (role: RouterOutputs["roles"]["create"]) => void;
}) {
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [isPublic, setPublic] = createSignal(false);
  const create = createAction(() =>
    trpc.roles.create.mutate({
      projectId: props.projectId,
      name: name(),
      description: description(),
      isPublic: isPublic(),
      permissions: { project: ["project_view", "graph_view"], nodes: {} },
    }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New role"
      description="Starts with View project and View graph; choose its permissions next."
      submitLabel="Create role"
      pending={create.pending()}
      onSubmit={async () => {
        const role = await create.run();
        if (role) {
          setName("");
          setDescription("");
          setPublic(false);
          props.onCreated(role);
        }
      }}
    >
      <div class="stack">
        <TextField label="Name" required value={name()} onInput={setName} />
        <TextField label="Description" value={description()} onInput={setDescription} />
        <CheckboxField
          label="Public role"
          hint="everyone gets it"
          checked={isPublic()}
          onChange={setPublic}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
