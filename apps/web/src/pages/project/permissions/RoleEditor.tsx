import { NODE_PERMISSIONS, PERMISSION_LABELS, PROJECT_PERMISSIONS } from "@keyflow/schemas";
import { createSignal, For, Show } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorBox } from "../../../components/ErrorBox";
import { CheckboxField, TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { type RouterInputs, type RouterOutputs, trpc } from "../../../lib/trpc";

export type Role = RouterOutputs["roles"]["list"][number];
export type RolePermissions = RouterInputs["roles"]["create"]["permissions"];
type ProjectPerm = RolePermissions["project"][number];
type NodePerm = NonNullable<RolePermissions["nodes"]>[string][number];

export interface NodeRef {
  id: number;
  name: string;
}

/** Edits one role; the owner role is shown read-only. */
export function RoleEditor(props: {
  role: Role;
  nodes: NodeRef[];
  onSaved: () => void;
  onDeleted: () => void;
}) {
  const readOnly = () => props.role.isOwner;
  const [name, setName] = createSignal(props.role.name);
  const [description, setDescription] = createSignal(props.role.description);
  const [isPublic, setPublic] = createSignal(props.role.isPublic);
  const [perms, setPerms] = createStore({
    project: [...props.role.permissions.project] as ProjectPerm[],
    nodes: Object.fromEntries(
      Object.entries(props.role.permissions.nodes).map(([k, v]) => [k, [...v] as NodePerm[]]),
    ) as Record<string, NodePerm[]>,
  });

  // "Role saved" stays until the next edit
  const [saved, setSaved] = createSignal(false);
  const edited =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      setSaved(false);
      f(...a);
    };
  const toggleProject = (p: ProjectPerm, on: boolean) =>
    setPerms("project", (list) => (on ? [...list, p] : list.filter((x) => x !== p)));
  const toggleNode = (nodeId: number, p: NodePerm, on: boolean) =>
    setPerms(
      produce((s) => {
        const list = s.nodes[String(nodeId)] ?? [];
        s.nodes[String(nodeId)] = on ? [...list, p] : list.filter((x) => x !== p);
      }),
    );

  const save = createAction(() =>
    trpc.roles.update.mutate({
      roleId: props.role.id,
      name: name(),
      description: description(),
      isPublic: isPublic(),
      permissions: { project: [...perms.project], nodes: { ...perms.nodes } },
    }),
  );

  return (
    <div class="stack role-editor">
      <Show when={readOnly()}>
        <div class="notice">The owner role holds every permission. It cannot be edited or deleted.</div>
      </Show>
      <div class="grid-2">
        <TextField label="Role name" value={name()} onInput={edited(setName)} disabled={readOnly()} />
        <TextField
          label="Description"
          value={description()}
          onInput={edited(setDescription)}
          disabled={readOnly()}
        />
      </div>
      <CheckboxField
        label="Public role"
        hint="everyone gets it, signed-out visitors only its read permissions"
        checked={isPublic()}
        onChange={edited(setPublic)}
        disabled={readOnly()}
      />
      <fieldset class="perm-group">
        <legend>Project permissions</legend>
        <div class="perm-grid">
          <For each={PROJECT_PERMISSIONS}>
            {(p) => (
              <label class="perm-item" title={PERMISSION_LABELS[p].help}>
                <input
                  type="checkbox"
                  name={p}
                  checked={perms.project.includes(p)}
                  disabled={readOnly()}
                  onChange={(e) => edited(toggleProject)(p, e.currentTarget.checked)}
                />
                <span>
                  <code>{p}</code>
                  <span class="perm-help">{PERMISSION_LABELS[p].help}</span>
                </span>
              </label>
            )}
          </For>
        </div>
      </fieldset>
      <fieldset class="perm-group">
        <legend>Per-node grants</legend>
        <Show
          when={props.nodes.length > 0}
          fallback={
            <p class="muted small">The graph has no nodes yet. Node grants appear here once it does.</p>
          }
        >
          <div class="table-scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>Node</th>
                  <For each={NODE_PERMISSIONS}>
                    {(p) => <th class="center">{PERMISSION_LABELS[p].short}</th>}
                  </For>
                </tr>
              </thead>
              <tbody>
                <For each={props.nodes}>
                  {(node) => (
                    <tr>
                      <td>{node.name}</td>
                      <For each={NODE_PERMISSIONS}>
                        {(p) => {
                          const viaProject = () => perms.project.includes(p);
                          return (
                            <td class="center">
                              <input
                                type="checkbox"
                                aria-label={`${p} on ${node.name}`}
                                title={viaProject() ? "Granted project-wide" : p}
                                checked={viaProject() || (perms.nodes[String(node.id)] ?? []).includes(p)}
                                disabled={readOnly() || viaProject()}
                                onChange={(e) => edited(toggleNode)(node.id, p, e.currentTarget.checked)}
                              />
                            </td>
                          );
                        }}
                      </For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </fieldset>
      <ErrorBox error={save.error()} />
      <Show when={!readOnly()}>
        <div class="row between">
          <ConfirmButton
            label="Delete role"
            title={`Delete role ${props.role.name}?`}
            message="Members lose the permissions this role gave them."
            confirmLabel="Delete role"
            onConfirm={async () => {
              await trpc.roles.delete.mutate({ roleId: props.role.id });
              props.onDeleted();
            }}
          />
          <div class="row">
            <Show when={saved()}>
              <span class="saved-note" role="status">
                <Icon name="check" size={16} /> Role saved
              </span>
            </Show>
            <Button
              variant="primary"
              pending={save.pending()}
              onClick={async () => {
                setSaved(false);
                if (await save.run()) {
                  setSaved(true);
                  props.onSaved();
                }
              }}
            >
              Save role
            </Button>
          </div>
        </div>
      </Show>
    </div>
  );
}
