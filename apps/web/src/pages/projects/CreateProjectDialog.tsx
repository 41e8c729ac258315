import { createSignal } from "solid-js";
import { FormDialog } from "../../components/Dialog";
import { ErrorBox } from "../../components/ErrorBox";
import { CheckboxField, TextAreaField, TextField } from "../../components/Field";
import { createAction } from "../../lib/action";
import { type RouterOutputs, trpc } from "../../lib/trpc";

export type CreatedProject = RouterOutputs["projects"]["create"];

export function CreateProjectDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated: (p: CreatedProject) => void;
}) {
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [isPublic, setPublic] = createSignal(false);
  const create = createAction(() =>
    trpc.projects.create.mutate({ name: name(), description: description(), isPublic: isPublic() }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New project"
      description="A project is a graph of nodes with its own roles, members and data layers."
      submitLabel="Create project"
      pending={create.pending()}
      onSubmit={async () => {
        const p = await create.run();
        if (p) {
          setName("");
          setDescription("");
          setPublic(false);
          props.onCreated(p);
        }
      }}
    >
      <div class="stack">
        <TextField label="Name" name="project-name" required autofocus value={name()} onInput={setName} />
        <TextAreaField
          label="Description"
          name="project-description"
          value={description()}
          onInput={setDescription}
        />
        <CheckboxField
          label="Public"
          hint="every signed-in user can see the About page"
          checked={isPublic()}
          onChange={setPublic}
        />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
