import { webPaths } from "@keyflow/schemas";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { useTestServer } from "./server";

describe("graph page in a real browser", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("signs up, creates a project and draws a new data node", async () => {
    const s = await browser.open();
    const { page } = s;

    // signed out: the app sends us to sign in, from where we create an account
    await page.goto(webPaths.home);
    await page.waitForURL((url) => url.pathname === webPaths.signIn);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("E-mail").fill("ada@example.com");
    await page.getByLabel("Password").fill("analytical engine");
    await s.screenshot("graph-01-sign-up");
    await page.getByRole("button", { name: "Create account" }).click();

    // projects list, with the user's name in the top bar
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
    await page.locator(".topbar").getByText("Ada Lovelace").waitFor();
    await s.screenshot("graph-02-projects-empty");

    // create a project: we land on its graph
    await page.getByRole("button", { name: "+ New project" }).click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    await dialog.getByLabel("Name").fill("Image pipeline");
    await dialog.getByLabel("Description").fill("Resizes images and tags them.");
    await s.screenshot("graph-03-create-project");
    await dialog.getByRole("button", { name: "Create project" }).click();
    await page.getByText("The graph is empty.").waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/projects\/\d+\/graph$/);

    // add a data node
    await page.getByRole("button", { name: "+ Add node" }).click();
    const nodeDialog = page.getByRole("dialog", { name: "Add node" });
    await nodeDialog.getByLabel("Name").fill("incoming");
    await nodeDialog.getByLabel("Kind").selectOption("data");
    await nodeDialog.getByRole("button", { name: "Add node" }).click();
    await nodeDialog.waitFor({ state: "hidden" });

    // the diagram draws it, and its side panel opens
    const svg = page.getByTestId("graph-svg");
    await svg.getByRole("button", { name: "data node incoming" }).waitFor();
    expect(await svg.textContent()).toContain("incoming");
    await page.getByRole("complementary", { name: "Node incoming" }).waitFor();
    await s.screenshot("graph-04-graph-data-node");

    // a compute node linked from it, with a label filter on the arrow
    await page.getByRole("button", { name: "+ Add node" }).click();
    await nodeDialog.getByLabel("Name").fill("resize");
    await nodeDialog.getByLabel("Kind").selectOption("compute");
    await nodeDialog.getByLabel("Entry file").fill("main.py");
    await nodeDialog.getByRole("button", { name: "Add node" }).click();
    await svg.getByRole("button", { name: "compute node resize" }).waitFor();
    await page.getByRole("button", { name: "+ Add link" }).click();
    const linkDialog = page.getByRole("dialog", { name: "Add link" });
    await linkDialog.getByLabel("From").selectOption({ label: "incoming (data)" });
    await linkDialog.getByLabel("To").selectOption({ label: "resize (compute)" });
    await linkDialog.getByLabel("Label filter").fill("^image/");
    await linkDialog.getByRole("button", { name: "Add link" }).click();
    await svg.getByText("^image/", { exact: true }).waitFor();
    await s.screenshot("graph-05-graph-linked");

    // the data node's packages tab: create one and see it listed
    await svg.getByRole("button", { name: "data node incoming" }).click();
    const panel = page.getByRole("complementary", { name: "Node incoming" });
    await panel.getByRole("tab", { name: "Packages" }).click();
    await panel.getByRole("button", { name: "+ Package" }).click();
    const pkgDialog = page.getByRole("dialog", { name: "New package" });
    await pkgDialog.getByLabel("Label").fill("image/png");
    await pkgDialog.getByLabel("Fields (JSON object)").fill('{"width": 640}');
    await pkgDialog.getByRole("button", { name: "Create package" }).click();
    await panel.getByText("image/png").waitFor();
    await s.screenshot("graph-06-node-packages");

    // the other sections of the project render for its owner
    await page.getByRole("link", { name: "Permissions" }).click();
    await page.getByRole("heading", { name: "Permissions" }).waitFor();
    await page
      .getByRole("checkbox", { name: /project_manage/ })
      .first()
      .waitFor();
    await page.getByText("ada@example.com").waitFor();
    await s.screenshot("graph-07-permissions");
    await page.getByRole("link", { name: "About" }).click();
    await page.getByText("Resizes images and tags them.").waitFor();
    await s.screenshot("graph-08-about");
    await page.getByRole("link", { name: "Audit log" }).click();
    // the audit log tells the node's creation in words (its wording belongs to the audit page)
    await page
      .getByRole("list", { name: "Audit entries" })
      .getByRole("listitem")
      .filter({ hasText: "incoming" })
      .first()
      .waitFor();
    await s.screenshot("graph-09-audit-log");
    await page.locator(".topbar").getByRole("link", { name: "Dev mailbox" }).click();
    await page.getByRole("heading", { name: "Dev mailbox" }).waitFor();
    await page.getByText("No mail yet.").waitFor();

    expect(s.errors).toEqual([]);
    expect(s.httpErrors).toEqual([]);
  });
});
