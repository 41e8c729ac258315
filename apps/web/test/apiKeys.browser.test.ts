import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signInPath } from "../src/lib/paths";
import { useBrowser } from "./browser";
import { openMail } from "./mailbox";
import { useTestServer } from "./server";
import { signUpInUi } from "./users";

const PROJECT = "Image tagger";
const TEMPLATE = "Tagger API";
const ROLE = "API client";
const MESSAGE = "I would like to tag my photo archive.";

async function addDataNode(page: Page, name: string) {
  await page.getByRole("button", { name: "+ Add node" }).click();
  const dialog = page.getByRole("dialog", { name: "Add node" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Kind").selectOption("data");
  await dialog.getByRole("button", { name: "Add node" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page
    .getByTestId("graph-svg")
    .getByRole("button", { name: `data node ${name}` })
    .waitFor();
}

async function isChecked(box: Locator) {
  await box.waitFor();
  return box.isChecked();
}

/** The text of a cell of the issued-keys table, e.g. its "Requests" count. */
const cell = async (row: Locator, label: string) =>
  (await row.locator(`td[data-label="${label}"]`).textContent())?.trim();

describe("API keys in a real browser: template, request, approval, use, statistics, revoke", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  it("runs the whole seed flow through the UI with two users", { timeout: 180_000 }, async () => {
    const owner = await browser.open();
    const user = await browser.open();
    const o = owner.page;
    const u = user.page;

    // ---- owner: a public project with an input and an output node
    await signUpInUi(o, { name: "Olga Owner", email: "olga@example.com" });
    await o.getByRole("button", { name: "+ New project" }).click();
    const projectDialog = o.getByRole("dialog", { name: "New project" });
    await projectDialog.getByLabel("Name").fill(PROJECT);
    await projectDialog.getByLabel("Description").fill("Tags images with a neural network.");
    await projectDialog.getByRole("checkbox", { name: /^Public/ }).check();
    await projectDialog.getByRole("button", { name: "Create project" }).click();
    await o.getByText("The graph is empty.").waitFor();
    const projectId = Number(/^\/projects\/(\d+)\/graph$/.exec(new URL(o.url()).pathname)?.[1]);
    const projectUrl = webPaths.project(projectId);
    await addDataNode(o, "input");
    await addDataNode(o, "output");

    // ---- owner: a role for keys: project_view + package_view + package_create
    await o.getByRole("link", { name: "Permissions" }).click();
    await o.getByRole("button", { name: "+ New role" }).click();
    const roleDialog = o.getByRole("dialog", { name: "New role" });
    await roleDialog.getByLabel("Name").fill(ROLE);
    await roleDialog.getByRole("button", { name: "Create role" }).click();
    await roleDialog.waitFor({ state: "hidden" });
    const perm = (name: string) => o.locator(`.role-detail input[type="checkbox"][name="${name}"]`);
    await perm("graph_view").uncheck();
    await perm("package_view").check();
    await perm("package_create").check();
    const saveRole = o.getByRole("button", { name: "Save role" });
    await saveRole.click();
    // saved for real: after a reload the role still has them
    await waitFor("the role saved", async () => (await saveRole.getAttribute("aria-busy")) === null);
    await o.reload();
    await o.getByRole("list", { name: "Roles" }).getByRole("button", { name: ROLE }).click();
    expect(await isChecked(perm("package_create"))).toBe(true);
    expect(await isChecked(perm("package_view"))).toBe(true);
    expect(await isChecked(perm("project_view"))).toBe(true);
    expect(await isChecked(perm("graph_view"))).toBe(false);

    // ---- owner: the template, via + next to "API key templates"
    await o.getByRole("link", { name: "API keys" }).click();
    await o.getByRole("heading", { name: "API key templates" }).waitFor();
    await o.getByText("No templates yet.").waitFor();
    await o.getByRole("button", { name: "Add template" }).click();
    const templateDialog = o.getByRole("dialog", { name: "New API key template" });
    await templateDialog.getByLabel("Name").fill(TEMPLATE);
    await templateDialog.getByLabel("Role").selectOption({ label: ROLE });
    await templateDialog.getByRole("button", { name: "Create" }).click();
    await templateDialog.waitFor({ state: "hidden" });
    const tile = o.getByRole("region", { name: `Template ${TEMPLATE}` });
    await tile.waitFor();
    // the three recommended fields, project prefilled; input/output empty → warnings
    const warnings = tile.getByRole("status", { name: "Template warnings" });
    await warnings.getByText(/Field "input" is empty/).waitFor();
    await warnings.getByText(/Field "output" is empty/).waitFor();
    expect(
      await tile.getByRole("listitem", { name: "Field project" }).getByLabel("Field value").inputValue(),
    ).toBe(String(projectId));
    await owner.screenshot("keys-01-template-new");

    // insert node ID for input and output through the node picker
    for (const name of ["input", "output"]) {
      const row = tile.getByRole("listitem", { name: `Field ${name}` });
      await row.getByRole("button", { name: `Insert node ID into ${name}` }).click();
      const picker = o.getByRole("dialog", { name: `Insert node ID into ${name}` });
      await picker.getByLabel("Search nodes").fill(name);
      await picker.getByRole("button", { name: new RegExp(`^data ${name} #\\d+`) }).click();
      await picker.waitFor({ state: "hidden" });
      await row.getByText(`node ${name}`).waitFor();
      expect(await row.getByLabel("Field value").inputValue()).toMatch(/^\d+$/);
    }
    await warnings.waitFor({ state: "detached" });

    // an extra field by the "fields" button, then the price
    await tile.getByRole("button", { name: `Add field to ${TEMPLATE}` }).click();
    const fieldDialog = o.getByRole("dialog", { name: "New information field" });
    await fieldDialog.getByLabel("Field name").fill("model");
    await fieldDialog.getByLabel("Field value").fill("resnet-50");
    await fieldDialog.getByRole("button", { name: "Add field" }).click();
    await tile.getByRole("listitem", { name: "Field model" }).waitFor();
    await tile.getByLabel("Price per request").fill("0.25");
    await tile
      .getByLabel("Description", { exact: true })
      .fill("Send an image package to input, collect tags from output.");
    await tile.getByRole("button", { name: "Save template" }).click();
    await tile.getByRole("status").getByText("Saved").waitFor();
    // saved for real: a reload shows the stored price and description
    await o.reload();
    await waitFor(
      "the stored price",
      async () => (await tile.getByLabel("Price per request").inputValue()) === "0.25",
    );
    expect(await tile.getByLabel("Description", { exact: true }).inputValue()).toBe(
      "Send an image package to input, collect tags from output.",
    );
    await o.getByRole("region", { name: "Requests" }).getByText("No pending requests.").waitFor();
    await owner.screenshot("keys-02-template-filled");

    // ---- requester: finds the project under Public projects, sees the tile available
    await signUpInUi(u, { name: "Grace Requester", email: "grace@example.com" });
    await u.getByRole("heading", { name: "Public projects" }).waitFor();
    await u.getByRole("link", { name: new RegExp(PROJECT) }).click();
    const keyTile = u.getByRole("region", { name: `API key ${TEMPLATE}` });
    await keyTile.getByText("Available").waitFor();
    await keyTile.getByText(ROLE).waitFor();
    await keyTile.getByText("0.25", { exact: true }).waitFor();
    await user.screenshot("keys-03-tile-available");

    await keyTile.getByRole("button", { name: "Request" }).click();
    const requestDialog = u.getByRole("dialog", { name: `Request ${TEMPLATE}` });
    await requestDialog.getByLabel("Message to the owner (optional)").fill(MESSAGE);
    await requestDialog.getByRole("button", { name: "Request" }).click();
    await requestDialog.waitFor({ state: "hidden" });
    await keyTile
      .getByText(/awaiting approval/)
      .first()
      .waitFor();
    await keyTile.getByRole("button", { name: "Withdraw request" }).waitFor();
    await user.screenshot("keys-04-tile-waiting");

    // ---- owner: the request e-mail arrives, then approve in the Requests list
    const requestMail = await openMail(o, new RegExp(`API key request for ${TEMPLATE} in ${PROJECT}`));
    await requestMail.getByText(/Grace Requester \(grace@example\.com\) asks for an API key/).waitFor();
    await requestMail.getByText(MESSAGE).waitFor();
    await owner.screenshot("keys-05-owner-mailbox");

    await o.goto(webPaths.project(projectId, "apiKeys"));
    const requests = o.getByRole("region", { name: "Requests" });
    const requestRow = requests.getByRole("row", { name: /Grace Requester/ });
    await requestRow.getByText(MESSAGE).waitFor();
    await requestRow.getByText("grace@example.com").waitFor();
    await owner.screenshot("keys-06-requests");
    await requestRow
      .getByRole("button", { name: `Approve request from Grace Requester for ${TEMPLATE}` })
      .click();
    // ✓ opens the approval (an optional expiry): approve with the template's default
    await o.getByRole("dialog", { name: "Approve request" }).getByRole("button", { name: "Approve" }).click();
    await requests.getByText("No pending requests.").waitFor();
    await requests.getByRole("button", { name: "All" }).click();
    await requests
      .getByRole("row", { name: /Grace Requester/ })
      .getByText("approved", { exact: true })
      .waitFor();

    // ---- requester: the approval e-mail, the confirmed tile, the token
    const approvalMail = await openMail(u, new RegExp(`Your API key for ${TEMPLATE} in ${PROJECT} is ready`));
    await approvalMail.getByText(/was approved/).waitFor();
    await u.goto(projectUrl);
    await keyTile.getByText("Confirmed").waitFor();
    await keyTile.getByText("Issued").waitFor();
    await keyTile.getByRole("cell", { name: "resnet-50" }).waitFor();
    await keyTile.getByRole("cell", { name: "input", exact: true }).waitFor();
    await keyTile.getByText(/0 requests · cost/).waitFor();
    await user.screenshot("keys-07-tile-confirmed");

    await keyTile.getByRole("button", { name: "Reveal token" }).click();
    const tokenBox = keyTile.getByTestId("api-token");
    await tokenBox.waitFor();
    const token = (await tokenBox.textContent())?.trim() ?? "";
    expect(token).toMatch(/^kf_[0-9A-Za-z]{46}$/);
    await keyTile.getByRole("button", { name: "Copy to clipboard" }).waitFor();
    await user.screenshot("keys-08-token-revealed");
    await keyTile.getByRole("button", { name: "Hide" }).click();
    await tokenBox.waitFor({ state: "detached" });

    // the key works on the REST data plane
    const callApi = () =>
      fetch(`${server().url}/api/projects/${projectId}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (let i = 0; i < 3; i++) {
      const res = await callApi();
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    // ---- owner: issued keys shows exactly these requests and their cost, with a chart
    await o.locator(".sidenav").getByRole("link", { name: "Usage statistics" }).click();
    await o.getByRole("heading", { name: "Usage statistics", level: 1 }).waitFor();
    await o.getByRole("heading", { name: "Issued keys", level: 2 }).waitFor();
    await o.getByText(/Time zone:/).waitFor();
    const keyRow = o.getByRole("row", { name: /Grace Requester/ });
    await keyRow.waitFor();
    // usage is counted in the background: refresh until the table shows the three calls
    const refresh = o.getByRole("button", { name: "Refresh" });
    await waitFor(
      "3 requests in the issued-keys table",
      async () => {
        if ((await cell(keyRow, "Requests")) === "3") return true;
        if ((await refresh.getAttribute("aria-busy")) === null) await refresh.click();
        return false;
      },
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    expect(await cell(keyRow, "Total cost")).toBe("0.75");
    await keyRow.getByText("active").waitFor();
    await o.getByRole("button", { name: "Today" }).click();
    await waitFor("3 requests today", async () => (await cell(keyRow, "Requests")) === "3");
    await keyRow.click();
    const chart = o.getByRole("region", { name: "Usage chart" });
    await chart.getByText(/requests per hour/).waitFor();
    await chart.getByText(/3 requests, 0 errors/).waitFor();
    await chart.locator("canvas").waitFor();
    await owner.screenshot("keys-09-issued-keys-chart");
    // longer periods chart per day, with the same totals
    await o.getByRole("button", { name: "30 days" }).click();
    await chart.getByText(/requests per day/).waitFor();
    await chart.getByText(/3 requests, 0 errors/).waitFor();
    await o.getByRole("button", { name: "Custom range" }).click();
    await o.getByLabel("From").waitFor();
    await waitFor("3 requests in the custom range", async () => (await cell(keyRow, "Requests")) === "3");

    // the requester's tile counts the same usage
    await u.reload();
    await keyTile.getByText(/3 requests · cost/).waitFor();
    await keyTile.getByText("0.75", { exact: true }).waitFor();

    // ---- owner revokes: the row stays (revoked), the token is refused
    await keyRow.getByRole("button", { name: `Revoke key of Grace Requester for ${TEMPLATE}` }).click();
    const revokeDialog = o.getByRole("dialog", { name: "Revoke this key?" });
    await revokeDialog.getByRole("button", { name: "Revoke key" }).click();
    await revokeDialog.waitFor({ state: "hidden" });
    await keyRow.getByText("revoked").waitFor();
    await owner.screenshot("keys-10-issued-keys-revoked");
    const refused = await callApi();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: "API key revoked" });

    // the requester's tile says so, with REQUEST again
    await u.reload();
    await keyTile.getByText("Your key was revoked. You may request a new one.").waitFor();
    await keyTile.getByRole("button", { name: "Request" }).waitFor();
    await user.screenshot("keys-11-tile-revoked");

    // ---- owner: delete a field, then the template (its confirmation says keys get revoked)
    await o.getByRole("link", { name: "API keys" }).click();
    await tile.getByRole("button", { name: "Delete field model" }).click();
    await tile.getByRole("listitem", { name: "Field model" }).waitFor({ state: "detached" });
    await tile.getByRole("button", { name: `Delete template ${TEMPLATE}` }).click();
    const deleteDialog = o.getByRole("dialog", { name: `Delete template ${TEMPLATE}?` });
    // the only key is revoked already: nothing more to revoke, and the dialog says so
    await deleteDialog.getByText(/so no key is revoked/).waitFor();
    await deleteDialog.getByRole("button", { name: "Delete template" }).click();
    await tile.waitFor({ state: "detached" });
    await o.getByText("No templates yet.").waitFor();
    await o.getByRole("status", { name: "Template deleted" }).getByText(TEMPLATE).waitFor();

    // signed out, a project without a public role sends the visitor to sign in (and back)
    const visitor = await browser.open();
    await visitor.page.goto(projectUrl);
    await visitor.page.waitForURL((url) => `${url.pathname}${url.search}` === signInPath(projectUrl));
    // the project said "sign in first" (401), which sent the visitor there
    visitor.takeHttpErrors(/^401 \/trpc\/projects\.get\b/);

    // a non-member of a public project gets its public view from projects.get: no refused call
    expect(user.httpErrors).toEqual([]);
  });
});
