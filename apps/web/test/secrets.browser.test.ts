import type { AppRouter } from "@keyflow/api/router";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { Browser, Page } from "playwright-core";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, launchBrowser, openPage, screenshot } from "./browser";
import { startTestServer, type TestServer } from "./server";

const PASSWORD = "correct horse battery";
const SERVICE = "Doubling service";
const TEMPLATE = "Doubler API";
const CONSUMER = "My pipeline";
const NODE = "doubler";

/** The node's code: doubles field x of its input package, and prints the (masked) token. */
const SCRIPT = `import glob, json, os

src = sorted(glob.glob("in/*/fields.json"))[0]
with open(src) as f:
    fields = json.load(f)
x = int(fields["x"])
os.makedirs("out/1", exist_ok=True)
with open("out/1/fields.json", "w") as f:
    json.dump({"x": x * 2}, f)
with open("out/1/label", "w") as f:
    f.write("doubled")
print("token:", os.environ.get("RNDFLOW_SECRET_SERVER_TOKEN"))
print("input node:", os.environ.get("RNDFLOW_SECRET_SERVER_INPUT"))
print("doubled", x, "->", x * 2)
`;

/** A tRPC client with its own cookie jar, signed up as a new user (setup outside the browser). */
async function apiUser(baseUrl: string, name: string, email: string) {
  const jar = new Map<string, string>();
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        transformer: superjson,
        fetch: async (url, init) => {
          const headers = new Headers(init?.headers);
          if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
          headers.set("origin", baseUrl);
          const res = await fetch(url, { ...(init as RequestInit), headers });
          for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(";");
            const [key, value] = (pair ?? "").split("=");
            if (!key) continue;
            if (value) jar.set(key, value);
            else jar.delete(key);
          }
          return res;
        },
      }),
    ],
  });
  await client.auth.signUp.mutate({ email, password: PASSWORD, name });
  return client;
}

async function signIn(page: Page, email: string) {
  await page.goto("/signin");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
}

describe("secrets, key import and node jobs in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let holder: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer({}, { worker: true });
    browser = await launchBrowser();
    holder = await openPage(browser, server.url);
  });

  afterAll(async () => {
    await holder?.context.close();
    await browser?.close();
    await server?.close();
  });

  it("imports a key as secrets, grants a node, runs its job, and flags the revoked key", {
    timeout: 180_000,
  }, async () => {
    // ---- setup through tRPC: A's service project with a template, B's approved key, B's project
    const a = await apiUser(server.url, "Alice Service", "alice@example.com");
    const b = await apiUser(server.url, "Bob Holder", "bob@example.com");
    const service = await a.projects.create.mutate({ name: SERVICE, isPublic: true });
    const input = await a.graph.createNode.mutate({ projectId: service.id, name: "input", kind: "data" });
    const output = await a.graph.createNode.mutate({ projectId: service.id, name: "output", kind: "data" });
    const role = await a.roles.create.mutate({
      projectId: service.id,
      name: "Key user",
      permissions: { project: ["project_view", "graph_view", "package_view", "package_create"], nodes: {} },
    });
    const template = await a.apiKeys.createTemplate.mutate({
      projectId: service.id,
      name: TEMPLATE,
      roleId: role.id,
    });
    const [filled] = await a.apiKeys.listTemplates.query({ projectId: service.id });
    expect(filled!.fields.map((f) => f.name)).toEqual(["project", "input", "output"]);
    for (const f of filled!.fields) {
      if (f.name === "input") await a.apiKeys.updateField.mutate({ fieldId: f.id, value: String(input.id) });
      if (f.name === "output")
        await a.apiKeys.updateField.mutate({ fieldId: f.id, value: String(output.id) });
    }
    const request = await b.apiKeys.request.mutate({ templateId: template.id });
    const { keyId } = await a.apiKeys.approve.mutate({ requestId: request.id });
    const consumer = await b.projects.create.mutate({ name: CONSUMER });
    const node = await b.graph.createNode.mutate({
      projectId: consumer.id,
      name: NODE,
      kind: "compute",
      runtime: "python",
      entry: "main.py",
    });
    await b.graph.createNode.mutate({ projectId: consumer.id, name: "archive", kind: "data" });

    // ---- B in the browser: Secrets → Add API key → choose the key → prefix → import
    const page = holder.page;
    // the second import below is refused on purpose (409); that is the only console noise allowed
    await signIn(page, "bob@example.com");
    await page.getByRole("link", { name: new RegExp(CONSUMER) }).click();
    await page.getByRole("link", { name: "Secrets" }).click();
    await page.getByRole("heading", { name: "Secrets" }).waitFor();
    await page.getByText("No secrets yet.").waitFor();

    await page.getByRole("button", { name: "Add API key" }).click();
    const importDialog = page.getByRole("dialog", { name: "Add API key" });
    const keyChoice = importDialog.getByRole("button", { name: `${TEMPLATE} of ${SERVICE}` });
    await keyChoice.getByText(/issued/).waitFor();
    await keyChoice.click();
    await importDialog.getByLabel("Prefix").fill("server");
    const preview = importDialog.getByRole("list", { name: "Secrets to create" });
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      await preview.getByText(name, { exact: true }).waitFor();
    await importDialog.getByText(/can use your key/).waitFor();
    await screenshot(page, "secrets-01-import-dialog");
    await importDialog.getByRole("button", { name: "Import key" }).click();
    await importDialog.waitFor({ state: "hidden" });

    const panel = (name: string) => page.getByRole("region", { name: `Secret ${name}` });
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      await panel(name).waitFor();
    await panel("server_token").getByText(`token from API key ${TEMPLATE} of ${SERVICE}`).waitFor();
    await panel("server_token").getByText("write-only: cannot be shown").waitFor();
    // a field's value can be shown by a manager
    await panel("server_input").getByRole("button", { name: "Show value of server_input" }).click();
    await expect
      .poll(() => panel("server_input").getByTestId("secret-value").textContent())
      .toBe(String(input.id));

    // importing again with the same prefix is refused inline, naming the clashes
    await page.getByRole("button", { name: "Add API key" }).click();
    await importDialog.getByRole("button", { name: `${TEMPLATE} of ${SERVICE}` }).click();
    await importDialog.getByLabel("Prefix").fill("server");
    await importDialog.getByRole("button", { name: "Import key" }).click();
    const clash = importDialog.getByRole("alert");
    await clash.getByText(/already exist/).waitFor();
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      expect(await clash.textContent()).toContain(name);
    await screenshot(page, "secrets-01b-import-conflict");
    await importDialog.getByRole("button", { name: "Close" }).click();
    await importDialog.waitFor({ state: "hidden" });

    // ---- grant the compute node access through the Nodes picker
    for (const name of ["server_token", "server_input"]) {
      await panel(name)
        .getByRole("button", { name: `Choose nodes for ${name}` })
        .click();
      const picker = page.getByRole("dialog", { name: `Nodes for ${name}` });
      await picker.getByLabel("Search nodes").fill("doub");
      await expect.poll(() => picker.getByRole("button").filter({ hasText: "archive" }).count()).toBe(0);
      const option = picker.getByRole("button", { name: new RegExp(`compute ${NODE}`) });
      await option.click();
      await expect.poll(() => option.getAttribute("aria-pressed")).toBe("true");
      await page.keyboard.press("Escape");
      await picker.waitFor({ state: "hidden" });
      await panel(name)
        .getByRole("list", { name: `Nodes with access to ${name}` })
        .getByText(NODE, { exact: true })
        .waitFor();
    }
    // an ordinary secret through the Add secret dialog: the name rule is checked as you type
    await page.getByRole("button", { name: "Add secret" }).click();
    const addDialog = page.getByRole("dialog", { name: "Add secret" });
    await addDialog.getByLabel("Name").fill("bad name");
    await addDialog
      .getByRole("alert")
      .getByText(/only Latin letters, digits and underscore/)
      .waitFor();
    await addDialog.getByLabel("Name").fill("greeting");
    await addDialog.getByText("Jobs read it as RNDFLOW_SECRET_GREETING.", { exact: false }).waitFor();
    await addDialog.getByLabel("Value").fill("hello world");
    await addDialog.getByLabel("Description").fill("Said by every job.");
    await addDialog.getByRole("button", { name: "Add secret" }).click();
    await addDialog.waitFor({ state: "hidden" });
    await panel("greeting").getByText("Said by every job.").waitFor();
    await panel("greeting").getByRole("button", { name: "Show value of greeting" }).click();
    await expect.poll(() => panel("greeting").getByTestId("secret-value").textContent()).toBe("hello world");
    await screenshot(page, "secrets-02-list");

    // ---- the node's Description lists the secrets it can read
    await page.getByRole("link", { name: "Graph" }).click();
    const svg = page.getByTestId("graph-svg");
    await svg.getByRole("button", { name: `compute node ${NODE}` }).click();
    const nodePanel = page.getByRole("complementary", { name: `Node ${NODE}` });
    const readable = nodePanel.getByRole("list", { name: "Secrets this node can read" });
    await readable.getByText("server_input", { exact: true }).waitFor();
    await readable.getByText("RNDFLOW_SECRET_SERVER_TOKEN").waitFor();
    await readable.getByText("RNDFLOW_SECRET_SERVER_INPUT").waitFor();
    expect(await readable.getByText("server_output").count()).toBe(0);
    await nodePanel.getByRole("checkbox", { name: /Active in this data layer/ }).waitFor();
    expect(await nodePanel.getByRole("checkbox", { name: /Active in this data layer/ }).isChecked()).toBe(
      true,
    );
    await nodePanel.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await screenshot(page, "secrets-03-node-description");

    // ---- write main.py in the Files tab
    await nodePanel.getByRole("tab", { name: "Files" }).click();
    await nodePanel.getByRole("button", { name: "+ New file" }).click();
    const fileDialog = page.getByRole("dialog", { name: "New file" });
    expect(await fileDialog.getByLabel("Path").inputValue()).toBe("main.py");
    await fileDialog.getByRole("button", { name: "Create file" }).click();
    await fileDialog.waitFor({ state: "hidden" });
    await nodePanel.getByLabel("Content of main.py").fill(SCRIPT);
    await nodePanel.getByRole("button", { name: "Save file" }).click();
    await expect.poll(() => nodePanel.getByRole("button", { name: "Save file" }).isDisabled()).toBe(true);

    // ---- post {x: 21} from the Packages tab
    await nodePanel.getByRole("tab", { name: "Packages" }).click();
    await nodePanel.getByRole("button", { name: "+ Package" }).click();
    const pkgDialog = page.getByRole("dialog", { name: "New package" });
    await pkgDialog.getByLabel("Label").fill("request");
    await pkgDialog.getByLabel("Fields (JSON object)").fill('{"x": 21}');
    await pkgDialog.getByRole("button", { name: "Create package" }).click();
    await pkgDialog.waitFor({ state: "hidden" });

    // ---- the Jobs tab follows the job until it completes, then shows its log
    await nodePanel.getByRole("tab", { name: "Jobs" }).click();
    const jobs = nodePanel.getByRole("list", { name: "Jobs" });
    const done = jobs.getByRole("button", { name: /^Job \d+ completed$/ });
    await done.waitFor({ timeout: 45_000 });
    await done.getByText("1 output").waitFor();
    await done.getByText("exit 0").waitFor();
    await done.click();
    const log = nodePanel.getByTestId("job-log");
    await log.getByText(/doubled 21 -> 42/).waitFor();
    const logText = (await log.textContent()) ?? "";
    expect(logText).toContain("token: ***"); // the token reached the job, masked in the log
    expect(logText).not.toMatch(/kf_[0-9A-Za-z]{10}/);
    expect(logText).toContain(`input node: ${input.id}`);
    await screenshot(page, "secrets-04-jobs-log");

    // ---- the node's own output package holds x = 42
    await nodePanel.getByRole("tab", { name: "Packages" }).click();
    const outRow = nodePanel.getByRole("button", { name: /doubled/ });
    await outRow.click();
    const detail = nodePanel.locator(".package-detail");
    await detail.getByRole("cell", { name: "x", exact: true }).waitFor();
    await detail.getByRole("cell", { name: "42", exact: true }).waitFor();
    await nodePanel.getByRole("button", { name: /request/ }).waitFor();

    // ---- a failing job marks the node red on the diagram
    await b.packages.create.mutate({
      nodeId: node.id,
      dataLayerId: (await b.dataLayers.list.query({ projectId: consumer.id }))[0]!.id,
      label: "bad",
      fields: { x: "not a number" },
    });
    await nodePanel.getByRole("tab", { name: "Jobs" }).click();
    await nodePanel.getByRole("button", { name: "Refresh" }).click();
    await jobs.getByRole("button", { name: /^Job \d+ failed$/ }).waitFor({ timeout: 45_000 });
    await svg.locator(`[data-node-id="${node.id}"][data-failed="true"]`).waitFor();
    await svg.getByTestId("node-failed").waitFor();
    await page.getByText("last job failed").waitFor();
    await screenshot(page, "secrets-04b-graph-failed");

    // ---- A revokes the key: the imported secrets are flagged revoked
    await a.apiKeys.revoke.mutate({ keyId });
    await page.getByRole("link", { name: "Secrets" }).click();
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      await panel(name).locator(".badge-red").getByText("revoked").waitFor();
    await panel("server_token")
      .getByText(/the key is revoked/)
      .waitFor();
    await screenshot(page, "secrets-05-revoked");

    const unexpected = holder.errors.filter((e) => !/status of 409/.test(e));
    expect(unexpected).toEqual([]);
  });
});
