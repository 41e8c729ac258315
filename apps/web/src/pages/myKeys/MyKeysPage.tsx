import { webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createMemo, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { usePageTitle } from "../../lib/title";
import { errorMessage, trpc } from "../../lib/trpc";
import { KeyCard } from "./KeyCard";
import { RollDialog } from "./RollDialog";
import type { MyKey } from "./types";

/**
 * My keys (SPEC §12): every API key the caller holds, across projects, with its state, expiry,
 * usage this month and where it is imported; roll, reveal and revoke from here.
 */
export default function MyKeysPage() {
  usePageTitle("My keys");
  // a store keyed by id keeps each card (and a revealed token) in place across refreshes
  const [keys, setKeys] = createStore<{ list: MyKey[] }>({ list: [] });
  const [loaded, { refetch }] = createResource(async () => {
    setKeys("list", reconcile(await trpc.apiKeys.mine.query(), { key: "id" }));
    return true;
  });
  const [rollingId, setRollingId] = createSignal<number | null>(null);
  const rolling = () => keys.list.find((k) => k.id === rollingId()) ?? null;
  // grace ends and "expires in …" pass while the page is open
  const [now, setNow] = createSignal(new Date());
  const timer = setInterval(() => setNow(new Date()), 30_000);
  onCleanup(() => clearInterval(timer));
  const inUse = createMemo(() => keys.list.filter((k) => k.state === "active" || k.state === "suspended"));
  const ended = createMemo(() => keys.list.filter((k) => k.state === "revoked" || k.state === "expired"));
  const changed = () => {
    setNow(new Date());
    void refetch();
  };
  const card = (k: MyKey) => (
    <KeyCard keyInfo={k} now={now()} onRoll={() => setRollingId(k.id)} onChanged={changed} />
  );

  return (
    <div class="page my-keys">
      <PageHeader
        title="My keys"
        subtitle="Every API key you hold, in every project: its state, its usage this month and where you imported it."
      />
      <Show when={!loaded.error} fallback={<ErrorBox error={errorMessage(loaded.error)} />}>
        <Show when={loaded()} fallback={<Loading />}>
          <Show
            when={keys.list.length > 0}
            fallback={
              <div class="empty my-keys-empty">
                <p>You hold no API keys yet.</p>
                <p>
                  To get one, open a project under <A href={webPaths.projects}>Projects</A> and press{" "}
                  <strong>REQUEST</strong> on one of the API keys on its About page. Once the project's owner
                  approves it, your key is listed here.
                </p>
              </div>
            }
          >
            <Show when={inUse().length > 0}>
              <section class="section" aria-labelledby="keys-in-use">
                <h2 id="keys-in-use">In use</h2>
                <div class="my-key-list">
                  <For each={inUse()}>{card}</For>
                </div>
              </section>
            </Show>
            <Show when={ended().length > 0}>
              <section class="section" aria-labelledby="keys-ended">
                <h2 id="keys-ended">Revoked and expired</h2>
                <div class="my-key-list">
                  <For each={ended()}>{card}</For>
                </div>
              </section>
            </Show>
          </Show>
        </Show>
      </Show>
      <RollDialog keyInfo={rolling()} onClose={() => setRollingId(null)} onRolled={changed} />
    </div>
  );
}
