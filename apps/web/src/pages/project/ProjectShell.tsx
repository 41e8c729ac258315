import { PROJECT_SECTIONS, type ProjectPermission, type ProjectSection, webPaths } from "@keyflow/schemas";
import { A, Navigate, type RouteSectionProps, useLocation, useParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, For, on, Show } from "solid-js";
import { ErrorBox } from "../../components/ErrorBox";
import { Icon, type IconName } from "../../components/Icon";
import { Loading } from "../../components/Loading";
import { signInPath } from "../../lib/paths";
import { me } from "../../lib/session";
import { usePageTitle } from "../../lib/title";
import { errorMessage, trpc } from "../../lib/trpc";
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
  { section: "issuedKeys", label: "Usage statistics", icon: "table", needs: "project_manage" },
  { section: "audit", label: "Audit log", icon: "list", needs: "project_manage" },
];

const SECTION_PATHS = (Object.entries(PROJECT_SECTIONS) as [ProjectSection, string][]).sort(
  (a, b) => b[1].length - a[1].length,
);

/** The section a project path shows: its longest matching suffix (About's is the empty one). */
function sectionOf(pathname: string, projectId: number): ProjectSection | undefined {
  const base = webPaths.project(projectId);
  if (!pathname.startsWith(base)) return undefined;
  const rest = pathname.slice(base.length).replace(/\/+$/, "");
  return SECTION_PATHS.find(([, suffix]) => rest === suffix || rest.startsWith(`${suffix}/`))?.[0];
}

export default function ProjectShell(props: RouteSectionProps) {
  const params = useParams();
  const location = useLocation();
  const projectId = createMemo(() => Number(params.projectId));
  // one call for everyone who may see the project: a non-member of a public project gets its
  // public view (canViewProject false, no permissions) and sees the About page only
  const [project, { refetch }] = createResource(projectId, (id) =>
    trpc.projects.get.query({ projectId: id }),
  );

  // reading a resource that failed rethrows its error, so read it through this
  const proj = () => (project.error ? undefined : project());
  const perms = createMemo(() => new Set<string>(proj()?.permissions ?? []));
  const onSomeNode = (p: string) =>
    perms().has(p) || Object.values<string[]>(proj()?.nodePermissions ?? {}).some((list) => list.includes(p));
  const visible = (n: NavItem) =>
    (!n.needs || perms().has(n.needs)) && (!n.needsAny || n.needsAny.some(onSomeNode));
  const ctx: ProjectContextValue = {
    projectId,
    project: () => (proj()?.canViewProject ? proj() : undefined),
    can: (p) => perms().has(p),
    canOnNode: (p, nodeId) => {
      if (perms().has(p)) return true;
      const node: string[] | undefined = proj()?.nodePermissions[String(nodeId)];
      return node?.includes(p) ?? false;
    },
    refetch,
  };
  const name = () => proj()?.name;
  const section = createMemo(() => sectionOf(location.pathname, projectId()));
  const sectionLabel = () => NAV.find((n) => n.section === section())?.label;
  usePageTitle(() => [sectionLabel(), name() ?? "Project"]);

  // on a phone the sections fold behind a button; following a link folds them again
  const [navOpen, setNavOpen] = createSignal(false);
  createEffect(
    on(
      () => location.pathname,
      () => setNavOpen(false),
      { defer: true },
    ),
  );

  return (
    <ProjectContext.Provider value={ctx}>
      <div class="project-layout">
        <aside class="sidenav" aria-label="Project">
          <div class="sidenav-inner">
            <div class="sidenav-head">
              <div class="sidenav-title" title={name()}>
                {name() ?? "…"}
              </div>
              <button
                type="button"
                class="btn btn-secondary btn-sm sidenav-toggle"
                aria-expanded={navOpen() ? "true" : "false"}
                aria-controls="project-sections"
                onClick={() => setNavOpen(!navOpen())}
                onKeyDown={(e) => {
                  if (e.key === "Escape") setNavOpen(false);
                }}
              >
                {sectionLabel() ?? "Sections"}
                <Icon name="chevronDown" size={16} />
              </button>
            </div>
            <nav
              id="project-sections"
              class={navOpen() ? "open" : ""}
              aria-label="Project sections"
              onKeyDown={(e) => {
                if (e.key === "Escape") setNavOpen(false);
              }}
            >
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
        <section id="project-content" class="project-content" tabindex="-1" aria-label="Project content">
          <Show
            when={!project.error}
            fallback={
              <Show
                when={me.loading || me()}
                fallback={<Navigate href={signInPath(location.pathname + location.search)} />}
              >
                <div class="page">
                  <ErrorBox error={errorMessage(project.error)} />
                  <p>
                    <A href={webPaths.projects}>Back to projects</A>
                  </p>
                </div>
              </Show>
            }
          >
            <Show when={proj()} fallback={<Loading />}>
              <Show
                when={proj()?.canViewProject || section() === "about"}
                fallback={<Navigate href={webPaths.project(projectId())} />}
              >
                {props.children}
              </Show>
            </Show>
          </Show>
        </section>
      </div>
    </ProjectContext.Provider>
  );
}
