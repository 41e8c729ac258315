import { Navigate, Route, Router, type RouteSectionProps } from "@solidjs/router";
import { lazy } from "solid-js";
import { RequireAuth } from "./components/RequireAuth";
import { TopBar } from "./components/TopBar";
import { SignIn } from "./pages/auth/SignIn";
import { SignUp } from "./pages/auth/SignUp";
import { NotFound } from "./pages/NotFound";
import { ProjectsList } from "./pages/projects/ProjectsList";

const Account = lazy(() => import("./pages/account/Account"));
const DevMailbox = lazy(() => import("./pages/mailbox/DevMailbox"));
const ProjectShell = lazy(() => import("./pages/project/ProjectShell"));
const About = lazy(() => import("./pages/project/About"));
const Graph = lazy(() => import("./pages/project/graph/Graph"));
const Permissions = lazy(() => import("./pages/project/permissions/Permissions"));
const Secrets = lazy(() => import("./pages/project/secrets/SecretsPage"));
const ApiKeys = lazy(() => import("./pages/project/apiKeys/ApiKeysPage"));
const IssuedKeys = lazy(() => import("./pages/project/issuedKeys/IssuedKeysPage"));
const AuditLog = lazy(() => import("./pages/project/AuditLog"));

function Layout(props: RouteSectionProps) {
  return (
    <div class="app">
      <TopBar />
      <main class="main">{props.children}</main>
    </div>
  );
}

function Authed(props: RouteSectionProps) {
  return <RequireAuth>{props.children}</RequireAuth>;
}

export function App() {
  return (
    <Router root={Layout}>
      <Route path="/" component={() => <Navigate href="/projects" />} />
      <Route path="/signin" component={SignIn} />
      <Route path="/signup" component={SignUp} />
      <Route component={Authed}>
        <Route path="/account" component={Account} />
        <Route path="/mailbox" component={DevMailbox} />
        <Route path="/projects" component={ProjectsList} />
      </Route>
      {/* a project with a public role is readable signed out; ProjectShell sends others to sign in */}
      <Route path="/projects/:projectId" component={ProjectShell}>
        <Route path="/" component={About} />
        <Route path="/graph" component={Graph} />
        <Route path="/permissions" component={Permissions} />
        <Route path="/secrets" component={Secrets} />
        <Route path="/api-keys" component={ApiKeys} />
        <Route path="/issued-keys" component={IssuedKeys} />
        <Route path="/audit" component={AuditLog} />
      </Route>
      <Route path="*" component={NotFound} />
    </Router>
  );
}
