import { createResource } from "solid-js";
import { type RouterOutputs, trpc } from "./trpc";

export type Me = NonNullable<RouterOutputs["auth"]["me"]>;

/** The signed-in user (null when signed out), shared by the whole app. */
const [me, { mutate: setMe, refetch: refetchMe }] = createResource(() => trpc.auth.me.query());

export { me, refetchMe, setMe };
