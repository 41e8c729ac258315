import { webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { Button } from "../../../components/Button";
import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { CreateTemplateDialog } from "./CreateTemplateDialog";
import { Requests } from "./Requests";
import { type DeletedTemplate, TemplateTile } from "./TemplateTile";
import type { Template } from "./types";
import { createUnsaved, UnsavedContext } from "./unsaved";

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

export default function ApiKeysPage() {
  const { projectId } = useProject();
  const [creating, setCreating] = createSignal(false);
  const [deleted, setDeleted] = createSignal<DeletedTemplate | null>(null);
  // a store keyed by id keeps each tile (and its unsaved edits) alive across refreshes
  const [templates, setTemplates] = createStore<{ list: Template[] }>({ list: [] });
  const [loaded, { refetch }] = createResource(projectId, async (id) => {
    const list = await trpc.apiKeys.listTemplates.query({ projectId: id });
    setTemplates("list", reconcile(list, { key: "id" }));
    return true;
  });
  const [roles] = createResource(projectId, (id) => trpc.roles.list.query({ projectId: id }));
  const [graph] = createResource(projectId, (id) => trpc.graph.get.query({ projectId: id }));
  const unsaved = createUnsaved();

  const replace = (t: Template) => setTemplates("list", (x) => x.id === t.id, reconcile(t, { key: "id" }));
  const remove = (id: number) => setTemplates("list", (list) => list.filter((x) => x.id !== id));

  return (
    <UnsavedContext.Provider value={unsaved}>
      <div class="page">
        <PageHeader
          title="API keys"
          subtitle="Publish key templates so other users can call this project as a service, and answer their requests."
        />
        <section class="section" aria-label="API key templates">
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
          <Show when={deleted()}>
            {(d) => (
              <div class="success-box row between nowrap" role="status" aria-label="Template deleted">
                <span>
                  Template <strong>{d().name}</strong> deleted
                  {d().revokedKeys > 0 ? `; ${plural(d().revokedKeys, "key")} revoked` : ""}
                  {d().cancelledRequests > 0 ? `; ${plural(d().cancelledRequests, "request")} cancelled` : ""}
                  .
                </span>
                <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => setDeleted(null)}>
                  <Icon name="x" size={16} />
                </button>
              </div>
            )}
          </Show>
          <Show when={!loaded.error} fallback={<ErrorBox error={errorMessage(loaded.error)} />}>
            <Show when={loaded()} fallback={<Loading />}>
              <Show
                when={templates.list.length > 0}
                fallback={
                  <div class="empty empty-explained">
                    <p class="strong">No templates yet.</p>
                    <p>
                      A template lets other users call this project as a service: it sets the role their key
                      acts with, the price per request, and the information fields (project, input and output
                      node) their code needs. They request a key on the project's About page, you approve it
                      under Requests below, and their use shows under{" "}
                      <A href={webPaths.project(projectId(), "issuedKeys")}>Usage statistics</A>.
                    </p>
                    <div>
                      <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
                        <Icon name="plus" size={15} /> Create the first template
                      </Button>
                    </div>
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
                        onChanged={(updated) => {
                          setDeleted(null);
                          replace(updated);
                        }}
                        onDeleted={(d) => {
                          remove(t.id);
                          setDeleted(d);
                        }}
                      />
                    )}
                  </For>
                </div>
              </Show>
            </Show>
          </Show>
        </section>
        <Requests projectId={projectId()} onDecided={() => refetch()} />
        <CreateTemplateDialog
          projectId={projectId()}
          roles={roles.error ? [] : (roles() ?? [])}
          open={creating()}
          onOpenChange={setCreating}
          onCreated={(t) => {
            setCreating(false);
            setDeleted(null);
            setTemplates("list", (list) => [...list, t]);
          }}
        />
        <Dialog
          open={unsaved.leaving() !== null}
          onOpenChange={(open) => !open && unsaved.stay()}
          title="Leave without saving?"
          description="These edits are not saved yet and will be lost:"
          footer={
            <>
              <Button variant="ghost" onClick={() => unsaved.stay()}>
                Stay on this page
              </Button>
              <Button variant="danger" onClick={() => unsaved.leave()}>
                Leave and discard
              </Button>
            </>
          }
        >
          <ul class="unsaved-list">
            <For each={unsaved.labels()}>{(label) => <li>{label}</li>}</For>
          </ul>
        </Dialog>
      </div>
    </UnsavedContext.Provider>
  );
}
