import { MAX_SECRET_NAME, secretEnvName, secretNameProblem } from "@keyflow/schemas";
import { Show } from "solid-js";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";

const RULE = `Latin letters, digits and underscore, at most ${MAX_SECRET_NAME} characters.`;

/** A secret's name, checked as you type by the server's own rule; a valid name shows its variable. */
export function SecretNameField(props: {
  value: string;
  onInput: (v: string) => void;
  /** Show the problem only once the user has typed (a new, empty form is not an error yet). */
  showProblem: boolean;
  placeholder?: string;
}) {
  const name = () => props.value.trim();
  const problem = () => (props.showProblem ? secretNameProblem(name()) : null);
  return (
    <>
      <TextField
        label="Name"
        class={`input mono ${problem() ? "invalid" : ""}`}
        required
        maxLength={MAX_SECRET_NAME}
        autocomplete="off"
        placeholder={props.placeholder}
        hint={
          name() && !secretNameProblem(name()) ? `${RULE} Jobs read it as ${secretEnvName(name())}.` : RULE
        }
        value={props.value}
        onInput={props.onInput}
        aria-invalid={problem() ? "true" : undefined}
      />
      <Show when={problem()}>{(p) => <ErrorBox error={p()} />}</Show>
    </>
  );
}
