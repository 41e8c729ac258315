import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { TextField } from "../../components/Field";
import { createAction } from "../../lib/action";
import { setMe } from "../../lib/session";
import { trpc } from "../../lib/trpc";
import { AuthCard, nextPath } from "./AuthCard";

export function SignIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const signIn = createAction(async () => {
    const user = await trpc.auth.signIn.mutate({ email: email(), password: password() });
    setMe(user);
    navigate(nextPath(params.next), { replace: true });
  });
  return (
    <AuthCard
      title="Sign in"
      subtitle="Welcome back to Keyflow."
      footer={
        <>
          New here?{" "}
          <A href={`/signup${params.next ? `?next=${encodeURIComponent(nextPath(params.next))}` : ""}`}>
            Create an account
          </A>
        </>
      }
    >
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          signIn.run();
        }}
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
        <ErrorBox error={signIn.error()} />
        <Button type="submit" variant="primary" pending={signIn.pending()} class="btn-block">
          Sign in
        </Button>
      </form>
    </AuthCard>
  );
}
