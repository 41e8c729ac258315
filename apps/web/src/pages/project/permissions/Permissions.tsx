import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Loading } from "../../../components/Loading";
import { PageHeader } from "../../../components/PageHeader";
import { errorMessage, trpc } from "../../../lib/trpc";
import { useProject } from "../context";
import { CreateRoleDialog } from "./CreateRoleDialog";
import { Members } from "./Members";
import { type NodeRef, RoleEditor } from "./RoleEditor";

export default function Permissions() {
  const { projectId, can } = useProject();
  const [roles, { refetch }] = createResource(projectId, (id) => trpc.roles.list.query({ projectId: id }));
  const [nodes] = createResource(projectId, async (id): Promise<NodeRef[]> => {
    if (!can("graph_view")) return [];
    const g = await trpc.graph.get.query({ projectId: id });
    return g.nodes.map((n) => ({ id: n.id, name: n.name }));
  });
  const [selectedId, setSelectedId] = createSignal<number | null>(null);
  const [creating, setCreating] = createSignal(false);
  const roleList = () => (roles.error ? [] : (roles.latest ?? []));
  const selected = createMemo(() => roleList().find((r) => r.id === selectedId()) ?? roleList()[0]);

  return (
    <div class="page">
      <PageHeader
        title="Permissions"
        subtitle="Roles bundle permissions; members hold roles. A public role applies to everyone."
      />
      <Show when={!roles.error} fallback={<ErrorBox error={errorMessage(roles.error)} />}>
        <Show when={roles.latest} fallback={<Loading />}>
          <section class="card flush">
            <div class="card-head">
              <h2 class="card-title">Roles</h2>
              <Button size="sm" variant="primary" onClick={() => setCreating(true)}>
                + New role
              </Button>
            </div>
            <div class="roles-layout">
              <ul class="role-list" aria-label="Roles">
                <For each={roleList()}>
                  {(r) => (
                    <li>
                      <button
                        type="button"
                        class={`role-item ${selected()?.id === r.id ? "active" : ""}`}
                        onClick={() => setSelectedId(r.id)}
                      >
                        <span>{r.name}</span>
                        <span class="row gap-xs">
                          <Show when={r.isOwner}>
                            <span class="badge">Owner</span>
                          </Show>
                          <Show when={r.isPublic}>
                            <span class="badge badge-green">Public</span>
                          </Show>
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <div class="role-detail">
                <Show when={nodes.error}>
                  <ErrorBox error={`Nodes could not be loaded: ${errorMessage(nodes.error)}`} />
                </Show>
                {/* keyed by id: a refetch after saving keeps the editor (and its "Role saved") */}
                <Show when={selected()?.id} keyed>
                  {(id) => (
                    <RoleEditor
                      role={roleList().find((r) => r.id === id) ?? selected()!}
                      nodes={nodes.error ? [] : (nodes() ?? [])}
                      onSaved={refetch}
                      onDeleted={() => {
                        setSelectedId(null);
                        refetch();
                      }}
                    />
                  )}
                </Show>
              </div>
            </div>
          </section>
          <Members projectId={projectId()} roles={roleList()} />
        </Show>
      </Show>
      <CreateRoleDialog
        projectId={projectId()}
        open={creating()}
        onOpenChange={setCreating}
        onCreated={(role) => {
          setCreating(false);
          setSelectedId(role.id);
          refetch();
        }}
      />
    </div>
  );
}
