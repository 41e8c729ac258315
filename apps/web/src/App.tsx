import { PROJECT_SECTIONS, type ProjectSection, webPaths } from "@keyflow/schemas";
import { Navigate, Route, Router, type RouteSectionProps } from "@solidjs/router";
import { type Component, lazy } from "solid-js";
import { RequireAuth } from "./components/RequireAuth";
import { TopBar } from "./components/TopBar";
import { SignIn } from "./pages/auth/SignIn";
import { SignUp } from "./pages/auth/SignUp";
import { NotFound } from "./pages/NotFound";
import { ProjectsList } from "./pages/projects/ProjectsList";

const Account = lazy(() => import("./pages/account/Account"));
const DevMailbox = lazy(() => import("./pages/mailbox/DevMailbox"));
const MyKeys = lazy(() => import("./pages/myKeys/MyKeysPage"));
const ProjectShell = lazy(() => import("./pages/project/ProjectShell"));
const About = lazy(() => import("./pages/project/About"));
const Graph = lazy(() => import("./pages/project/graph/Graph"));
const Permissions = lazy(() => import("./pages/project/permissions/Permissions"));
const Secrets = lazy(() => import("./pages/project/secrets/SecretsPage"));
const ApiKeys = lazy(() => import("./pages/project/apiKeys/ApiKeysPage"));
const IssuedKeys = lazy(() => import("./pages/project/issuedKeys/IssuedKeysPage"));
const AuditLog = lazy(() => import("./pages/project/AuditLog"));

/** Every section of a project has a page (the paths are shared with e-mail links). */
const PROJECT_PAGES: Record<ProjectSection, Component> = {
  about: About,
  graph: Graph,
  permissions: Permissions,
  secrets: Secrets,
  apiKeys: ApiKeys,
  issuedKeys: IssuedKeys,
  audit: AuditLog,
};

/** Moves focus past the navigation: to a project's content, or else to the page's main region. */
function skipToContent(e: MouseEvent) {
  e.preventDefault();
  const target = document.getElementById("project-content") ?? document.getElementById("main");
  target?.focus();
  target?.scrollIntoView({ block: "start" });
}

function Layout(props: RouteSectionProps) {
  return (
    <div class="app">
      {/* the first focusable element of every page; a native listener, so the router never sees the click */}
      <a class="skip-link" href="#main" on:click={skipToContent}>
        Skip to content
      </a>
      <TopBar />
      <main id="main" class="main" tabindex="-1">
        {props.children}
      </main>
    </div>
  );
}

function Authed(props: RouteSectionProps) {
  return <RequireAuth>{props.children}</RequireAuth>;
}

export function App() {
  return (
    <Router root={Layout}>
      <Route path={webPaths.home} component={() => <Navigate href={webPaths.projects} />} />
      <Route path={webPaths.signIn} component={SignIn} />
      <Route path={webPaths.signUp} component={SignUp} />
      <Route component={Authed}>
        <Route path={webPaths.account} component={Account} />
        <Route path={webPaths.myKeys} component={MyKeys} />
        <Route path={webPaths.mailbox} component={DevMailbox} />
        <Route path={webPaths.projects} component={ProjectsList} />
      </Route>
      {/* a project with a public role is readable signed out; ProjectShell sends others to sign in */}
      <Route path={webPaths.projectPattern} component={ProjectShell}>
        {(Object.keys(PROJECT_PAGES) as ProjectSection[]).map((section) => (
          <Route path={PROJECT_SECTIONS[section] || "/"} component={PROJECT_PAGES[section]} />
        ))}
      </Route>
      <Route path="*" component={NotFound} />
    </Router>
  );
}
