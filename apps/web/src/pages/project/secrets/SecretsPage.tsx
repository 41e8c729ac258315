import { secretEnvName } from "@keyflow/schemas";
import { useLocation } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { AddSecretDialog } from "./AddSecretDialog";
import { ImportKeyDialog } from "./ImportKeyDialog";
import { groupByImport, KeyGroup } from "./KeyGroup";
import { SecretPanel } from "./SecretPanel";
import type { Secret } from "./types";

export default function SecretsPage() {
  const { projectId, can } = useProject();
  const manage = () => can("project_manage");
  const [adding, setAdding] = createSignal(false);
  const [importing, setImporting] = createSignal(false);
  // a store keyed by id keeps each panel (and an open edit form) alive across refreshes
  const [secrets, setSecrets] = createStore<{ list: Secret[] }>({ list: [] });
  const [loaded, { refetch }] = createResource(projectId, async (id) => {
    const list = await trpc.secrets.list.query({ projectId: id });
    setSecrets("list", reconcile(list, { key: "id" }));
    return true;
  });
  const [graph] = createResource(
    () => (can("graph_view") ? projectId() : false),
    (id) => trpc.graph.get.query({ projectId: id }),
  );
  // the caller's own keys: the import menu, and names for the sources of imported secrets
  const [keys, { refetch: refetchKeys }] = createResource(
    () => manage(),
    () => trpc.apiKeys.mine.query(),
  );
  const nodes = () => (graph.error ? [] : (graph()?.nodes ?? []));
  const keyList = () => (keys.error ? [] : (keys() ?? []));

  const byName = (a: Secret, b: Secret) => a.name.toLowerCase().localeCompare(b.name.toLowerCase());
  const replace = (s: Secret) => setSecrets("list", (x) => x.id === s.id, reconcile(s, { key: "id" }));
  const add = (created: Secret[]) =>
    setSecrets("list", (list) =>
      [...list.filter((x) => !created.some((c) => c.id === x.id)), ...created].sort(byName),
    );
  const remove = (id: number) => setSecrets("list", (list) => list.filter((x) => x.id !== id));
  const replaceAll = (changed: Secret[]) => {
    for (const s of changed) replace(s);
  };
  // each import of an API key is one group (managers see where secrets came from)
  const grouped = createMemo(() => groupByImport(secrets.list));
  const panel = (s: Secret) => (
    <SecretPanel
      secret={s}
      nodes={nodes()}
      keys={keyList()}
      manage={manage()}
      onChanged={replace}
      onDeleted={() => remove(s.id)}
    />
  );
  // a link to one secret or key group (the audit log's): scroll to it once the list is there
  const location = useLocation();
  createEffect(() => {
    const hash = location.hash.replace(/^#/, "");
    if (!loaded() || !hash) return;
    queueMicrotask(() => {
      const el = document.getElementById(decodeURIComponent(hash));
      if (!el) return;
      el.scrollIntoView({ block: "start" });
      el.classList.add("linked");
    });
  });

  return (
    <div class="page">
      <PageHeader
        title="Secrets"
        subtitle={`Encrypted values that chosen nodes read in their jobs as environment variables ${secretEnvName("<name>")}.`}
        actions={
          <Show when={manage()}>
            <Button
              onClick={() => {
                refetchKeys();
                setImporting(true);
              }}
            >
              <Icon name="keyPlus" size={16} /> Add API key
            </Button>
            <Button variant="primary" onClick={() => setAdding(true)}>
              <Icon name="plus" size={16} /> Add secret
            </Button>
          </Show>
        }
      />
      <Show when={!manage()}>
        <p class="notice">
          You see the names of the secrets granted to nodes whose code you can view. Values and changes need
          the <code>project_manage</code> permission.
        </p>
      </Show>
      <Show when={!loaded.error} fallback={<ErrorBox error={errorMessage(loaded.error)} />}>
        <Show when={loaded()} fallback={<Loading />}>
          <div class="row between">
            <p class="muted small">
              {secrets.list.length} secret{secrets.list.length === 1 ? "" : "s"}
            </p>
            <Button size="sm" variant="ghost" pending={loaded.loading} onClick={() => refetch()}>
              <Icon name="refresh" size={15} /> Refresh
            </Button>
          </div>
          <Show
            when={secrets.list.length > 0}
            fallback={
              <div class="empty">
                No secrets yet.
                <Show when={manage()}>
                  {" "}
                  Add one, or import an API key you hold for another project so this project's nodes can call
                  it.
                </Show>
              </div>
            }
          >
            <div class="stack secret-list">
              <For each={grouped().groups}>
                {(g) => (
                  <KeyGroup
                    group={g}
                    keys={keyList()}
                    nodes={nodes()}
                    manage={manage()}
                    onChanged={replaceAll}
                  >
                    <For each={g.secrets}>{panel}</For>
                  </KeyGroup>
                )}
              </For>
              <Show when={grouped().groups.length > 0 && grouped().others.length > 0}>
                <h2 class="secret-list-heading">Other secrets</h2>
              </Show>
              <For each={grouped().others}>{panel}</For>
            </div>
          </Show>
        </Show>
      </Show>
      <Show when={manage()}>
        <AddSecretDialog
          projectId={projectId()}
          open={adding()}
          onOpenChange={setAdding}
          onCreated={(s) => {
            setAdding(false);
            add([s]);
          }}
        />
        <ImportKeyDialog
          projectId={projectId()}
          open={importing()}
          onOpenChange={setImporting}
          keys={keys.error ? undefined : keys.latest}
          keysError={keys.error ? errorMessage(keys.error) : null}
          onImported={(created) => {
            setImporting(false);
            add(created);
          }}
        />
      </Show>
    </div>
  );
}
