import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import { describe, expect, it } from "vitest";
import { type BrowserSession, useBrowser } from "./browser";
import { useTestServer } from "./server";
import { createWebUser, signIn, signUpInUi } from "./users";

/** The browser logs each refused call; check it was exactly this one, then forget it. */
async function expectOnlyRefused(s: BrowserSession, status: number, procedure: string) {
  await waitFor(`the refused ${procedure} call`, () => s.httpErrors.length > 0);
  s.takeHttpErrors(new RegExp(`^${status} /trpc/${procedure}\\b`));
}

describe("account page and node parameters in a real browser", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("changes the password, signs in with it, and signs out everywhere", async () => {
    const s = await browser.open();
    const { page } = s;
    const grace = { name: "Grace Hopper", email: "grace@example.com", password: "old password" };
    await signUpInUi(page, grace);

    // a second browser signed in as the same user
    const other = await browser.open();
    await signIn(other.page, grace);

    // the user's name in the top bar leads to the account page
    await page
      .locator(".topbar")
      .getByRole("link", { name: /Grace Hopper/ })
      .click();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(webPaths.account);

    const form = page.getByRole("region", { name: "Change password" });
    // a wrong current password: the server's message, inline
    await form.getByLabel("Current password").fill("not my password");
    await form.getByLabel("New password", { exact: true }).fill("new password");
    await form.getByLabel("Repeat new password").fill("new password");
    await form.getByRole("button", { name: "Change password" }).click();
    // named as the form names the field, never `currentPassword:`
    await form.getByRole("alert").getByText("Current password is wrong").waitFor();
    await expectOnlyRefused(s, 400, "auth.changePassword");
    await s.screenshot("account-01-wrong-password");

    // the repeat must match, checked in the browser
    await form.getByLabel("Current password").fill("old password");
    await form.getByLabel("Repeat new password").fill("new passwrd");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByRole("alert").getByText("The new passwords do not match").waitFor();

    await form.getByLabel("Repeat new password").fill("new password");
    await form.getByRole("button", { name: "Change password" }).click();
    // stays until the next edit; that the change lasted is checked by signing in below
    await form.getByText("Password changed; other sessions were signed out").waitFor();
    expect(await form.getByRole("alert").count()).toBe(0);
    await s.screenshot("account-02-password-changed");

    // the other browser's session ended
    await other.page.reload();
    await other.page.waitForURL((url) => url.pathname === webPaths.signIn);

    // this session survived the change; sign out and back in with the new password
    await page.reload();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    await page.locator(".topbar").getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === webPaths.signIn);
    await page.getByLabel("E-mail").fill(grace.email);
    await page.getByLabel("Password").fill("old password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await expectOnlyRefused(s, 401, "auth.signIn");
    await signIn(page, { ...grace, password: "new password" });

    // sign out everywhere, after confirming: back to sign in, and the session is gone
    await page.goto(webPaths.account);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    const confirm = page.getByRole("dialog", { name: "Sign out everywhere?" });
    await s.screenshot("account-03-sign-out-everywhere");
    await confirm.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL((url) => url.pathname === webPaths.signIn);
    await page.goto(webPaths.projects);
    await page.waitForURL((url) => url.pathname === webPaths.signIn);

    for (const session of [s, other]) {
      expect(session.errors).toEqual([]);
      expect(session.httpErrors).toEqual([]);
    }
  });

  it("edits a node's parameters as JSON, keeps the confirmation through graph reloads, and keeps them after a page reload", async () => {
    const s = await browser.open();
    const { page } = s;
    const ada = await createWebUser(server().url, "Ada Lovelace");
    const project = await ada.api.projects.create.mutate({ name: "Tuning" });
    await ada.api.graph.createNode.mutate({
      projectId: project.id,
      name: "threshold",
      kind: "compute",
      entry: "main.py",
    });
    await signIn(page, ada);
    await page.goto(webPaths.project(project.id, "graph"));
    await page.getByTestId("graph-svg").getByRole("button", { name: "compute node threshold" }).click();

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
    await s.screenshot("account-04-params-invalid");

    await editor.fill('{"cutoff": 0.5, "labels": ["cat", "dog"]}');
    await panel.getByRole("button", { name: "Save parameters" }).click();
    // the editor shows what the server stored, formatted
    const stored = JSON.stringify({ cutoff: 0.5, labels: ["cat", "dog"] }, null, 2);
    await waitFor("the stored parameters in the editor", async () => (await editor.inputValue()) === stored);
    const saved = panel.getByRole("status").getByText("Parameters saved");
    const refresh = page.getByRole("button", { name: "Refresh", exact: true });
    // the save reloads the graph; the confirmation outlives that reload, and a manual one
    await waitFor(
      "the graph reload after the save",
      async () => (await refresh.getAttribute("aria-busy")) === null,
    );
    await saved.waitFor();
    await refresh.click();
    await waitFor("the manual graph reload", async () => (await refresh.getAttribute("aria-busy")) === null);
    await saved.waitFor();
    expect(await editor.inputValue()).toBe(stored);
    expect(await panel.getByRole("alert").count()).toBe(0);

    await page.reload();
    await page.getByTestId("graph-svg").getByRole("button", { name: "compute node threshold" }).click();
    const params = page
      .getByRole("complementary", { name: "Node threshold" })
      .getByLabel("Parameters (JSON object)");
    await waitFor("the saved parameters after a reload", async () => (await params.inputValue()) === stored);
    await params.scrollIntoViewIfNeeded();
    await s.screenshot("account-05-params-saved");

    expect(s.errors).toEqual([]);
    expect(s.httpErrors).toEqual([]);
  });
});
