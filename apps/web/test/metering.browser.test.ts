import path from "node:path";
import { usage } from "@keyflow/core";
import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { SCREENSHOT_DIR, useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// Metering as the owner uses it (SPEC §13): a quota and wait mode set in the template's settings,
// the key's 4th call refused once the quota is used up, where the calls came from under Usage
// statistics, and a top-up there that lets the holder's next call through.

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const HOLDER = "Hana Holder";

/** A screenshot of one part of a long page. */
const shoot = (locator: Locator, name: string) =>
  locator.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });

const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

/** Inside the viewport, allowing 1 px of sub-pixel rounding. */
const inView = (page: Page, locator: Locator, what: string) => expectInViewport(page, locator, what, 1);

describe("metering in a real browser", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("owner sets a quota and wait mode, the key is refused when it is used up, a top-up lets it through", {
    timeout: 180_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const hana = await createWebUser(server().url, HOLDER);
    const {
      project,
      templates: [forecast],
    } = await createService(olga, SERVICE, [FORECAST]);
    const request = await hana.api.apiKeys.request.mutate({ templateId: forecast!.id });
    const { keyId } = await olga.api.apiKeys.approve.mutate({ requestId: request.id });
    const { token } = await hana.api.apiKeys.reveal.mutate({ keyId });
    const callApi = async () => {
      const res = await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as { detail?: string } };
    };

    // ---- the owner sets 3 requests per month and wait mode in the template's settings
    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id, "apiKeys"));
    const tile = o.getByRole("region", { name: `Template ${FORECAST}` });
    const metering = tile.locator(".template-metering");
    await metering.getByText("Rate limit and quota").waitFor();
    // without a rate limit the choice says when it applies
    await metering.getByText("Applies once you set a rate limit.").waitFor();
    expect(await tile.getByRole("radio", { name: /^Refuse \(429\)/ }).isChecked()).toBe(true);
    await tile.getByLabel("Rate limit per minute").fill("60");
    await tile.getByRole("radio", { name: /^Wait \(hold up to 10 s\)/ }).check();
    await metering.getByText(/does not retry 429/).waitFor();
    await tile.getByLabel("Quota", { exact: true }).fill("3");
    await tile.getByLabel("Quota period").selectOption("month");
    await metering.getByText(/Only answers below 400 count/).waitFor();
    await tile.getByText("Unsaved changes").waitFor();
    for (const part of [
      tile.getByLabel("Rate limit per minute"),
      tile.getByRole("radio", { name: /^Wait/ }),
      tile.getByLabel("Quota", { exact: true }),
      tile.getByLabel("Quota period"),
    ])
      await inView(o, part, "a metering setting at 1280 px");
    await shoot(metering, "metering-01-settings-1280");
    await owner.screenshot("metering-01-settings-1280-page");
    await tile.getByRole("button", { name: "Save template" }).click();
    await tile.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    const saved = await server()
      .db.selectFrom("api_key_templates")
      .select(["rate_limit_per_minute", "rate_limit_mode", "quota_requests", "quota_period"])
      .where("id", "=", forecast!.id)
      .executeTakeFirstOrThrow();
    expect(saved).toEqual({
      rate_limit_per_minute: 60,
      rate_limit_mode: "wait",
      quota_requests: 3,
      quota_period: "month",
    });
    // after a reload the tile shows what was saved
    await o.reload();
    expect(await tile.getByRole("radio", { name: /^Wait/ }).isChecked()).toBe(true);
    expect(await tile.getByLabel("Quota", { exact: true }).inputValue()).toBe("3");
    expect(await tile.getByLabel("Quota period").inputValue()).toBe("month");
    expect(await tile.getByLabel("Rate limit per minute").inputValue()).toBe("60");
    expect(await tile.getByText("Applies once you set a rate limit.").count()).toBe(0);

    // the same settings on a phone: one column, nothing sideways
    await o.setViewportSize(PHONE);
    for (const part of [
      tile.getByRole("radio", { name: /^Refuse/ }),
      tile.getByRole("radio", { name: /^Wait/ }),
      tile.getByLabel("Quota", { exact: true }),
      tile.getByLabel("Quota period"),
    ])
      await inView(o, part, "a metering setting at 390 px");
    await expectNoSidewaysScroll(o, "API keys at 390 px");
    await shoot(metering, "metering-02-settings-390");
    await o.setViewportSize(DESKTOP);

    // ---- the holder sees what the key allows on the project's About tile, at both widths
    const holderView = await browser.open({ viewport: DESKTOP });
    const h = holderView.page;
    await signIn(h, hana);
    await h.goto(webPaths.project(project.id));
    const keyTile = h.getByRole("region", { name: `API key ${FORECAST}` });
    await keyTile.getByText("60 requests / minute; a call over it waits up to 10 s").waitFor();
    await keyTile.getByText("3 requests per month").waitFor();
    await shoot(keyTile, "metering-02b-about-tile-1280");
    await h.setViewportSize(PHONE);
    await inView(h, keyTile.getByText("3 requests per month"), "the quota on the About tile at 390 px");
    await expectNoSidewaysScroll(h, "About at 390 px");
    await shoot(keyTile, "metering-02c-about-tile-390");

    // ---- the holder's key makes 3 calls; the 4th is refused with the quota message
    for (let i = 1; i <= 3; i++) {
      const r = await callApi();
      expect(r.status, `call ${i}`).toBe(200);
      expect(r.headers.get("x-quota-limit")).toBe("3");
      expect(r.headers.get("x-quota-remaining")).toBe(String(3 - i));
    }
    const refused = await callApi();
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/^Quota of 3 requests per month used up; renews at /);

    // ---- Usage statistics: where the calls came from, and Top up… (the events are flushed within 500 ms)
    await waitFor("the calls in the issued keys", async () => {
      const { rows } = await olga.api.apiKeys.issued.query({
        projectId: project.id,
        from: new Date(Date.now() - 3_600_000),
        to: new Date(Date.now() + 60_000),
      });
      return rows[0]?.lastIp !== null && (rows[0]?.requests ?? 0) >= 4;
    });
    await o.goto(webPaths.project(project.id, "issuedKeys"));
    const issued = o.getByRole("region", { name: "Issued keys" });
    const row = issued.getByRole("row", { name: new RegExp(HOLDER) });
    await row.getByText("127.0.0.1", { exact: true }).waitFor();
    await row.getByText("1 address", { exact: true }).waitFor();
    await row.getByText("quota 3 per month").waitFor();
    expect(await row.getByText("may be shared").count()).toBe(0);
    await inView(
      o,
      issued.getByRole("columnheader", { name: "Calls from" }),
      "the Calls from column at 1280 px",
    );
    const topUp = row.getByRole("button", { name: `Top up the quota of ${HOLDER} for ${FORECAST}` });
    await inView(o, topUp, "Top up… at 1280 px");
    await inView(
      o,
      row.getByRole("button", { name: `Revoke key of ${HOLDER} for ${FORECAST}` }),
      "Revoke at 1280 px",
    );
    await expectNoSidewaysScroll(o, "Usage statistics at 1280 px");
    await owner.screenshot("metering-03-issued-1280");

    // ---- the top-up dialog: a positive whole number, what it does, the confirmation
    await topUp.click();
    const dialog = o.getByRole("dialog", { name: "Top up quota" });
    const amount = dialog.getByLabel("Requests to add");
    await amount.waitFor();
    expect(await isFocused(amount)).toBe(true);
    await dialog.getByText(/may make 3 requests per month\. They add to this month's quota only/).waitFor();
    await dialog.getByText(new RegExp(`${HOLDER} is e-mailed`)).waitFor();
    const add = dialog.getByRole("button", { name: "Add requests" });
    expect(await add.isDisabled()).toBe(true);
    await amount.fill("0");
    await dialog.getByRole("alert").getByText("Enter a whole number of requests, at least 1.").waitFor();
    expect(await add.isDisabled()).toBe(true);
    await amount.fill("2");
    expect(await add.isDisabled()).toBe(false);
    await inView(o, add, "Add requests at 1280 px");
    await owner.screenshot("metering-04-top-up-dialog-1280");
    await add.click();
    await dialog.waitFor({ state: "hidden" });
    const confirmation = o.getByRole("status", { name: "Key topped up" });
    await confirmation.getByText("Added 2 requests; 2 left this period.").waitFor();
    await confirmation.getByText(new RegExp(`${HOLDER} was e-mailed`)).waitFor();
    await inView(o, confirmation, "the top-up confirmation at 1280 px");
    await owner.screenshot("metering-05-topped-up-1280");

    // the holder's next call is served (the API re-checks a used-up quota within a second)
    const served = await waitFor(
      "a call served after the top-up",
      async () => {
        const r = await callApi();
        return r.status === 200 ? r : null;
      },
      { intervalMs: 100 },
    );
    expect(served.headers.get("x-quota-limit")).toBe("5");

    // ---- on a phone: the card shows where calls come from; a top-up from there
    await o.setViewportSize(PHONE);
    await o.reload();
    await inView(o, row.getByText("127.0.0.1", { exact: true }), "the last IP at 390 px");
    await inView(o, row.getByText("1 address", { exact: true }), "the address count at 390 px");
    await inView(o, topUp, "Top up… at 390 px");
    await expectNoSidewaysScroll(o, "Usage statistics at 390 px");
    await owner.screenshot("metering-06-issued-390");
    await shoot(row, "metering-06-issued-390-card");
    await topUp.click();
    await amount.fill("1");
    await inView(o, amount, "Requests to add at 390 px");
    await inView(o, add, "Add requests at 390 px");
    await owner.screenshot("metering-07-top-up-dialog-390");
    await add.click();
    await dialog.waitFor({ state: "hidden" });
    await confirmation.getByText(/^Added 1 request; \d+ left this period\.$/).waitFor();
    await inView(o, confirmation, "the top-up confirmation at 390 px");
    await expectNoSidewaysScroll(o, "Usage statistics after a top-up at 390 px");
    await owner.screenshot("metering-08-topped-up-390");

    // a call from a second address (an older event, so the last IP stays): highlighted as maybe shared
    await usage.recordUsage(server().db, [
      {
        keyId,
        at: new Date(Date.now() - 60_000),
        method: "GET",
        route: "/api/projects/:projectId/data_layers/last",
        status: 200,
        outcome: "ok",
        durationMs: 3,
        price: "0",
        ip: "203.0.113.7",
      },
    ]);
    await o.getByRole("button", { name: "Refresh" }).click();
    const spread = row.getByText("2 addresses", { exact: true });
    await inView(o, spread, "2 addresses at 390 px");
    expect(await spread.getAttribute("class")).toContain("badge-amber");
    await row.getByText("may be shared").waitFor();
    await row.getByText("127.0.0.1", { exact: true }).waitFor();
    await shoot(row, "metering-09-shared-390-card");
    await o.setViewportSize(DESKTOP);
    await inView(o, spread, "2 addresses at 1280 px");
    await expectNoSidewaysScroll(o, "Usage statistics with 2 addresses at 1280 px");
    await owner.screenshot("metering-10-shared-1280");

    // both top-ups are audited and the holder was e-mailed each time
    const grants = await server()
      .db.selectFrom("audit_log")
      .select("details")
      .where("action", "=", "key.quota_grant")
      .execute();
    expect(grants.map((g) => (g.details as { requests: number }).requests).sort()).toEqual([1, 2]);
  });
});
