import fs from "node:fs";
import path from "node:path";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

const EXAMPLES = path.resolve(import.meta.dirname, "../../../docs/examples");
const PHONE = { width: 390, height: 844 };

/** Nothing sticks out of the page sideways: the page itself never scrolls horizontally. */
async function expectNoSideScroll(page: Page) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scroll, "page width").toBeLessThanOrEqual(width);
}

/** The element lies within the viewport's width. */
async function expectInsideViewport(page: Page, el: Locator) {
  const box = await el.boundingBox();
  const width = page.viewportSize()!.width;
  expect(box, "bounding box").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width + 0.5);
}

describe("audit log, node-code snippets, grant to node, permissions feedback", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("shows the filled-in node code on the key tile and the key's group, and grants the key to a node in one step", {
    timeout: 120_000,
  }, async () => {
    const alice = await createWebUser(server().url, "Alice Service");
    const bob = await createWebUser(server().url, "Bob Holder");
    const {
      project: service,
      input,
      output,
      templates: [template],
    } = await createService(alice, "Translation service", ["Translate API"]);
    const request = await bob.api.apiKeys.request.mutate({ templateId: template!.id });
    const { keyId } = await alice.api.apiKeys.approve.mutate({ requestId: request.id });
    const consumer = await bob.api.projects.create.mutate({ name: "Bob's pipeline" });
    const caller = await bob.api.graph.createNode.mutate({
      projectId: consumer.id,
      name: "caller",
      kind: "compute",
      runtime: "node",
      entry: "main.js",
    });
    await bob.api.graph.createNode.mutate({ projectId: consumer.id, name: "archive", kind: "data" });
    await bob.api.secrets.importApiKey.mutate({ projectId: consumer.id, keyId, prefix: "translate" });

    const desk = await browser.open({ viewport: { width: 1280, height: 800 } });
    const page = desk.page;
    const origin = server().url;
    await signIn(page, bob);

    // ---- the confirmed key tile on the service's About page: snippets for a prefix still to choose
    await page.goto(`/projects/${service.id}`);
    const tile = page.getByRole("region", { name: "API key Translate API" });
    await tile.getByText("Confirmed").waitFor();
    await tile.getByText("Use this key from node code").click();
    const rndflow = tile.getByTestId("snippet-rndflow");
    await rndflow.waitFor();
    let code = (await rndflow.textContent()) ?? "";
    expect(code).toContain('ServerProxy.get_server("server")');
    expect(code).toContain(`Keyflow at ${origin}`);
    expect(code).toContain(`${origin}/api/docs`);
    expect(code).toContain(
      `server_project = ${service.id}, server_input = ${input.id}, server_output = ${output.id}`,
    );
    expect(await tile.getByRole("link", { name: /API reference/ }).getAttribute("href")).toBe("/api/docs");
    await tile.getByLabel("Prefix you import the key under").fill("translate");
    await waitFor("the snippet to follow the prefix", async () =>
      ((await rndflow.textContent()) ?? "").includes('ServerProxy.get_server("translate")'),
    );
    await tile.getByLabel("Prefix you import the key under").fill("no spaces");
    await tile
      .getByRole("alert")
      .getByText(/^Prefix may contain only/)
      .waitFor();
    await tile.getByLabel("Prefix you import the key under").fill("translate");
    await tile.getByRole("tab", { name: "JavaScript" }).click();
    code = (await tile.getByTestId("snippet-js").textContent()) ?? "";
    expect(code).toContain("process.env.RNDFLOW_SECRET_TRANSLATE_TOKEN");
    await desk.screenshot("snippets-01-key-tile");

    // ---- Secrets: the imported key is one group, with the same snippets from docs/examples
    await page.goto(`/projects/${consumer.id}/secrets`);
    const group = page.getByRole("region", { name: "API key translate_*" });
    await group.locator(".key-group-head").getByText("Translate API", { exact: true }).waitFor();
    for (const name of ["translate_token", "translate_project", "translate_input", "translate_output"])
      await group.getByRole("region", { name: `Secret ${name}` }).waitFor();
    await group.getByText("Use this key from node code").click();
    await group.getByRole("tab", { name: "JavaScript" }).click();
    const js = (await group.getByTestId("snippet-js").textContent()) ?? "";
    const template_ = fs
      .readFileSync(path.join(EXAMPLES, "use_key.js"), "utf8")
      .replaceAll("RNDFLOW_SECRET_SERVER_", "RNDFLOW_SECRET_TRANSLATE_")
      .replaceAll('prefix "server"', 'prefix "translate"');
    expect(js.endsWith(template_), "the JavaScript snippet is docs/examples/use_key.js for this prefix").toBe(
      true,
    );
    expect(js).toContain(`translate_input = ${input.id}`);

    // ---- Grant to node…: every secret of the key reaches the node in one step
    await group.getByRole("button", { name: "Grant to node…" }).click();
    const dialog = page.getByRole("dialog", { name: "Grant translate_* to a node" });
    // only compute nodes run jobs
    expect(await dialog.getByRole("button", { name: /archive/ }).count()).toBe(0);
    await dialog.getByRole("button", { name: /compute caller/ }).click();
    await dialog.waitFor({ state: "hidden" });
    await group
      .getByRole("status")
      .getByText(
        "caller can now read translate_input, translate_output, translate_project, translate_token (4 secrets).",
      )
      .waitFor();
    for (const name of ["translate_token", "translate_project", "translate_input", "translate_output"])
      await group
        .getByRole("list", { name: `Nodes with access to ${name}` })
        .getByText("caller", { exact: true })
        .waitFor();
    const stored = await bob.api.secrets.list.query({ projectId: consumer.id });
    expect(stored.map((s) => s.nodeIds)).toEqual([[caller.id], [caller.id], [caller.id], [caller.id]]);
    // the per-secret pickers are still there
    await group.getByRole("button", { name: "Choose nodes for translate_output" }).waitFor();
    await desk.screenshot("snippets-02-secrets-group");

    // ---- on a phone: nothing off-screen, the code scrolls inside its box
    const phone = await browser.open({ viewport: PHONE });
    await signIn(phone.page, bob);
    await phone.page.goto(`/projects/${consumer.id}/secrets`);
    const g = phone.page.getByRole("region", { name: "API key translate_*" });
    await g.getByText("Use this key from node code").click();
    const pre = g.getByTestId("snippet-rndflow");
    await pre.waitFor();
    await expectInsideViewport(phone.page, g);
    await expectInsideViewport(phone.page, pre);
    await expectInsideViewport(phone.page, g.getByRole("button", { name: "Grant to node…" }));
    await expectNoSideScroll(phone.page);
    await phone.screenshot("snippets-03-secrets-phone");
    await phone.page.goto(`/projects/${service.id}`);
    const phoneTile = phone.page.getByRole("region", { name: "API key Translate API" });
    await phoneTile.getByText("Use this key from node code").click();
    await phoneTile.getByTestId("snippet-rndflow").waitFor();
    await expectInsideViewport(phone.page, phoneTile);
    await expectNoSideScroll(phone.page);
    await phone.screenshot("snippets-04-key-tile-phone");
  });

  it("reads the audit log as sentences with links and filters, and says when a role is saved", {
    timeout: 120_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const rita = await createWebUser(server().url, "Rita Requester");
    const bob = await createWebUser(server().url, "Bob Member");
    const {
      project,
      input,
      role,
      templates: [template],
    } = await createService(olga, "Translation hub", ["Translate API"]);
    const request = await rita.api.apiKeys.request.mutate({ templateId: template!.id });
    const { keyId } = await olga.api.apiKeys.approve.mutate({ requestId: request.id });
    await rita.api.apiKeys.reveal.mutate({ keyId });
    await olga.api.members.add.mutate({ projectId: project.id, email: bob.email, roleIds: [role.id] });

    const desk = await browser.open({ viewport: { width: 1280, height: 800 } });
    const page = desk.page;
    await signIn(page, olga);
    await page.goto(`/projects/${project.id}/audit`);
    const list = page.getByRole("list", { name: "Audit entries" });
    const reveal = list
      .getByRole("listitem")
      .filter({ hasText: "Rita Requester revealed the token of Translate API" });
    await reveal.waitFor();
    expect(await reveal.getByRole("link", { name: "Translate API" }).getAttribute("href")).toBe(
      `/projects/${project.id}/issued-keys`,
    );
    await list.getByText("Olga Owner approved Rita Requester's request for Translate API").waitFor();
    await list.getByText(`Olga Owner added Bob Member to the project as ${role.name}`).waitFor();
    await list.getByText("Olga Owner added the data node input").waitFor();
    // no raw JSON anywhere, and details as a key/value list on demand
    expect(await list.textContent()).not.toMatch(/[{}]/);
    const approve = list.getByRole("listitem").filter({ hasText: "approved Rita Requester's request" });
    await approve.getByText("Details").click();
    await approve.locator("dt").getByText("Request id").waitFor();
    await desk.screenshot("audit-01-sentences");

    // by action: the choice is in the address, the list holds only that action
    await page.getByLabel("Action").selectOption({ label: "Token revealed" });
    await page.waitForURL(/action=key\.reveal/);
    await waitFor("only the reveal listed", async () => (await list.getByRole("listitem").count()) === 1);
    await reveal.waitFor();
    // by person as well; then both cleared
    await page.getByLabel("Person").selectOption({ label: `Olga Owner (${olga.email})` });
    await list.getByText("Nothing matches this filter.").waitFor();
    await page.getByRole("button", { name: "Show everything" }).click();
    await page.getByLabel("Person").selectOption({ label: `Rita Requester (${rita.email})` });
    await page.waitForURL(/person=\d+/);
    await waitFor("only Rita's entries", async () => {
      const texts = await list.getByRole("listitem").allTextContents();
      return texts.length === 2 && texts.every((t) => t.startsWith("Rita Requester"));
    });
    await desk.screenshot("audit-02-filtered");
    await page.getByRole("button", { name: "Show everything" }).click();

    // links: a node opens the graph with that node's panel, a member the permissions page
    await list.getByRole("link", { name: "input", exact: true }).click();
    await page.waitForURL(new RegExp(`/projects/${project.id}/graph\\?node=${input.id}$`));
    await page.getByRole("complementary", { name: "Node input" }).waitFor();
    await page.goBack();
    await list.getByRole("link", { name: "Bob Member" }).first().click();
    await page.waitForURL(new RegExp(`/projects/${project.id}/permissions#member-\\d+$`));

    // ---- permissions: the only owner cannot be removed; "Role saved" lasts until the next edit
    const olgaRow = page.getByRole("row").filter({ hasText: olga.email });
    const bobRow = page.getByRole("row").filter({ hasText: bob.email });
    await bobRow.getByRole("button", { name: "Remove" }).waitFor();
    await olgaRow.getByText("Only owner").waitFor();
    expect(await olgaRow.getByRole("button", { name: "Remove" }).count()).toBe(0);
    expect(await olgaRow.getByRole("checkbox", { name: "Owner" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: role.name }).click();
    await page.getByRole("textbox", { name: "Description" }).fill("Keys for the translation service");
    await page.getByRole("button", { name: "Save role" }).click();
    const saved = page.getByRole("status").getByText("Role saved");
    await saved.waitFor();
    await waitFor("the role saved on the server", async () => {
      const roles = await olga.api.roles.list.query({ projectId: project.id });
      return roles.find((r) => r.id === role.id)?.description === "Keys for the translation service";
    });
    await desk.screenshot("permissions-01-role-saved");
    await page.getByRole("textbox", { name: "Description" }).fill("Keys for the translation service, v2");
    await saved.waitFor({ state: "detached" });

    // ---- on a phone: the log, its filters and the members table fit
    const phone = await browser.open({ viewport: PHONE });
    await signIn(phone.page, olga);
    await phone.page.goto(`/projects/${project.id}/audit`);
    const phoneList = phone.page.getByRole("list", { name: "Audit entries" });
    await phoneList.getByText("Rita Requester revealed the token of Translate API").waitFor();
    await expectInsideViewport(phone.page, phoneList);
    await expectInsideViewport(phone.page, phone.page.getByLabel("Action"));
    await expectNoSideScroll(phone.page);
    await phone.screenshot("audit-03-phone");
    await phone.page.goto(`/projects/${project.id}/permissions`);
    await phone.page.getByRole("row").filter({ hasText: bob.email }).waitFor();
    await expectNoSideScroll(phone.page);
    await phone.screenshot("permissions-02-phone");
  });
});
