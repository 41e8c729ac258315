/**
 * Paths of the web app, used by its router and by every link that points into it (e-mails, the
 * API's redirects). One place, so an e-mail can never link to a page the app does not have.
 */
export const PROJECT_SECTIONS = {
  about: "",
  graph: "/graph",
  permissions: "/permissions",
  secrets: "/secrets",
  apiKeys: "/api-keys",
  issuedKeys: "/issued-keys",
  audit: "/audit",
} as const;
export type ProjectSection = keyof typeof PROJECT_SECTIONS;

export const webPaths = {
  home: "/",
  signIn: "/signin",
  signUp: "/signup",
  account: "/account",
  mailbox: "/mailbox",
  projects: "/projects",
  /** every key the user holds, across projects (SPEC §12 "My keys") */
  myKeys: "/keys",
  /** The router's pattern for a project's pages. */
  projectPattern: "/projects/:projectId",
  project: (projectId: number | string, section: ProjectSection = "about") =>
    `/projects/${projectId}${PROJECT_SECTIONS[section]}`,
} as const;

/** An absolute link for e-mails: APP_URL (with or without a trailing slash) + a web path. */
export const webUrl = (appUrl: string, path: string) => `${appUrl.replace(/\/+$/, "")}${path}`;
