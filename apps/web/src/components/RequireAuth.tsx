import { Navigate, useLocation } from "@solidjs/router";
import { type JSX, Show } from "solid-js";
import { me } from "../lib/session";
import { Loading } from "./Loading";

/** Renders its children for a signed-in user, otherwise sends them to sign in (and back). */
export function RequireAuth(props: { children: JSX.Element }) {
  const location = useLocation();
  return (
    <Show when={!me.loading} fallback={<Loading />}>
      <Show
        when={me()}
        fallback={
          <Navigate href={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} />
        }
      >
        {props.children}
      </Show>
    </Show>
  );
}
