import { useBeforeLeave } from "@solidjs/router";
import { createContext, createEffect, createSignal, onCleanup, useContext } from "solid-js";

/**
 * Unsaved edits on the API keys page: each form reports what it holds unsaved, the page warns
 * before the browser leaves (beforeunload) or the app navigates away (its own dialog).
 */
export function createUnsaved() {
  const [items, setItems] = createSignal<ReadonlyMap<string, string>>(new Map());
  const [leaving, setLeaving] = createSignal<{ retry: () => void } | null>(null);
  const set = (key: string, label: string | null) =>
    setItems((m) => {
      if ((m.get(key) ?? null) === label) return m;
      const next = new Map(m);
      if (label === null) next.delete(key);
      else next.set(key, label);
      return next;
    });
  const labels = () => [...items().values()];

  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (items().size === 0) return;
    e.preventDefault();
    e.returnValue = "";
  };
  window.addEventListener("beforeunload", onBeforeUnload);
  onCleanup(() => window.removeEventListener("beforeunload", onBeforeUnload));
  useBeforeLeave((e) => {
    if (items().size === 0 || e.defaultPrevented) return;
    e.preventDefault();
    setLeaving({ retry: () => e.retry(true) });
  });

  return {
    /** `label` while `key` holds unsaved edits, null once it does not. */
    set,
    labels,
    keys: () => [...items().keys()],
    leaving,
    stay: () => setLeaving(null),
    leave: () => {
      const l = leaving();
      setLeaving(null);
      l?.retry();
    },
  };
}

export type Unsaved = ReturnType<typeof createUnsaved>;

export const UnsavedContext = createContext<Unsaved>();

/** Reports `label()` (null: nothing unsaved) under `key` for as long as the caller lives. */
export function useUnsaved(key: string, label: () => string | null) {
  const unsaved = useContext(UnsavedContext);
  if (!unsaved) return;
  createEffect(() => unsaved.set(key, label()));
  onCleanup(() => unsaved.set(key, null));
}
