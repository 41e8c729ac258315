import { useLocation } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { FormDialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { TextField } from "../../../components/Field";
import { Loading } from "../../../components/Loading";
import { createAction } from "../../../lib/action";
import { errorMessage, type RouterOutputs, trpc } from "../../../lib/trpc";
import type { Role } from "./RoleEditor";

type Member = RouterOutputs["members"]["list"][number];

/** Checkboxes for the roles a member may hold (the public role is everyone's and is not assigned). */
function RolePicker(props: {
  roles: Role[];
  selected: number[];
  onChange: (ids: number[]) => void;
  label: string;
  /** Roles that cannot be unticked here, with why (the only owner keeps the owner role). */
  locked?: { ids: number[]; why: string };
}) {
  return (
    <fieldset class="role-picker">
      <legend class="sr-only">{props.label}</legend>
      <For each={props.roles.filter((r) => !r.isPublic)}>
        {(r) => (
          <label class="chip-check" title={props.locked?.ids.includes(r.id) ? props.locked.why : undefined}>
            <input
              type="checkbox"
              checked={props.selected.includes(r.id)}
              disabled={props.locked?.ids.includes(r.id)}
              onChange={(e) =>
                props.onChange(
                  e.currentTarget.checked
                    ? [...props.selected, r.id]
                    : props.selected.filter((x) => x !== r.id),
                )
              }
            />
            {r.name}
          </label>
        )}
      </For>
    </fieldset>
  );
}

const ONLY_OWNER = "A project needs an owner: give someone else the owner role first.";

function MemberRow(props: {
  member: Member;
  projectId: number;
  roles: Role[];
  /** The member is the project's only owner: they can be neither removed nor lose the owner role. */
  onlyOwner: boolean;
  onChanged: () => void;
}) {
  const [selected, setSelected] = createSignal(props.member.roles.map((r) => r.id));
  const dirty = () => {
    const a = [...selected()].sort().join();
    const b = props.member.roles
      .map((r) => r.id)
      .sort()
      .join();
    return a !== b;
  };
  const save = createAction(() =>
    trpc.members.setRoles.mutate({
      projectId: props.projectId,
      userId: props.member.userId,
      roleIds: selected(),
    }),
  );
  return (
    <tr id={`member-${props.member.userId}`}>
      <td>
        <div class="strong">{props.member.name}</div>
        <div class="muted small">{props.member.email}</div>
      </td>
      <td>
        <RolePicker
          roles={props.roles}
          selected={selected()}
          onChange={setSelected}
          label={`Roles of ${props.member.name}`}
          locked={
            props.onlyOwner
              ? { ids: props.roles.filter((r) => r.isOwner).map((r) => r.id), why: ONLY_OWNER }
              : undefined
          }
        />
        <ErrorBox error={save.error()} />
      </td>
      <td class="right nowrap">
        <div class="row end">
          <Button
            size="sm"
            variant="primary"
            disabled={!dirty()}
            pending={save.pending()}
            onClick={async () => {
              if (await save.run()) props.onChanged();
            }}
          >
            Save
          </Button>
          <Show
            when={!props.onlyOwner}
            fallback={
              <span class="muted small only-owner" title={ONLY_OWNER}>
                Only owner
              </span>
            }
          >
            <ConfirmButton
              size="sm"
              label="Remove"
              title={`Remove ${props.member.name}?`}
              message={
                <>
                  <p>
                    {props.member.name} ({props.member.email}) loses every role in this project.
                  </p>
                  <Show when={props.member.activeKeys.length > 0}>
                    <p>
                      In a private project their API keys are revoked too:{" "}
                      <strong>{props.member.activeKeys.map((k) => k.templateName).join(", ")}</strong>.
                    </p>
                  </Show>
                </>
              }
              confirmLabel="Remove member"
              onConfirm={async () => {
                await trpc.members.remove.mutate({ projectId: props.projectId, userId: props.member.userId });
                props.onChanged();
              }}
            />
          </Show>
        </div>
      </td>
    </tr>
  );
}

function AddMemberDialog(props: {
  projectId: number;
  roles: Role[];
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onAdded: () => void;
}) {
  const [email, setEmail] = createSignal("");
  const [roleIds, setRoleIds] = createSignal<number[]>([]);
  const add = createAction(() =>
    trpc.members.add.mutate({ projectId: props.projectId, email: email(), roleIds: roleIds() }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Add member"
      description="The user needs a Keyflow account; they are told by e-mail."
      submitLabel="Add member"
      pending={add.pending()}
      onSubmit={async () => {
        if (await add.run()) {
          setEmail("");
          setRoleIds([]);
          props.onAdded();
        }
      }}
    >
      <div class="stack">
        <TextField label="E-mail" type="email" required value={email()} onInput={setEmail} />
        <div class="field">
          <span class="field-label">Roles</span>
          <RolePicker roles={props.roles} selected={roleIds()} onChange={setRoleIds} label="Roles" />
        </div>
        <ErrorBox error={add.error()} />
      </div>
    </FormDialog>
  );
}

export function Members(props: { projectId: number; roles: Role[] }) {
  const [members, { refetch }] = createResource(
    () => props.projectId,
    (projectId) => trpc.members.list.query({ projectId }),
  );
  const [adding, setAdding] = createSignal(false);
  // a link to one member (the audit log's #member-<id>): scroll to their row once it is there
  const location = useLocation();
  createEffect(() => {
    const hash = location.hash.replace(/^#/, "");
    if (!members.latest || !hash.startsWith("member-")) return;
    queueMicrotask(() => {
      const row = document.getElementById(hash);
      row?.scrollIntoView({ block: "center" });
      row?.classList.add("linked");
    });
  });
  const ownerRoles = () => new Set(props.roles.filter((r) => r.isOwner).map((r) => r.id));
  /** Members holding the owner role. */
  const owners = (list: Member[]) =>
    list.filter((m) => m.roles.some((r) => ownerRoles().has(r.id))).map((m) => m.userId);
  return (
    <section class="card flush">
      <div class="card-head">
        <h2 class="card-title">Members</h2>
        <Button size="sm" variant="primary" onClick={() => setAdding(true)}>
          + Add member
        </Button>
      </div>
      <Show when={!members.error} fallback={<ErrorBox error={errorMessage(members.error)} class="m" />}>
        <Show when={members.latest} fallback={<Loading />}>
          {(list) => (
            <div class="table-scroll">
              <table class="table members-table">
                <thead>
                  <tr>
                    <th>Member</th>
                    <th>Roles</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(m) => (
                      <MemberRow
                        member={m}
                        projectId={props.projectId}
                        roles={props.roles}
                        onlyOwner={owners(list()).length === 1 && owners(list())[0] === m.userId}
                        onChanged={refetch}
                      />
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </Show>
      <AddMemberDialog
        projectId={props.projectId}
        roles={props.roles}
        open={adding()}
        onOpenChange={setAdding}
        onAdded={() => {
          setAdding(false);
          refetch();
        }}
      />
    </section>
  );
}
