import { webPaths } from "@keyflow/schemas";
import { A, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, createSignal, on, onCleanup, Show } from "solid-js";
import { createAction } from "../lib/action";
import { me, setMe } from "../lib/session";
import { trpc } from "../lib/trpc";
import { Icon } from "./Icon";

/**
 * The top bar: brand, main navigation and the signed-in user. On a narrow screen the navigation
 * and the user's links fold behind a menu button (aria-expanded); it closes on navigation,
 * Escape, or a click outside it.
 */
export function TopBar() {
  const navigate = useNavigate();
  const location = useLocation();
  const [open, setOpen] = createSignal(false);
  let header: HTMLElement | undefined;
  let toggle: HTMLButtonElement | undefined;
  createEffect(
    on(
      () => location.pathname,
      () => setOpen(false),
      { defer: true },
    ),
  );
  const signOut = createAction(async () => {
    await trpc.auth.signOut.mutate();
    setMe(null);
    navigate(webPaths.signIn);
  });
  // while open: Escape, a click outside (a click may not move focus, as on Safari) or focus
  // moving outside closes it
  const outside = (target: EventTarget | null) => !header?.contains(target as Node | null);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    setOpen(false);
    toggle?.focus();
  };
  const onPointerDown = (e: PointerEvent) => outside(e.target) && setOpen(false);
  const onFocusIn = (e: FocusEvent) => outside(e.target) && setOpen(false);
  createEffect(() => {
    if (!open()) return;
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("focusin", onFocusIn);
    onCleanup(() => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("focusin", onFocusIn);
    });
  });
  return (
    <header class="topbar" ref={header}>
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
      <Show
        when={me()}
        fallback={
          <div class="topbar-user">
            <A href={webPaths.signIn} class="btn btn-secondary btn-sm">
              Sign in
            </A>
          </div>
        }
      >
        {(u) => (
          <>
            <button
              type="button"
              ref={toggle}
              class="icon-btn topbar-toggle"
              aria-label="Menu"
              aria-expanded={open() ? "true" : "false"}
              aria-controls="topbar-menu"
              onClick={() => setOpen(!open())}
            >
              <Icon name={open() ? "x" : "menu"} size={22} />
            </button>
            <div id="topbar-menu" class={`topbar-menu ${open() ? "open" : ""}`}>
              <nav class="topnav" aria-label="Main">
                <A href={webPaths.projects} activeClass="active">
                  Projects
                </A>
                <A href={webPaths.myKeys} activeClass="active">
                  My keys
                </A>
                <A href={webPaths.mailbox} activeClass="active">
                  Dev mailbox
                </A>
              </nav>
              <div class="topbar-user">
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
              </div>
            </div>
          </>
        )}
      </Show>
    </header>
  );
}
