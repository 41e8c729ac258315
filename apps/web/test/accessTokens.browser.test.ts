import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { useTestServer } from "./server";
import { createWebUser, signIn } from "./users";

/** auth.me with a Bearer token, as a tool calls it: the status and the user it acts as. */
async function meWith(baseUrl: string, token: string) {
  const res = await fetch(`${baseUrl}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { result?: { data?: { json?: { email?: string } } } };
  return { status: res.status, email: body.result?.data?.json?.email };
}

async function createToken(page: Page, name: string, expires?: string) {
  const card = page.getByRole("region", { name: "Personal access tokens" });
  await card.getByLabel("Token name").fill(name);
  if (expires) await card.getByLabel("Expires").selectOption({ label: expires });
  await card.getByRole("button", { name: "Create token" }).click();
  const box = card.getByTestId("new-access-token");
  await box.waitFor();
  return { card, box, token: (await box.textContent()) ?? "" };
}

/** Nothing sticks out sideways and the element lies inside the viewport's width. */
async function expectInsideViewport(page: Page, selector: ReturnType<Page["locator"]>, width: number) {
  const box = await selector.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

describe("personal access tokens on the Account page", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("creates a token shown once with copy, lists it with last use, and revokes it after confirming (1280 × 800)", async () => {
    const s = await browser.open({ viewport: { width: 1280, height: 800 } });
    const { page } = s;
    await s.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server().url });
    const user = await createWebUser(server().url, "Tool Builder");
    await signIn(page, user);
    await page.goto(webPaths.account);
    const card = page.getByRole("region", { name: "Personal access tokens" });
    await card.getByText("No access tokens yet.").waitFor();
    await s.screenshot("access-tokens-01-empty-1280");

    const created = await createToken(page, "release script", "In 30 days");
    expect(created.token).toMatch(/^kfp_[0-9A-Za-z]{46}$/);
    await card.getByText("Copy it now: it is shown only this once.").waitFor();
    await expectInsideViewport(page, created.box, 1280);
    // focus moves to Copy (the form that had it is gone)
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Copy to clipboard");
    await card.getByRole("button", { name: "Copy to clipboard" }).click();
    await card.getByRole("status").getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(created.token);
    await s.screenshot("access-tokens-02-created-1280");

    // the token works for a tool, as this user
    expect(await meWith(server().url, created.token)).toEqual({ status: 200, email: user.email });

    // Done hides it for good: after a reload the page never shows it again, only its start
    await card.getByRole("button", { name: "Done" }).click();
    await created.box.waitFor({ state: "detached" });
    await page.reload();
    const row = card.getByTestId("access-token").filter({ hasText: "release script" });
    await row.getByText(`${created.token.slice(0, 8)}…`).waitFor();
    await expect
      .poll(() => row.textContent())
      .toMatch(/created today at .* · last used today at .* · expires /);
    expect(await page.content()).not.toContain(created.token);
    await s.screenshot("access-tokens-03-listed-1280");

    // revoking asks first, then the token is refused at once
    await row.getByRole("button", { name: "Revoke release script" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke “release script”?" });
    await dialog.getByText("Tools using this token are refused from their next call.").waitFor();
    await s.screenshot("access-tokens-04-confirm-revoke-1280");
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await dialog.waitFor({ state: "detached" });
    await row.getByText("revoked", { exact: true }).waitFor();
    expect(await row.getByRole("button", { name: /Revoke/ }).count()).toBe(0);
    await waitFor(
      "the token to be refused",
      async () => (await meWith(server().url, created.token)).status === 401,
    );
    await s.screenshot("access-tokens-05-revoked-1280");
  });

  it("fits a phone (390 × 844): the new token wraps inside the card, the list and revoke stay reachable", async () => {
    const s = await browser.open({ viewport: { width: 390, height: 844 } });
    const { page } = s;
    const user = await createWebUser(server().url, "Phone User");
    await signIn(page, user);
    await page.goto(webPaths.account);
    const { card, box } = await createToken(page, "a rather long name for a phone screen");
    await expectInsideViewport(page, box, 390);
    await expectInsideViewport(page, card.getByRole("button", { name: "Copy to clipboard" }), 390);
    await s.screenshot("access-tokens-06-created-390");
    await card.getByRole("button", { name: "Done" }).click();
    const revoke = card.getByRole("button", { name: "Revoke a rather long name for a phone screen" });
    await revoke.waitFor();
    await expectInsideViewport(page, revoke, 390);
    await expectInsideViewport(page, card.getByTestId("access-token").first(), 390);
    await s.screenshot("access-tokens-07-listed-390");
  });
});
