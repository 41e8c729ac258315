import { createSignal } from "solid-js";
import { errorMessage } from "./trpc";

/**
 * A user action that calls the server: `pending` disables its buttons, `error` is shown next to
 * them. `run` resolves to the result, or undefined when the call failed.
 */
export function createAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  async function run(...args: A): Promise<R | undefined> {
    if (pending()) return undefined;
    setPending(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(errorMessage(e));
      return undefined;
    } finally {
      setPending(false);
    }
  }
  return { run, pending, error, clearError: () => setError(null) };
}
