import { secretNameProblem } from "@keyflow/schemas";
import { createEffect, createSignal, on } from "solid-js";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextAreaField } from "../../../components/Field";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import { SecretNameField } from "./SecretNameField";
import type { Secret } from "./types";

/** A new ordinary secret: name (checked as you type), value, description. */
export function AddSecretDialog(props: {
  projectId: number;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onCreated: (s: Secret) => void;
}) {
  const [name, setName] = createSignal("");
  const [value, setValue] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [touched, setTouched] = createSignal(false);
  const problem = () => secretNameProblem(name().trim());
  const create = createAction(() =>
    trpc.secrets.create.mutate({
      projectId: props.projectId,
      name: name().trim(),
      value: value(),
      description: description() || undefined,
    }),
  );
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setName("");
        setValue("");
        setDescription("");
        setTouched(false);
        create.clearError();
      },
    ),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Add secret"
      description="The value is stored encrypted. Nodes you grant access read it as an environment variable."
      submitLabel="Add secret"
      pending={create.pending()}
      onSubmit={async () => {
        setTouched(true);
        if (problem()) return;
        const s = await create.run();
        if (s) props.onCreated(s);
      }}
    >
      <div class="stack">
        <SecretNameField
          placeholder="DB_PASSWORD"
          value={name()}
          onInput={(v) => {
            setTouched(true);
            setName(v);
          }}
          showProblem={touched() && name() !== ""}
        />
        <TextAreaField
          label="Value"
          mono
          rows={3}
          autocomplete="off"
          spellcheck={false}
          value={value()}
          onInput={setValue}
        />
        <TextAreaField label="Description" rows={2} value={description()} onInput={setDescription} />
        <ErrorBox error={create.error()} />
      </div>
    </FormDialog>
  );
}
