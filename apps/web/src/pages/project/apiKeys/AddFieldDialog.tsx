import { fieldNameProblem, MAX_FIELD_NAME, RESERVED_FIELD_NAME } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { Template } from "./types";

export function AddFieldDialog(props: {
  templateId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onAdded: (t: Template) => void;
}) {
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [value, setValue] = createSignal("");
  const add = createAction(() =>
    trpc.apiKeys.addField.mutate({
      templateId: props.templateId,
      name: name().trim(),
      description: description(),
      value: value(),
    }),
  );
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setName("");
        setDescription("");
        setValue("");
        add.clearError();
      },
    ),
  );
  const problem = () => (name().trim() ? fieldNameProblem(name().trim()) : null);
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="New information field"
      submitLabel="Add field"
      pending={add.pending()}
      submitDisabled={!name().trim() || problem() !== null}
      onSubmit={async () => {
        const t = await add.run();
        if (t) props.onAdded(t);
      }}
    >
      <div class="stack">
        <TextField
          label="Field name"
          required
          value={name()}
          onInput={setName}
          maxLength={MAX_FIELD_NAME}
          autocomplete="off"
          hint={`Latin letters, digits and underscore; ${RESERVED_FIELD_NAME} is reserved`}
        />
        <ErrorBox error={problem()} />
        <TextField label="Field description" value={description()} onInput={setDescription} />
        <TextField label="Field value" value={value()} onInput={setValue} />
        <ErrorBox error={add.error()} />
      </div>
    </FormDialog>
  );
}
