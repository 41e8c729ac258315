import { webPaths } from "@keyflow/schemas";
import { A, useSearchParams } from "@solidjs/router";
import { createSignal } from "solid-js";
import { TextField } from "../../components/Field";
import { nextPath } from "../../lib/paths";
import { trpc } from "../../lib/trpc";
import { AuthForm } from "./AuthForm";

export function SignIn() {
  const [params] = useSearchParams();
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  return (
    <AuthForm
      title="Sign in"
      subtitle="Welcome back to Keyflow."
      footer={
        <>
          New here?{" "}
          <A
            href={`${webPaths.signUp}${params.next ? `?next=${encodeURIComponent(nextPath(params.next))}` : ""}`}
          >
            Create an account
          </A>
        </>
      }
      submitLabel="Sign in"
      submit={() => trpc.auth.signIn.mutate({ email: email(), password: password() })}
    >
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
        autocomplete="current-password"
        required
        value={password()}
        onInput={setPassword}
      />
    </AuthForm>
  );
}
