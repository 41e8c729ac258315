import { Navigate, useLocation } from "@solidjs/router";
import { type JSX, Show } from "solid-js";
import { signInPath } from "../lib/paths";
import { me } from "../lib/session";
import { Loading } from "./Loading";

/** Renders its children for a signed-in user, otherwise sends them to sign in (and back). */
export function RequireAuth(props: { children: JSX.Element }) {
  const location = useLocation();
  return (
    <Show when={!me.loading} fallback={<Loading />}>
      <Show when={me()} fallback={<Navigate href={signInPath(location.pathname + location.search)} />}>
        {props.children}
      </Show>
    </Show>
  );
}
