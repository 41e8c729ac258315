import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { TextField } from "../../components/Field";
import { createAction } from "../../lib/action";
import { setMe } from "../../lib/session";
import { trpc } from "../../lib/trpc";
import { AuthCard, nextPath } from "./AuthCard";

export function SignUp() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [name, setName] = createSignal("");
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const signUp = createAction(async () => {
    const user = await trpc.auth.signUp.mutate({ name: name(), email: email(), password: password() });
    setMe(user);
    navigate(nextPath(params.next), { replace: true });
  });
  return (
    <AuthCard
      title="Create your account"
      subtitle="Build dataflow projects and share them as services."
      footer={
        <>
          Already have an account? <A href="/signin">Sign in</A>
        </>
      }
    >
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          signUp.run();
        }}
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
          hint="At least 8 characters."
          required
          value={password()}
          onInput={setPassword}
        />
        <ErrorBox error={signUp.error()} />
        <Button type="submit" variant="primary" pending={signUp.pending()} class="btn-block">
          Create account
        </Button>
      </form>
    </AuthCard>
  );
}
