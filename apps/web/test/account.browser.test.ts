import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserSession, launchBrowser, openPage, screenshot, signUpInUi } from "./browser";
import { startTestServer, type TestServer } from "./server";

/** The browser logs each refused call; check that this was the only error, then forget it. */
async function expectOnlyRefused(s: BrowserSession, status: number) {
  await expect.poll(() => s.errors.length).toBeGreaterThan(0);
  expect(s.errors).toEqual([expect.stringContaining(`status of ${status}`)]);
  s.errors.length = 0;
}

describe("account page and node parameters in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let s: BrowserSession;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    s = await openPage(browser, server.url);
  });

  afterAll(async () => {
    await s?.context.close();
    await browser?.close();
    await server?.close();
  });

  it("changes the password, signs in with it, and signs out everywhere", async () => {
    const { page } = s;
    await signUpInUi(page, "Grace Hopper", "grace@example.com", "old password");

    // a second browser signed in as the same user
    const other = await openPage(browser, server.url);
    await other.page.goto("/signin");
    await other.page.getByLabel("E-mail").fill("grace@example.com");
    await other.page.getByLabel("Password").fill("old password");
    await other.page.getByRole("button", { name: "Sign in" }).click();
    await other.page.getByRole("heading", { name: "Projects", exact: true }).waitFor();

    // the user's name in the top bar leads to the account page
    await page
      .locator(".topbar")
      .getByRole("link", { name: /Grace Hopper/ })
      .click();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    expect(page.url()).toMatch(/\/account$/);

    const form = page.getByRole("region", { name: "Change password" });
    // a wrong current password: the server's message, inline
    await form.getByLabel("Current password").fill("not my password");
    await form.getByLabel("New password", { exact: true }).fill("new password");
    await form.getByLabel("Repeat new password").fill("new password");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").getByText("currentPassword: is wrong").waitFor();
    await expectOnlyRefused(s, 400);
    await screenshot(page, "account-01-wrong-password");

    // the repeat must match, checked in the browser
    await form.getByLabel("Current password").fill("old password");
    await form.getByLabel("Repeat new password").fill("new passwrd");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").getByText("The new passwords do not match").waitFor();

    await form.getByLabel("Repeat new password").fill("new password");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByText("Password changed; other sessions were signed out").waitFor();
    expect(await form.getByRole("alert").count()).toBe(0);
    await screenshot(page, "account-02-password-changed");

    // the other browser's session ended
    await other.page.reload();
    await expect.poll(() => other.page.url()).toContain("/signin");
    await other.context.close();

    // this session survived the change; sign out and back in with the new password
    await page.reload();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    await page.locator(".topbar").getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.url()).toContain("/signin");
    await page.getByLabel("E-mail").fill("grace@example.com");
    await page.getByLabel("Password").fill("old password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await expectOnlyRefused(s, 401);
    await page.getByLabel("Password").fill("new password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();

    // sign out everywhere, after confirming: back to sign in, and the session is gone
    await page.goto("/account");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    const confirm = page.getByRole("dialog", { name: "Sign out everywhere?" });
    await screenshot(page, "account-03-sign-out-everywhere");
    await confirm.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect.poll(() => page.url()).toContain("/signin");
    await page.goto("/projects");
    await expect.poll(() => page.url()).toContain("/signin");

    expect(s.errors).toEqual([]);
  });

  it("edits a node's parameters as JSON and keeps them after a reload", async () => {
    const { page } = s;
    await page.goto("/signin");
    await page.getByLabel("E-mail").fill("grace@example.com");
    await page.getByLabel("Password").fill("new password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();

    await page.getByRole("button", { name: "+ New project" }).click();
    const dialog = page.getByRole("dialog", { name: "New project" });
    await dialog.getByLabel("Name").fill("Tuning");
    await dialog.getByRole("button", { name: "Create project" }).click();
    await page.getByText("The graph is empty.").waitFor();
    await page.getByRole("button", { name: "+ Add node" }).click();
    const nodeDialog = page.getByRole("dialog", { name: "Add node" });
    await nodeDialog.getByLabel("Name").fill("threshold");
    await nodeDialog.getByLabel("Kind").selectOption("compute");
    await nodeDialog.getByLabel("Entry file").fill("main.py");
    await nodeDialog.getByRole("button", { name: "Add node" }).click();
    await nodeDialog.waitFor({ state: "hidden" });

    const panel = page.getByRole("complementary", { name: "Node threshold" });
    const editor = panel.getByLabel("Parameters (JSON object)");
    expect(JSON.parse(await editor.inputValue())).toEqual({});

    // invalid JSON and non-objects are refused in the browser
    await editor.fill('{"cutoff": 0.5,');
    await panel.getByRole("button", { name: "Save parameters" }).click();
    await panel
      .getByRole("alert")
      .getByText(/Parameters are not valid JSON/)
      .waitFor();
    await editor.fill("[1, 2]");
    await panel.getByRole("button", { name: "Save parameters" }).click();
    await panel
      .getByRole("alert")
      .getByText(/Parameters must be a JSON object/)
      .waitFor();
    await screenshot(page, "account-04-params-invalid");

    await editor.fill('{"cutoff": 0.5, "labels": ["cat", "dog"]}');
    await panel.getByRole("button", { name: "Save parameters" }).click();
    await panel.getByText("Parameters saved").waitFor();
    expect(await panel.getByRole("alert").count()).toBe(0);

    await page.reload();
    await page.getByTestId("graph-svg").getByRole("button", { name: "compute node threshold" }).click();
    const reloaded = page.getByRole("complementary", { name: "Node threshold" });
    const params = reloaded.getByLabel("Parameters (JSON object)");
    await expect
      .poll(async () => JSON.parse(await params.inputValue()))
      .toEqual({
        cutoff: 0.5,
        labels: ["cat", "dog"],
      });
    await params.scrollIntoViewIfNeeded();
    await screenshot(page, "account-05-params-saved");

    expect(s.errors).toEqual([]);
  });
});
