import { webPaths } from "@keyflow/schemas";
import { A, useNavigate } from "@solidjs/router";
import { Show } from "solid-js";
import { createAction } from "../lib/action";
import { me, setMe } from "../lib/session";
import { trpc } from "../lib/trpc";

export function TopBar() {
  const navigate = useNavigate();
  const signOut = createAction(async () => {
    await trpc.auth.signOut.mutate();
    setMe(null);
    navigate(webPaths.signIn);
  });
  return (
    <header class="topbar">
      <A href={webPaths.projects} class="brand">
        <span class="brand-mark" aria-hidden="true">
          <svg viewBox="0 0 32 32" width="22" height="22" role="img" aria-label="Keyflow">
            <rect width="32" height="32" rx="8" fill="currentColor" />
            <path
              d="M9 22V10m0 6 8-6m-8 6 8 6m2-6h5"
              stroke="white"
              stroke-width="2.5"
              fill="none"
              stroke-linecap="round"
            />
          </svg>
        </span>
        Keyflow
      </A>
      <nav class="topnav">
        <Show when={me()}>
          <A href={webPaths.projects} activeClass="active">
            Projects
          </A>
          <A href={webPaths.mailbox} activeClass="active">
            Dev mailbox
          </A>
        </Show>
      </nav>
      <div class="topbar-user">
        <Show
          when={me()}
          fallback={
            <A href={webPaths.signIn} class="btn btn-secondary btn-sm">
              Sign in
            </A>
          }
        >
          {(u) => (
            <>
              <A
                href={webPaths.account}
                class="user-link"
                activeClass="active"
                title={`${u().email}: account settings`}
              >
                <span class="avatar" aria-hidden="true">
                  {u().name.slice(0, 1).toUpperCase()}
                </span>
                <span class="user-name">{u().name}</span>
              </A>
              <button
                type="button"
                class="btn btn-ghost btn-sm"
                disabled={signOut.pending()}
                onClick={() => signOut.run()}
              >
                Sign out
              </button>
            </>
          )}
        </Show>
      </div>
    </header>
  );
}
