import { createSignal, onCleanup, Show } from "solid-js";
import { expiresIn, formatDateTime } from "../lib/format";

/**
 * "expires in 3 days" as an amber badge while a key is inside the expiry-notice window (7 days,
 * SPEC §12), nothing otherwise; the moment itself on hover. Pass `at` only for a key still in use
 * (active or suspended): a revoked key does not expire any more. Counts down each minute.
 */
export function ExpiresSoon(props: { at: Date | string | null | undefined }) {
  const [now, setNow] = createSignal(new Date());
  const timer = setInterval(() => setNow(new Date()), 60_000);
  onCleanup(() => clearInterval(timer));
  const text = () => expiresIn(props.at, now());
  return (
    <Show when={text()}>
      {(t) => (
        <span class="badge badge-amber expires-soon" title={`Expires ${formatDateTime(props.at)}`}>
          {t()}
        </span>
      )}
    </Show>
  );
}
