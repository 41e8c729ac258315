import { createResource, createSignal, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { CreateTemplateDialog } from "./CreateTemplateDialog";
import { Requests } from "./Requests";
import { TemplateTile } from "./TemplateTile";
import type { Template } from "./types";

export default function ApiKeysPage() {
  const { projectId } = useProject();
  const [creating, setCreating] = createSignal(false);
  // a store keyed by id keeps each tile (and its unsaved edits) alive across refreshes
  const [templates, setTemplates] = createStore<{ list: Template[] }>({ list: [] });
  const [loaded] = createResource(projectId, async (id) => {
    const list = await trpc.apiKeys.listTemplates.query({ projectId: id });
    setTemplates("list", reconcile(list, { key: "id" }));
    return true;
  });
  const [roles] = createResource(projectId, (id) => trpc.roles.list.query({ projectId: id }));
  const [graph] = createResource(projectId, (id) => trpc.graph.get.query({ projectId: id }));

  const replace = (t: Template) => setTemplates("list", (x) => x.id === t.id, reconcile(t, { key: "id" }));
  const remove = (id: number) => setTemplates("list", (list) => list.filter((x) => x.id !== id));

  return (
    <div class="page">
      <PageHeader
        title="API keys"
        subtitle="Publish key templates so other users can call this project as a service, and answer their requests."
      />
      <section class="section">
        <div class="row">
          <h2>API key templates</h2>
          <button
            type="button"
            class="icon-btn icon-btn-primary"
            aria-label="Add template"
            title="Add template"
            onClick={() => setCreating(true)}
          >
            <Icon name="plus" />
          </button>
        </div>
        <Show when={!loaded.error} fallback={<ErrorBox error={errorMessage(loaded.error)} />}>
          <Show when={loaded()} fallback={<Loading />}>
            <Show
              when={templates.list.length > 0}
              fallback={
                <div class="empty">
                  No templates yet.{" "}
                  <button type="button" class="link" onClick={() => setCreating(true)}>
                    Create the first one
                  </button>{" "}
                  so other users can request keys for this project.
                </div>
              }
            >
              <div class="stack">
                <For each={templates.list}>
                  {(t) => (
                    <TemplateTile
                      template={t}
                      roles={roles.error ? [] : (roles() ?? [])}
                      nodes={graph.error ? [] : (graph()?.nodes ?? [])}
                      onChanged={replace}
                      onDeleted={() => remove(t.id)}
                    />
                  )}
                </For>
              </div>
            </Show>
          </Show>
        </Show>
      </section>
      <Requests projectId={projectId()} />
      <CreateTemplateDialog
        projectId={projectId()}
        roles={roles.error ? [] : (roles() ?? [])}
        open={creating()}
        onOpenChange={setCreating}
        onCreated={(t) => {
          setCreating(false);
          setTemplates("list", (list) => [...list, t]);
        }}
      />
    </div>
  );
}
