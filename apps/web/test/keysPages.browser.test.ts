import { webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { openMail } from "./mailbox";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn, type WebUser } from "./users";

// The owner's and the requester's key pages as a person uses them (issue 10): they fit the screen
// at 1280 and 390 px, the chart reads right, every action says what it did, nothing is lost unsaved.

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const ARCHIVE = "Archive API";
/** A long name and address: the table must wrap them, not grow past its box. */
const LONG_NAME = "Maximilian Alexander Featherstonehaugh-Worthington";
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Times are in words on these pages, never ISO. */
async function expectNoIsoTimes(page: Page) {
  expect(await page.locator("main").textContent()).not.toMatch(ISO);
}

/**
 * The requests bars drawn on the chart's canvas, in CSS pixels, and the plot area: every column
 * of the plot that holds the bar's blue fill or outline (grid lines are grey, the page white).
 */
async function barColumns(chart: Locator) {
  return chart.evaluate((section) => {
    const canvas = section.querySelector("canvas") as HTMLCanvasElement;
    const over = section.querySelector(".u-over") as HTMLElement;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const left = over.offsetLeft;
    const width = over.offsetWidth;
    // a row just above the x axis, where every bar with requests is drawn
    const y = Math.round((over.offsetTop + over.offsetHeight - 4) * ratio);
    const pixels = canvas.getContext("2d")!.getImageData(0, y, canvas.width, 1).data;
    const columns: number[] = [];
    for (let x = Math.round(left * ratio); x < Math.round((left + width) * ratio); x++) {
      const [r, , b] = [pixels[x * 4]!, pixels[x * 4 + 1]!, pixels[x * 4 + 2]!];
      if (b - r > 12) columns.push(x / ratio);
    }
    return { columns, left, right: left + width };
  });
}

async function usersWithKeys(baseUrl: string, owner: WebUser, templateId: number, names: string[]) {
  const holders = [];
  for (const name of names) {
    const user = await createWebUser(baseUrl, name);
    const request = await user.api.apiKeys.request.mutate({ templateId, message: "For my farm." });
    const { keyId } = await owner.api.apiKeys.approve.mutate({ requestId: request.id });
    holders.push({ user, keyId });
  }
  return holders;
}

describe("the key pages as a person uses them", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  it("Usage statistics: the table fits at 1280 and 390 px, the chart reads right", {
    timeout: 120_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const {
      project,
      templates: [forecast],
    } = await createService(olga, SERVICE, [FORECAST]);
    const [first] = await usersWithKeys(server().url, olga, forecast!.id, [LONG_NAME, "Grace Hopper"]);
    const { token } = await first!.user.api.apiKeys.reveal.mutate({ keyId: first!.keyId });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }

    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id));
    // the sidebar names the section as the seed does, and so does the page
    await o.locator(".sidenav").getByRole("link", { name: "Usage statistics" }).click();
    await o.getByRole("heading", { level: 1, name: "Usage statistics" }).waitFor();
    const issued = o.getByRole("region", { name: "Issued keys" });
    await issued.getByRole("heading", { name: "Issued keys" }).waitFor();
    const row = issued.getByRole("row", { name: new RegExp(LONG_NAME) });
    const requests = row.locator('td[data-label="Requests"]');
    const refresh = o.getByRole("button", { name: "Refresh" });
    await waitFor(
      "3 requests in the table",
      async () => {
        if ((await requests.textContent())?.trim() === "3") return true;
        if ((await refresh.getAttribute("aria-busy")) === null) await refresh.click();
        return false;
      },
      { timeoutMs: 15_000, intervalMs: 300 },
    );
    // at 1280 px the whole row is on screen, its revoke button too
    const revoke = row.getByRole("button", { name: `Revoke key of ${LONG_NAME} for ${FORECAST}` });
    await expectInViewport(o, revoke, "the Revoke button at 1280 px");
    await expectNoSidewaysScroll(o, "Usage statistics at 1280 px");
    await row
      .getByText(/^today at \d/)
      .first()
      .waitFor();
    await expectNoIsoTimes(o);

    // the chart of the 7 days: one label per day, today's bar whole, totals in the legend
    await row.click();
    const chart = o.getByRole("region", { name: "Usage chart" });
    await chart.getByText(/requests per day/).waitFor();
    await chart.locator("canvas").waitFor();
    const box = chart.getByTestId("usage-chart");
    await waitFor("the x axis labels", async () => !!(await box.getAttribute("data-x-labels")));
    const labels = (await box.getAttribute("data-x-labels"))!.split("|");
    expect(labels.length).toBeGreaterThan(1);
    expect(labels.length).toBeLessThanOrEqual(7);
    expect(new Set(labels).size, `each date once on the axis: ${labels.join(", ")}`).toBe(labels.length);
    // without hovering, the legend shows the period's totals, never "--"
    const legend = chart.locator(".u-legend");
    await waitFor("the legend's totals", async () => (await legend.textContent())?.includes("3"));
    expect(await legend.textContent()).not.toContain("--");
    expect(await legend.locator(".u-series").nth(1).textContent()).toMatch(/Requests\s*:?\s*3/);
    // today's bucket is the last one: its bar is drawn whole, not cut at the right edge
    const bars = await barColumns(chart);
    expect(bars.columns.length, "a bar is drawn").toBeGreaterThan(10);
    const right = Math.max(...bars.columns);
    const left = Math.min(...bars.columns);
    expect(right, "the last bar ends before the plot's right edge").toBeLessThan(bars.right - 4);
    // …and sits in the middle of its day (a bar cut in half would sit off-centre, at the edge)
    const day = (bars.right - bars.left) / 7;
    expect(
      Math.abs((left + right) / 2 - (bars.right - day / 2)),
      "the last bar is centred in its day",
    ).toBeLessThan(3);
    // hovering the bar names its day, not "12:00am"
    await chart.locator(".u-legend").scrollIntoViewIfNeeded();
    const overBox = (await chart.locator(".u-over").boundingBox())!;
    await o.mouse.move(overBox.x + overBox.width - day / 2, overBox.y + overBox.height - 20, { steps: 4 });
    const today = await o.evaluate(() =>
      new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" }).format(
        new Date(),
      ),
    );
    await waitFor("the hovered day in the legend", async () =>
      (await legend.locator(".u-series").first().textContent())?.includes(today),
    );
    expect(await legend.textContent()).not.toMatch(/\d{1,2}:\d{2}\s*(am|pm)?/i);
    await owner.screenshot("stats-01-chart-7-days-1280");
    // the text alternative: the buckets as rows
    await chart.getByRole("button", { name: "Show as table" }).click();
    const table = chart.getByRole("table", { name: /^Requests per day/ });
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(7);
    const todayRow = table.getByRole("row", { name: new RegExp(today) });
    expect(await todayRow.locator("td").nth(1).textContent()).toBe("3");
    expect(await chart.getByRole("button", { name: "Hide table" }).getAttribute("aria-pressed")).toBe("true");
    await owner.screenshot("stats-02-chart-table-1280");
    await o.mouse.move(0, 0);

    // ---- at 390 px the table stacks inside its box; the page never scrolls sideways
    const phone = await browser.open({ viewport: PHONE });
    const p = phone.page;
    await signIn(p, olga);
    await p.goto(webPaths.project(project.id, "issuedKeys"));
    await p.getByRole("heading", { level: 1, name: "Usage statistics" }).waitFor();
    const phoneRow = p.getByRole("row", { name: new RegExp(LONG_NAME) });
    await phoneRow.waitFor();
    await expectNoSidewaysScroll(p, "Usage statistics at 390 px");
    await expectInViewport(
      p,
      phoneRow.getByRole("button", { name: `Revoke key of ${LONG_NAME} for ${FORECAST}` }),
      "the Revoke button at 390 px",
    );
    await phoneRow.click();
    await p.getByRole("region", { name: "Usage chart" }).locator("canvas").waitFor();
    await p.getByRole("button", { name: "Show as table" }).click();
    await p
      .getByRole("region", { name: "Usage chart" })
      .getByRole("table", { name: /^Requests per/ })
      .waitFor();
    await expectNoSidewaysScroll(p, "the chart and its table at 390 px");
    await phone.screenshot("stats-03-usage-statistics-390");

    // revoking says what it did, and the row stays (revoked)
    await revoke.click();
    const dialog = o.getByRole("dialog", { name: "Revoke this key?" });
    await dialog.getByText(/cannot be undone/).waitFor();
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await o.getByRole("status", { name: "Key revoked" }).getByText(LONG_NAME).waitFor();
    await row.getByText("revoked", { exact: true }).waitFor();
    await owner.screenshot("stats-04-revoked-1280");
  });

  it("every key action says what it did; unsaved edits are not lost; empty pages explain", {
    timeout: 180_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const grace = await createWebUser(server().url, "Grace Requester");
    const {
      project,
      templates: [forecast],
    } = await createService(olga, SERVICE, [FORECAST, ARCHIVE]);
    // three keys from Forecast API, to be revoked with it
    await usersWithKeys(server().url, olga, forecast!.id, ["Ann", "Ben", "Cleo"]);
    const owner = await browser.open({ viewport: DESKTOP });
    const requester = await browser.open({ viewport: PHONE });
    const o = owner.page;
    const u = requester.page;
    await signIn(o, olga);
    await signIn(u, grace);

    // ---- the requester (on a phone) asks for Archive API, then withdraws: confirmation, then a message
    await u.goto(webPaths.project(project.id));
    const tile = u.getByRole("region", { name: `API key ${ARCHIVE}` });
    await tile.getByRole("button", { name: "Request" }).click();
    const ask = u.getByRole("dialog", { name: `Request ${ARCHIVE}` });
    await ask.getByRole("button", { name: "Request" }).click();
    await ask.waitFor({ state: "hidden" });
    await tile.getByText(/Request sent today at \d/).waitFor();
    await tile.getByRole("button", { name: "Withdraw request" }).click();
    const confirm = u.getByRole("dialog", { name: "Withdraw your request?" });
    await confirm.getByText(/cannot be undone/).waitFor();
    await requester.screenshot("keys-pages-01-withdraw-confirm-390");
    await confirm.getByRole("button", { name: "Withdraw request" }).click();
    await confirm.waitFor({ state: "hidden" });
    await tile
      .getByRole("status", { name: "Key request update" })
      .getByText(/withdrawn/)
      .waitFor();
    await tile.getByRole("button", { name: "Request" }).waitFor();
    await expectNoSidewaysScroll(u, "the About page at 390 px");
    await expectNoIsoTimes(u);
    await requester.screenshot("keys-pages-02-withdrawn-390");

    // ---- the owner is told by e-mail, and the Requests list shows it as withdrawn
    const mail = await openMail(o, new RegExp(`Key request withdrawn: ${ARCHIVE} in ${SERVICE}`), olga.email);
    await mail.getByText(/Grace Requester \(.+\) withdrew their request/).waitFor();
    await o.goto(webPaths.project(project.id, "apiKeys"));
    const requests = o.getByRole("region", { name: "Requests" });
    const withdrawnRow = requests.getByRole("row", { name: /Grace Requester/ });
    await withdrawnRow.getByText("withdrawn", { exact: true }).waitFor();
    await withdrawnRow.getByText(/withdrawn by the requester today at \d/).waitFor();

    // ---- she asks again; the owner approves: the message names her and links to Usage statistics
    await tile.getByRole("button", { name: "Request" }).click();
    await ask.getByRole("button", { name: "Request" }).click();
    await ask.waitFor({ state: "hidden" });
    await requests.getByRole("button", { name: "Refresh" }).click();
    await requests
      .getByRole("button", { name: `Approve request from Grace Requester for ${ARCHIVE}` })
      .click();
    // ✓ opens the approval (an optional expiry): approve with the template's default
    await o.getByRole("dialog", { name: "Approve request" }).getByRole("button", { name: "Approve" }).click();
    const decided = o.getByRole("status", { name: "Request decided" });
    await decided.getByText(/Approved: Grace Requester now holds a key for Archive API/).waitFor();
    await owner.screenshot("keys-pages-03-approved-1280");
    await decided.getByRole("link", { name: "Usage statistics" }).click();
    await o.getByRole("heading", { level: 1, name: "Usage statistics" }).waitFor();
    await o.getByRole("row", { name: /Grace Requester/ }).waitFor();

    // ---- a rejected request: the tile says when REQUEST is possible again, in words
    const dave = await createWebUser(server().url, "Dave Rejected");
    const daveRequest = await dave.api.apiKeys.request.mutate({ templateId: forecast!.id });
    await olga.api.apiKeys.reject.mutate({ requestId: daveRequest.id, reason: "Not this month." });
    const daveSession = await browser.open({ viewport: PHONE });
    await signIn(daveSession.page, dave);
    await daveSession.page.goto(webPaths.project(project.id));
    const rejected = daveSession.page.getByRole("region", { name: `API key ${FORECAST}` });
    await rejected.getByText(/^You can ask again (today|tomorrow) at \d/).waitFor();
    expect(await rejected.getByRole("button", { name: "Request" }).count()).toBe(0);
    await expectNoIsoTimes(daveSession.page);
    await daveSession.screenshot("keys-pages-04-rejected-390");
    // a non-member reads the public About page only (projects.get answers NOT_FOUND)
    for (const s of [requester, daveSession]) {
      for (const e of s.httpErrors) expect(e).toMatch(/^404 \/trpc\/[^?]*projects\.get/);
      s.httpErrors.length = 0;
    }

    // ---- unsaved information-field edits: marked, and leaving warns (app and browser)
    await o.goto(webPaths.project(project.id, "apiKeys"));
    const forecastTile = o.getByRole("region", { name: `Template ${FORECAST}` });
    const inputField = forecastTile.getByRole("listitem", { name: "Field input" });
    const value = inputField.getByLabel("Field value");
    await value.fill("12345");
    await inputField.getByText(/Unsaved/).waitFor();
    await forecastTile.getByText("Unsaved changes", { exact: true }).waitFor();
    const warned = await o.evaluate(() => {
      const e = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
    expect(warned, "beforeunload is cancelled while edits are unsaved").toBe(true);
    await owner.screenshot("keys-pages-05-unsaved-1280");
    await o.locator(".sidenav").getByRole("link", { name: "About" }).click();
    const leave = o.getByRole("dialog", { name: "Leave without saving?" });
    await leave.getByText(`field input of ${FORECAST}`).waitFor();
    await owner.screenshot("keys-pages-06-leave-warning-1280");
    await leave.getByRole("button", { name: "Stay on this page" }).click();
    await leave.waitFor({ state: "hidden" });
    expect(new URL(o.url()).pathname).toBe(webPaths.project(project.id, "apiKeys"));
    expect(await value.inputValue()).toBe("12345");
    // leaving anyway discards the edit; back on the page the stored value shows
    await o.locator(".sidenav").getByRole("link", { name: "About" }).click();
    await leave.getByRole("button", { name: "Leave and discard" }).click();
    await o.getByRole("heading", { level: 1, name: SERVICE }).waitFor();
    await o.locator(".sidenav").getByRole("link", { name: "API keys" }).click();
    await waitFor("the stored node id, not the discarded edit", async () => {
      const v = await value.inputValue();
      return /^\d+$/.test(v) && v !== "12345";
    });
    // saved, nothing warns any more
    await value.fill("12345");
    await inputField.getByRole("button", { name: "Save" }).click();
    await inputField.getByText(/Unsaved/).waitFor({ state: "detached" });
    expect(await value.inputValue()).toBe("12345");
    expect(
      await o.evaluate(() => {
        const e = new Event("beforeunload", { cancelable: true });
        window.dispatchEvent(e);
        return e.defaultPrevented;
      }),
    ).toBe(false);

    // ---- deleting a template says how many keys it revokes, then what it did
    await forecastTile.getByRole("button", { name: `Delete template ${FORECAST}` }).click();
    const del = o.getByRole("dialog", { name: `Delete template ${FORECAST}?` });
    await del.getByText("Deleting revokes 3 issued keys").waitFor();
    await owner.screenshot("keys-pages-07-delete-template-1280");
    await del.getByRole("button", { name: "Delete and revoke 3 keys" }).click();
    await o
      .getByRole("status", { name: "Template deleted" })
      .getByText(/3 keys revoked/)
      .waitFor();
    await expectNoIsoTimes(o);

    // ---- on a phone the API keys page is usable: template tiles in one column, no sideways scroll
    const ownerPhone = await browser.open({ viewport: PHONE });
    const op = ownerPhone.page;
    await signIn(op, olga);
    await op.goto(webPaths.project(project.id, "apiKeys"));
    const archiveTile = op.getByRole("region", { name: `Template ${ARCHIVE}` });
    await archiveTile.waitFor();
    const tileBox = (await archiveTile.boundingBox())!;
    for (const label of ["Name", "Price per request", "Rate limit per minute"]) {
      const input = (await archiveTile.getByLabel(label, { exact: true }).boundingBox())!;
      expect(input.width, `${label} takes the tile's width (one column)`).toBeGreaterThan(
        tileBox.width * 0.7,
      );
    }
    await expectNoSidewaysScroll(op, "API keys at 390 px");
    await ownerPhone.screenshot("keys-pages-08-api-keys-390");

    // ---- a project that publishes no template: both pages say what they are for and how to start
    const empty = await olga.api.projects.create.mutate({ name: "Empty project" });
    await op.goto(webPaths.project(empty.id, "apiKeys"));
    await op.getByText("No templates yet.").waitFor();
    await op.getByText(/lets other users call this project as a service/).waitFor();
    await op.getByRole("button", { name: "Create the first template" }).waitFor();
    await expectNoSidewaysScroll(op, "empty API keys at 390 px");
    await ownerPhone.screenshot("keys-pages-09-api-keys-empty-390");
    await op.goto(webPaths.project(empty.id, "issuedKeys"));
    const nothing = op.getByRole("status", { name: "No API keys yet" });
    await nothing.getByText(/how many requests it made and what they cost/).waitFor();
    await nothing.getByRole("link", { name: "create a template under API keys" }).click();
    await op.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
    await op.goto(webPaths.project(empty.id, "issuedKeys"));
    await nothing.waitFor();
    await ownerPhone.screenshot("keys-pages-10-usage-statistics-empty-390");
    await expectNoSidewaysScroll(op, "empty Usage statistics at 390 px");
  });
});
