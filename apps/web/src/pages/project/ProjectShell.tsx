import { type ProjectPermission, type ProjectSection, webPaths } from "@keyflow/schemas";
import { A, Navigate, type RouteSectionProps, useLocation, useParams } from "@solidjs/router";
import { createMemo, createResource, For, Show } from "solid-js";
import { ErrorBox } from "../../components/ErrorBox";
import { Icon, type IconName } from "../../components/Icon";
import { Loading } from "../../components/Loading";
import { signInPath } from "../../lib/paths";
import { me } from "../../lib/session";
import { errorCode, errorMessage, trpc } from "../../lib/trpc";
import { ProjectContext, type ProjectContextValue } from "./context";

interface NavItem {
  section: ProjectSection;
  label: string;
  icon: IconName;
  /** Shown only with this permission (the server checks anyway). */
  needs?: ProjectPermission;
  /** …or with any of these, project-wide or on some node. */
  needsAny?: ProjectPermission[];
}

const NAV: NavItem[] = [
  { section: "about", label: "About", icon: "info" },
  { section: "graph", label: "Graph", icon: "graph", needs: "graph_view" },
  { section: "permissions", label: "Permissions", icon: "shield", needs: "project_manage" },
  // code_view alone shows the names of the secrets granted to nodes it can see
  { section: "secrets", label: "Secrets", icon: "lock", needsAny: ["project_manage", "code_view"] },
  { section: "apiKeys", label: "API keys", icon: "key", needs: "project_manage" },
  { section: "issuedKeys", label: "Issued keys", icon: "table", needs: "project_manage" },
  { section: "audit", label: "Audit log", icon: "list", needs: "project_manage" },
];

export default function ProjectShell(props: RouteSectionProps) {
  const params = useParams();
  const location = useLocation();
  const projectId = createMemo(() => Number(params.projectId));
  const [project, { refetch }] = createResource(projectId, (id) =>
    trpc.projects.get.query({ projectId: id }),
  );
  // without project_view a public project still shows its About page
  const limited = () => project.error && errorCode(project.error) === "NOT_FOUND";
  const [about] = createResource(
    () => (limited() ? projectId() : false),
    (id) => trpc.projects.about.query({ projectId: id }),
  );

  // reading a resource that failed rethrows its error, so read them through these
  const proj = () => (project.error ? undefined : project());
  const aboutInfo = () => (about.error ? undefined : about());
  const perms = createMemo(() => new Set<string>(proj()?.permissions ?? []));
  const onSomeNode = (p: string) =>
    perms().has(p) || Object.values<string[]>(proj()?.nodePermissions ?? {}).some((list) => list.includes(p));
  const visible = (n: NavItem) =>
    (!n.needs || perms().has(n.needs)) && (!n.needsAny || n.needsAny.some(onSomeNode));
  const ctx: ProjectContextValue = {
    projectId,
    project: proj,
    can: (p) => perms().has(p),
    canOnNode: (p, nodeId) => {
      if (perms().has(p)) return true;
      const node: string[] | undefined = proj()?.nodePermissions[String(nodeId)];
      return node?.includes(p) ?? false;
    },
    refetch,
  };
  const name = () => proj()?.name ?? aboutInfo()?.name;

  return (
    <ProjectContext.Provider value={ctx}>
      <div class="project-layout">
        <aside class="sidenav">
          <div class="sidenav-inner">
            <div class="sidenav-title" title={name()}>
              {name() ?? "…"}
            </div>
            <nav>
              <For each={NAV.filter(visible)}>
                {(item) => (
                  <A
                    href={webPaths.project(projectId(), item.section)}
                    // About's path is a prefix of every other section's
                    end={item.section === "about"}
                    activeClass="active"
                    class="sidenav-link"
                  >
                    <Icon name={item.icon} />
                    {item.label}
                  </A>
                )}
              </For>
            </nav>
          </div>
        </aside>
        <section class="project-content">
          <Show
            when={!project.error || (limited() && !about.error)}
            fallback={
              <Show
                when={me.loading || me()}
                fallback={<Navigate href={signInPath(location.pathname + location.search)} />}
              >
                <div class="page">
                  <ErrorBox error={errorMessage(about.error ?? project.error)} />
                  <p>
                    <A href={webPaths.projects}>Back to projects</A>
                  </p>
                </div>
              </Show>
            }
          >
            <Show when={proj() || aboutInfo()} fallback={<Loading />}>
              {props.children}
            </Show>
          </Show>
        </section>
      </div>
    </ProjectContext.Provider>
  );
}
