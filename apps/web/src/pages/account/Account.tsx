import { MIN_PASSWORD, webPaths } from "@keyflow/schemas";
import { useNavigate } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ConfirmButton } from "../../components/ConfirmButton";
import { ErrorBox } from "../../components/ErrorBox";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { createAction } from "../../lib/action";
import { me, setMe } from "../../lib/session";
import { usePageTitle } from "../../lib/title";
import { trpc } from "../../lib/trpc";
import { AccessTokens } from "./AccessTokens";

/** Change the password (current + new + repeat); the server ends every other session. */
function ChangePassword() {
  const [current, setCurrent] = createSignal("");
  const [next, setNext] = createSignal("");
  const [repeat, setRepeat] = createSignal("");
  const [done, setDone] = createSignal(false);
  const change = createAction(async () => {
    if (next() !== repeat()) throw new Error("The new passwords do not match");
    await trpc.auth.changePassword.mutate({ currentPassword: current(), newPassword: next() });
    return true;
  });
  const edited = (set: (v: string) => void) => (v: string) => {
    set(v);
    setDone(false);
  };
  return (
    <section class="card narrow" aria-labelledby="change-password-title">
      <h2 id="change-password-title" class="card-title">
        Change password
      </h2>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setDone(false);
          if (await change.run()) {
            setCurrent("");
            setNext("");
            setRepeat("");
            setDone(true);
          }
        }}
      >
        <TextField
          label="Current password"
          type="password"
          name="current-password"
          autocomplete="current-password"
          required
          value={current()}
          onInput={edited(setCurrent)}
        />
        <TextField
          label="New password"
          type="password"
          name="new-password"
          autocomplete="new-password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          required
          value={next()}
          onInput={edited(setNext)}
        />
        <TextField
          label="Repeat new password"
          type="password"
          name="repeat-password"
          autocomplete="new-password"
          required
          value={repeat()}
          onInput={edited(setRepeat)}
        />
        <ErrorBox error={change.error()} />
        <Show when={done()}>
          <div class="success-box" role="status">
            Password changed; other sessions were signed out
          </div>
        </Show>
        <div class="row end">
          <Button type="submit" variant="primary" pending={change.pending()}>
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}

export default function Account() {
  const navigate = useNavigate();
  usePageTitle("Account");
  return (
    <div class="page">
      <PageHeader
        title="Account"
        subtitle={
          <Show when={me()}>
            {(u) => (
              <>
                Signed in as {u().name} ({u().email})
              </>
            )}
          </Show>
        }
      />
      <ChangePassword />
      <AccessTokens />
      <section class="card narrow" aria-labelledby="sessions-title">
        <h2 id="sessions-title" class="card-title">
          Sessions
        </h2>
        <p class="muted">Sign out of Keyflow on every browser and device, including this one.</p>
        <div>
          <ConfirmButton
            label="Sign out everywhere"
            title="Sign out everywhere?"
            message={
              <p>Every session of your account ends, including this one. You will need to sign in again.</p>
            }
            confirmLabel="Sign out everywhere"
            onConfirm={async () => {
              await trpc.auth.signOutEverywhere.mutate();
              setMe(null);
              navigate(webPaths.signIn, { replace: true });
            }}
          />
        </div>
      </section>
    </div>
  );
}
