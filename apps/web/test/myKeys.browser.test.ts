import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// My keys as a holder uses it (SPEC §12): every key they hold across projects with its state,
// expiry, usage this month and imports; roll one (grace, new token once, copy) and revoke another.

const SERVICE = "Weather service";
const REASON = "Unpaid invoice for November";
const DAY = 86_400_000;

/** Inside the viewport, allowing 0.5 px of sub-pixel rounding. */
const inView = (page: Page, locator: Locator, what: string) => expectInViewport(page, locator, what, 0.5);

describe("My keys", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  /** Hana holds four keys of Olga's service: one expiring soon (used, imported), one to revoke, one suspended, one expired. */
  async function setup() {
    const olga = await createWebUser(server().url, "Olga Owner");
    const hana = await createWebUser(server().url, "Hana Holder");
    const { project, templates } = await createService(olga, SERVICE, [
      "Forecast API",
      "History API",
      "Radar API",
      "Archive API",
    ]);
    await olga.api.apiKeys.updateTemplate.mutate({ templateId: templates[0]!.id, pricePerRequest: "0.01" });
    const keyIds: number[] = [];
    for (const t of templates) {
      const r = await hana.api.apiKeys.request.mutate({ templateId: t.id });
      keyIds.push((await olga.api.apiKeys.approve.mutate({ requestId: r.id })).keyId);
    }
    const [forecast, history, radar, archive] = keyIds as [number, number, number, number];
    const db = server().db;
    await db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() + 3 * DAY + 3_600_000) })
      .where("id", "=", forecast)
      .execute();
    await db
      .updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() - DAY) })
      .where("id", "=", archive)
      .execute();
    await olga.api.apiKeys.suspend.mutate({ keyId: radar, reason: REASON });
    const farm = await hana.api.projects.create.mutate({ name: "Hana's farm" });
    await hana.api.secrets.importApiKey.mutate({ projectId: farm.id, keyId: forecast, prefix: "weather" });
    const { token: forecastToken } = await hana.api.apiKeys.reveal.mutate({ keyId: forecast });
    const { token: historyToken } = await hana.api.apiKeys.reveal.mutate({ keyId: history });
    const call = async (token: string) =>
      (
        await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;
    for (let i = 0; i < 3; i++) expect(await call(forecastToken)).toBe(200);
    // the API writes usage in batches: wait until this month's three calls are counted
    await waitFor("the three calls in usage this month", async () => {
      const mine = await hana.api.apiKeys.mine.query();
      return mine.find((k) => k.id === forecast)?.usageThisMonth.requests === 3;
    });
    return { hana, farm, project, forecastKeyId: forecast, forecastToken, historyToken, call };
  }

  it("lists every key with state, expiry, usage and imports; rolls one and revokes another", {
    timeout: 120_000,
  }, async () => {
    const { hana, farm, project, forecastKeyId, forecastToken, historyToken, call } = await setup();
    const s = await browser.open({ viewport: DESKTOP });
    const { page } = s;
    await s.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server().url });
    await signIn(page, hana);

    // ---- from the top bar, at 1280 px
    await page.locator(".topbar").getByRole("link", { name: "My keys" }).click();
    await page.getByRole("heading", { level: 1, name: "My keys" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(webPaths.myKeys);
    await waitFor("the page title", async () => (await page.title()) === "My keys · Keyflow");
    const card = (template: string) => page.getByRole("region", { name: `${template} key of ${SERVICE}` });
    const forecast = card("Forecast API");
    await forecast.getByText("Active", { exact: true }).waitFor();
    await forecast.getByText(/^expires in 3 days$/).waitFor();
    await forecast.getByText("3 requests · cost 0.03").waitFor();
    const imported = forecast.getByRole("listitem").filter({ hasText: "weather_*" });
    const farmLink = imported.getByRole("link", { name: "Hana's farm" });
    // to the key's group on that project's Secrets page
    expect(await farmLink.getAttribute("href")).toBe(
      `${webPaths.project(farm.id, "secrets")}#key-${forecastKeyId}-weather`,
    );
    const radar = card("Radar API");
    await radar.getByText("Suspended", { exact: true }).waitFor();
    await radar.getByRole("status", { name: "Key suspended" }).getByText(REASON).waitFor();
    const archive = card("Archive API");
    await archive.getByText("Expired", { exact: true }).first().waitFor();
    await archive.getByText(/^Expired yesterday at/).waitFor();
    expect(await archive.getByRole("button").count(), "an expired key offers no actions").toBe(0);
    // in use first, then what no longer works
    const sections = await page.locator("main section.section h2").allTextContents();
    expect(sections).toEqual(["In use", "Revoked and expired"]);
    // the project link leads to its About page
    expect(await forecast.getByRole("link", { name: SERVICE }).getAttribute("href")).toBe(
      webPaths.project(project.id),
    );
    await inView(page, forecast.getByRole("button", { name: /^Roll / }), "Roll at 1280 px");
    await expectNoSidewaysScroll(page, "My keys at 1280 px");
    await s.screenshot("my-keys-1-list-1280");

    // ---- roll the Forecast key with the default grace of 60 minutes
    await forecast.getByRole("button", { name: `Roll Forecast API key of ${SERVICE}` }).click();
    const rollDialog = page.getByRole("dialog", { name: "Roll key" });
    const grace = rollDialog.getByLabel("Old token keeps working for (minutes)");
    await grace.waitFor();
    expect(await grace.inputValue()).toBe("60");
    expect(await grace.evaluate((el) => el === document.activeElement), "focus on the grace field").toBe(
      true,
    );
    await rollDialog.getByText(/keeps working for 1 hour, until (today|tomorrow) at/).waitFor();
    // out of range: said, and the button waits
    await grace.fill("20000");
    await rollDialog.getByText(/Enter a whole number of minutes from 0 to 10.080/).waitFor();
    expect(await rollDialog.getByRole("button", { name: "Roll key" }).isDisabled()).toBe(true);
    await grace.fill("60");
    await s.screenshot("my-keys-2-roll-dialog-1280");
    await rollDialog.getByRole("button", { name: "Roll key" }).click();

    const rolled = page.getByRole("dialog", { name: "Key rolled" });
    const box = rolled.getByTestId("new-token");
    await box.waitFor();
    const newToken = (await box.textContent()) ?? "";
    expect(newToken).not.toBe(forecastToken);
    expect(newToken.length).toBe(forecastToken.length);
    await rolled.getByText(/works until (today|tomorrow) at \d/).waitFor();
    const copy = rolled.getByRole("button", { name: "Copy to clipboard" });
    expect(await copy.evaluate((el) => el === document.activeElement), "focus on Copy").toBe(true);
    await copy.click();
    await rolled.getByRole("status").getByText("Copied").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newToken);
    await inView(page, box, "the new token at 1280 px");
    await s.screenshot("my-keys-3-new-token-1280");

    // both tokens work during the grace
    expect(await call(newToken)).toBe(200);
    expect(await call(forecastToken)).toBe(200);

    await rolled.getByRole("button", { name: "Done" }).click();
    await rolled.waitFor({ state: "hidden" });
    const rolledNote = forecast.getByRole("status", { name: "Key rolled" });
    await rolledNote.getByText(/^Rolled today at .*The old token still works until/).waitFor();
    // the card shows the new token's start
    const { tokenStart } = (await hana.api.apiKeys.mine.query()).find((k) => k.id === forecastKeyId)!;
    expect(newToken.startsWith(tokenStart)).toBe(true);
    await forecast.getByText(`${tokenStart}…`, { exact: true }).waitFor();
    // reveal shows the new token
    await forecast.getByRole("button", { name: "Reveal token" }).click();
    expect(await forecast.getByTestId("api-token").textContent()).toBe(newToken);
    await s.screenshot("my-keys-4-rolled-1280");
    // the revoke confirmation at 1280 px (cancelled)
    await radar.getByRole("button", { name: `Revoke Radar API key of ${SERVICE}` }).click();
    const confirmRadar = page.getByRole("dialog", { name: "Revoke this key?" });
    await confirmRadar.getByText("This cannot be undone").waitFor();
    await s.screenshot("my-keys-4b-revoke-confirm-1280");
    await confirmRadar.getByRole("button", { name: "Cancel" }).click();
    await confirmRadar.waitFor({ state: "hidden" });
    await radar.getByText("Suspended", { exact: true }).waitFor();

    // ---- at 390 px, through the menu; usage goes on across the roll (once the buffer is written)
    await waitFor("the two calls after the roll in usage this month", async () => {
      const mine = await hana.api.apiKeys.mine.query();
      return mine.find((k) => k.id === forecastKeyId)?.usageThisMonth.requests === 5;
    });
    await page.setViewportSize(PHONE);
    await page.goto(webPaths.projects);
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
    await page.locator(".topbar").getByRole("button", { name: "Menu" }).click();
    const menuLink = page.locator(".topbar").getByRole("link", { name: "My keys" });
    await inView(page, menuLink, "My keys in the menu at 390 px");
    await menuLink.click();
    await page.getByRole("heading", { level: 1, name: "My keys" }).waitFor();
    await forecast.getByRole("status", { name: "Key rolled" }).waitFor();
    for (const [what, l] of [
      ["the Forecast card", forecast],
      ["the suspension notice", radar.getByRole("status", { name: "Key suspended" })],
      ["the Forecast usage, the calls after the roll included", forecast.getByText("5 requests · cost 0.05")],
      ["the import", imported],
      ["Roll", forecast.getByRole("button", { name: /^Roll / })],
    ] as const)
      await inView(page, l, `${what} at 390 px`);
    await expectNoSidewaysScroll(page, "My keys at 390 px");
    await s.screenshot("my-keys-5-list-390");

    // ---- the "leaked token" roll on a phone: grace 0 stops both older tokens at once
    await forecast.getByRole("button", { name: `Roll Forecast API key of ${SERVICE}` }).click();
    await grace.fill("0");
    await rollDialog.getByText("The old token stops working at once: choose this if it leaked.").waitFor();
    await inView(page, rollDialog.getByRole("button", { name: "Roll key" }), "Roll key at 390 px");
    await s.screenshot("my-keys-5b-roll-dialog-390");
    await rollDialog.getByRole("button", { name: "Roll key" }).click();
    await rolled.getByText(/The old token of Forecast API no longer works\./).waitFor();
    const newest = (await box.textContent()) ?? "";
    expect(newest).not.toBe(newToken);
    await inView(page, box, "the new token at 390 px");
    await inView(page, copy, "Copy at 390 px");
    await s.screenshot("my-keys-5c-new-token-390");
    await rolled.getByRole("button", { name: "Done" }).click();
    await rolled.waitFor({ state: "hidden" });
    // no grace left: the card says when it was rolled, without a notice
    await forecast.getByText("Last rolled").waitFor();
    expect(await forecast.getByRole("status", { name: "Key rolled" }).count()).toBe(0);
    await waitFor("both older tokens refused", async () =>
      (await call(forecastToken)) === 401 && (await call(newToken)) === 401 ? true : null,
    );
    expect(await call(newest)).toBe(200);

    // ---- revoke the History key, after the confirmation
    const history = card("History API");
    await history.getByRole("button", { name: `Revoke History API key of ${SERVICE}` }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke this key?" });
    await confirm.getByText("This cannot be undone").waitFor();
    await inView(page, confirm.getByRole("button", { name: "Revoke key" }), "Revoke key at 390 px");
    await s.screenshot("my-keys-6-revoke-confirm-390");
    await confirm.getByRole("button", { name: "Revoke key" }).click();
    await confirm.waitFor({ state: "hidden" });
    await history.getByText(/^Revoked today at .*: you revoked it\./).waitFor();
    await history.locator(".badge").getByText("Revoked", { exact: true }).waitFor();
    expect(await history.getByRole("button").count()).toBe(0);
    expect(
      await page
        .locator("section", { has: page.getByRole("heading", { name: "Revoked and expired" }) })
        .getByRole("region")
        .count(),
    ).toBe(2);
    await expectNoSidewaysScroll(page, "My keys after revoking at 390 px");
    await s.screenshot("my-keys-7-revoked-390");
    await waitFor("the revoked token refused", async () => (await call(historyToken)) === 401);
    // the other keys are unchanged
    expect(await call(newest)).toBe(200);

    await page.setViewportSize(DESKTOP);
    await s.screenshot("my-keys-8-after-1280");
  });

  it("says how to get a key when the user holds none", async () => {
    const eve = await createWebUser(server().url, "Eve Empty");
    for (const viewport of [DESKTOP, PHONE]) {
      const s = await browser.open({ viewport });
      await signIn(s.page, eve);
      await s.page.goto(webPaths.myKeys);
      const empty = s.page.getByText("You hold no API keys yet.");
      await empty.waitFor();
      await s.page.getByText(/press REQUEST on one of the API keys on its About page/).waitFor();
      await inView(s.page, empty, `the empty state at ${viewport.width} px`);
      await expectNoSidewaysScroll(s.page, `the empty My keys at ${viewport.width} px`);
      await s.screenshot(`my-keys-0-empty-${viewport.width}`);
      await s.context.close();
    }
  });
});
