import { webPaths } from "@keyflow/schemas";
import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { When } from "../../components/When";
import { usePageTitle } from "../../lib/title";
import { errorMessage, type RouterOutputs, trpc } from "../../lib/trpc";
import { CreateProjectDialog } from "./CreateProjectDialog";

type Project = RouterOutputs["projects"]["list"][number];

function ProjectCard(props: { project: Project }) {
  return (
    <A href={webPaths.project(props.project.id)} class="card project-card">
      <div class="row between">
        <h3>{props.project.name}</h3>
        <Show when={props.project.isPublic}>
          <span class="badge">Public</span>
        </Show>
      </div>
      <p class="muted clamp">{props.project.description || "No description"}</p>
      <p class="small muted">
        Created <When at={props.project.createdAt} />
      </p>
    </A>
  );
}

function Section(props: { title: string; projects: Project[]; empty: JSX.Element }) {
  return (
    <section class="section">
      <h2>{props.title}</h2>
      <Show when={props.projects.length > 0} fallback={<div class="empty">{props.empty}</div>}>
        <div class="grid-cards">
          <For each={props.projects}>{(p) => <ProjectCard project={p} />}</For>
        </div>
      </Show>
    </section>
  );
}

export function ProjectsList() {
  const navigate = useNavigate();
  const [projects] = createResource(() => trpc.projects.list.query());
  const [open, setOpen] = createSignal(false);
  usePageTitle("Projects");
  return (
    <div class="page">
      <PageHeader
        title="Projects"
        subtitle="Your dataflow projects, and public ones you can explore."
        actions={
          <Button variant="primary" onClick={() => setOpen(true)}>
            + New project
          </Button>
        }
      />
      <Show when={!projects.error} fallback={<ErrorBox error={errorMessage(projects.error)} />}>
        <Show when={projects()} fallback={<Loading />}>
          {(list) => (
            <>
              <Section
                title="My projects"
                projects={list().filter((p) => p.isMember)}
                empty={
                  <>
                    No projects yet.{" "}
                    <button type="button" class="link" onClick={() => setOpen(true)}>
                      Create your first project
                    </button>
                  </>
                }
              />
              <Section
                title="Public projects"
                projects={list().filter((p) => !p.isMember)}
                empty="No public projects from other users."
              />
            </>
          )}
        </Show>
      </Show>
      <CreateProjectDialog
        open={open()}
        onOpenChange={setOpen}
        onCreated={(p) => {
          setOpen(false);
          navigate(webPaths.project(p.id, "graph"));
        }}
      />
    </div>
  );
}
