import { MIN_PASSWORD, webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createSignal } from "solid-js";
import { TextField } from "../../components/Field";
import { trpc } from "../../lib/trpc";
import { AuthForm } from "./AuthForm";

export function SignUp() {
  const [name, setName] = createSignal("");
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  return (
    <AuthForm
      title="Create your account"
      subtitle="Build dataflow projects and share them as services."
      footer={
        <>
          Already have an account? <A href={webPaths.signIn}>Sign in</A>
        </>
      }
      submitLabel="Create account"
      submit={() => trpc.auth.signUp.mutate({ name: name(), email: email(), password: password() })}
    >
      <TextField label="Name" name="name" autocomplete="name" required value={name()} onInput={setName} />
      <TextField
        label="E-mail"
        type="email"
        name="email"
        autocomplete="email"
        required
        value={email()}
        onInput={setEmail}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autocomplete="new-password"
        hint={`At least ${MIN_PASSWORD} characters.`}
        required
        value={password()}
        onInput={setPassword}
      />
    </AuthForm>
  );
}
