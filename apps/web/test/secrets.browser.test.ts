import { waitFor } from "@keyflow/testing";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

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

describe("secrets, key import and node jobs in a real browser", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  it("imports a key as secrets, grants a node, runs its job, and flags the revoked key", {
    timeout: 180_000,
  }, async () => {
    // ---- setup through tRPC: Alice's service project with a template, Bob's approved key and project
    const alice = await createWebUser(server().url, "Alice Service");
    const bob = await createWebUser(server().url, "Bob Holder");
    const a = alice.api;
    const b = bob.api;
    const {
      input,
      templates: [template],
    } = await createService(alice, SERVICE, [TEMPLATE]);
    expect(template!.fields.map((f) => f.name)).toEqual(["project", "input", "output"]);
    const request = await b.apiKeys.request.mutate({ templateId: template!.id });
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

    // ---- Bob in the browser: Secrets → Add API key → choose the key → prefix → import
    const holder = await browser.open();
    const page = holder.page;
    await signIn(page, bob);
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
    await holder.screenshot("secrets-01-import-dialog");
    await importDialog.getByRole("button", { name: "Import key" }).click();
    await importDialog.waitFor({ state: "hidden" });

    const panel = (name: string) => page.getByRole("region", { name: `Secret ${name}` });
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      await panel(name).waitFor();
    await panel("server_token").getByText(`token from API key ${TEMPLATE} of ${SERVICE}`).waitFor();
    await panel("server_token").getByText("write-only: cannot be shown").waitFor();
    // a field's value can be shown by a manager
    await panel("server_input").getByRole("button", { name: "Show value of server_input" }).click();
    await panel("server_input")
      .getByTestId("secret-value")
      .getByText(String(input.id), { exact: true })
      .waitFor();

    // importing again with the same prefix is refused inline, naming the clashes
    await page.getByRole("button", { name: "Add API key" }).click();
    await importDialog.getByRole("button", { name: `${TEMPLATE} of ${SERVICE}` }).click();
    await importDialog.getByLabel("Prefix").fill("server");
    await importDialog.getByRole("button", { name: "Import key" }).click();
    const clash = importDialog.getByRole("alert");
    await clash.getByText(/already exist/).waitFor();
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      expect(await clash.textContent()).toContain(name);
    await holder.screenshot("secrets-01b-import-conflict");
    await importDialog.getByRole("button", { name: "Close" }).click();
    await importDialog.waitFor({ state: "hidden" });

    // ---- grant the compute node access through the Nodes picker
    for (const name of ["server_token", "server_input"]) {
      await panel(name)
        .getByRole("button", { name: `Choose nodes for ${name}` })
        .click();
      const picker = page.getByRole("dialog", { name: `Nodes for ${name}` });
      await picker.getByLabel("Search nodes").fill("doub");
      const option = picker.getByRole("button", { name: new RegExp(`compute ${NODE}`) });
      await option.waitFor();
      await waitFor("the search to leave only the doubler", async () => {
        return (await picker.getByRole("button").filter({ hasText: "archive" }).count()) === 0;
      });
      await option.click();
      await waitFor("the node chosen", async () => (await option.getAttribute("aria-pressed")) === "true");
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
    await panel("greeting").getByTestId("secret-value").getByText("hello world", { exact: true }).waitFor();
    await holder.screenshot("secrets-02-list");

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
    await holder.screenshot("secrets-03-node-description");

    // ---- write main.py in the Files tab
    await nodePanel.getByRole("tab", { name: "Files" }).click();
    await nodePanel.getByRole("button", { name: "+ New file" }).click();
    const fileDialog = page.getByRole("dialog", { name: "New file" });
    expect(await fileDialog.getByLabel("Path").inputValue()).toBe("main.py");
    await fileDialog.getByRole("button", { name: "Create file" }).click();
    await fileDialog.waitFor({ state: "hidden" });
    await nodePanel.getByLabel("Content of main.py").fill(SCRIPT);
    const saveFile = nodePanel.getByRole("button", { name: "Save file" });
    await saveFile.click();
    // nothing left to save once the server has the file (the job below runs it)
    await waitFor("main.py saved", () => saveFile.isDisabled());

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
    await holder.screenshot("secrets-04-jobs-log");

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
    await holder.screenshot("secrets-04b-graph-failed");

    // ---- A revokes the key: the imported secrets are flagged revoked
    await a.apiKeys.revoke.mutate({ keyId });
    await page.getByRole("link", { name: "Secrets" }).click();
    for (const name of ["server_token", "server_project", "server_input", "server_output"])
      await panel(name).locator(".badge-red").getByText("revoked").waitFor();
    await panel("server_token")
      .getByText(/the key is revoked/)
      .waitFor();
    await holder.screenshot("secrets-05-revoked");

    // the second import was refused on purpose: the only refused call
    holder.takeHttpErrors(/^409 \/trpc\/secrets\.importApiKey\b/);
  });
});
