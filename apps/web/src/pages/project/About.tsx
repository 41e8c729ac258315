import { webPaths } from "@keyflow/schemas";
import { useNavigate } from "@solidjs/router";
import { createResource, createSignal, Show } from "solid-js";
import { Button } from "../../components/Button";
import { FormDialog } from "../../components/Dialog";
import { ErrorBox } from "../../components/ErrorBox";
import { CheckboxField, TextAreaField, TextField } from "../../components/Field";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { When } from "../../components/When";
import { createAction } from "../../lib/action";
import { errorMessage, type RouterOutputs, trpc } from "../../lib/trpc";
import { KeyTiles } from "./about/KeyTiles";
import { useProject } from "./context";

type AboutInfo = RouterOutputs["projects"]["about"];

function EditProjectDialog(props: {
  about: AboutInfo;
  open: boolean;
  onOpenChange: (v: boolean) => void;
  onSaved: () => void;
}) {
  const [name, setName] = createSignal(props.about.name);
  const [description, setDescription] = createSignal(props.about.description);
  const [isPublic, setPublic] = createSignal(props.about.isPublic);
  const save = createAction(() =>
    trpc.projects.update.mutate({
      projectId: props.about.id,
      name: name(),
      description: description(),
      isPublic: isPublic(),
    }),
  );
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title="Edit project"
      submitLabel="Save"
      pending={save.pending()}
      onSubmit={async () => {
        if (await save.run()) props.onSaved();
      }}
    >
      <div class="stack">
        <TextField label="Name" required value={name()} onInput={setName} />
        <TextAreaField label="Description" rows={6} value={description()} onInput={setDescription} />
        <CheckboxField
          label="Public project"
          hint="every signed-in user can see this About page"
          checked={isPublic()}
          onChange={setPublic}
        />
        <ErrorBox error={save.error()} />
      </div>
    </FormDialog>
  );
}

function DeleteProject(props: { about: AboutInfo }) {
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  const [typed, setTyped] = createSignal("");
  const del = createAction(() => trpc.projects.delete.mutate({ projectId: props.about.id }));
  return (
    <div class="card danger-zone">
      <div class="row between">
        <div>
          <h3>Delete project</h3>
          <p class="muted small">
            Revokes every API key it issued, cancels its requests and jobs. This cannot be undone.
          </p>
        </div>
        <Button variant="danger" onClick={() => setOpen(true)}>
          Delete project
        </Button>
      </div>
      <FormDialog
        open={open()}
        onOpenChange={setOpen}
        title="Delete project"
        submitLabel="Delete project"
        danger
        pending={del.pending()}
        submitDisabled={typed() !== props.about.name}
        onSubmit={async () => {
          if (await del.run()) navigate(webPaths.projects);
        }}
      >
        <div class="stack">
          <p>
            Type <strong>{props.about.name}</strong> to confirm.
          </p>
          <TextField label="Project name" value={typed()} onInput={setTyped} />
          <ErrorBox error={del.error()} />
        </div>
      </FormDialog>
    </div>
  );
}

export default function About() {
  const { projectId, can, refetch } = useProject();
  const [about, { refetch: refetchAbout }] = createResource(projectId, (id) =>
    trpc.projects.about.query({ projectId: id }),
  );
  const [editing, setEditing] = createSignal(false);
  return (
    <Show when={!about.error} fallback={<ErrorBox error={errorMessage(about.error)} />}>
      <Show when={about.latest} fallback={<Loading />}>
        {(a) => (
          <div class="page">
            <PageHeader
              title={a().name}
              subtitle={
                <>
                  {a().isPublic ? "Public project" : "Private project"} · created <When at={a().createdAt} />
                </>
              }
              actions={
                <Show when={can("project_edit")}>
                  <Button onClick={() => setEditing(true)}>Edit</Button>
                </Show>
              }
            />
            <div class="card">
              <h2 class="card-title">Description</h2>
              <Show when={a().description} fallback={<p class="muted">No description yet.</p>}>
                <p class="prewrap">{a().description}</p>
              </Show>
            </div>
            <KeyTiles tiles={a().keyTiles} projectName={a().name} onChanged={refetchAbout} />
            <Show when={can("project_manage")}>
              <DeleteProject about={a()} />
            </Show>
            <Show when={editing()}>
              <EditProjectDialog
                about={a()}
                open={editing()}
                onOpenChange={setEditing}
                onSaved={() => {
                  setEditing(false);
                  refetchAbout();
                  refetch();
                }}
              />
            </Show>
          </div>
        )}
      </Show>
    </Show>
  );
}
