import path from "node:path";
import { webPaths } from "@keyflow/schemas";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { SCREENSHOT_DIR, useBrowser } from "./browser";
import { DESKTOP, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// Approval policy per template (SPEC §12) as people use it: the owner's settings, the
// requester's questions, auto approval, an approval with an expiry inside the template's cap.

const SERVICE = "Weather service";
const AUTO = "Instant forecast";
const MANUAL = "Archive API";
const QUESTION = "What will you use the key for?";
const MANUAL_QUESTION = "Which years of the archive do you need?";
const DAY = 86_400_000;

const pad = (n: number) => String(n).padStart(2, "0");
/** A local day as `<input type="date">` holds it. */
const dateValue = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The element is shown and lies inside the viewport's width. */
async function inView(page: Page, locator: Locator) {
  await locator.waitFor();
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, "visible").not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width + 1);
}

/** A screenshot of one part of a long page (a phone's full page is too tall to read). */
const shoot = (locator: Locator, name: string) =>
  locator.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });

const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

describe("approval policy in a real browser", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("auto approval with a required question; a manual approval with an expiry inside the cap", {
    timeout: 180_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const rita = await createWebUser(server().url, "Rita Requester");
    const {
      project,
      templates: [auto, manual],
    } = await createService(olga, SERVICE, [AUTO, MANUAL]);
    // the manual template's policy is set up front: a 30-day cap, a 10-day default, a question
    await olga.api.apiKeys.updateTemplate.mutate({
      templateId: manual!.id,
      keyTtlDays: 10,
      maxTtlDays: 30,
      requestQuestions: [{ id: "years", text: MANUAL_QUESTION, required: true }],
    });

    // ---- the owner switches AUTO to automatic approval and adds a required question
    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id, "apiKeys"));
    const tile = o.getByRole("region", { name: `Template ${AUTO}` });
    const automatic = tile.getByRole("radio", { name: /^Automatic/ });
    await automatic.check();
    await tile.getByText("REQUEST issues the key at once.", { exact: false }).waitFor();
    await tile.getByRole("button", { name: `Add request question to ${AUTO}` }).click();
    const question = tile.getByLabel("Question 1", { exact: true });
    // the new question's text is focused, required by default
    expect(await isFocused(question)).toBe(true);
    await question.fill(QUESTION);
    expect(await tile.getByRole("checkbox", { name: "Required" }).isChecked()).toBe(true);
    await tile.getByText("Unsaved changes").waitFor();
    await owner.screenshot("policy-01-settings-1280");
    await tile.getByRole("button", { name: "Save template" }).click();
    await tile.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    const saved = await server()
      .db.selectFrom("api_key_templates")
      .select(["approval", "request_questions"])
      .where("id", "=", auto!.id)
      .executeTakeFirstOrThrow();
    expect(saved.approval).toBe("auto");
    expect(saved.request_questions).toEqual([{ id: expect.any(String), text: QUESTION, required: true }]);
    // after a reload the tile shows what was saved
    await o.reload();
    expect(await tile.getByRole("radio", { name: /^Automatic/ }).isChecked()).toBe(true);
    expect(await tile.getByLabel("Question 1", { exact: true }).inputValue()).toBe(QUESTION);
    await inView(o, tile.getByRole("button", { name: `Remove question 1 of ${AUTO}` }));

    // ---- the requester answers it in REQUEST: the key is issued at once, the tile confirmed
    const requester = await browser.open({ viewport: DESKTOP });
    const r = requester.page;
    await signIn(r, rita);
    await r.goto(webPaths.project(project.id));
    const autoTile = r.getByRole("region", { name: `API key ${AUTO}` });
    await autoTile.getByRole("button", { name: "Request" }).click();
    const ask = r.getByRole("dialog", { name: `Request ${AUTO}` });
    await ask.getByText(/approves automatically: your key is issued as soon as you send/).waitFor();
    const answer = ask.getByLabel(`${QUESTION} (required)`);
    // focus starts on the first question; an empty required answer is not sent
    expect(await isFocused(answer)).toBe(true);
    await ask.getByRole("button", { name: "Request" }).click();
    expect(await answer.evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    await answer.fill("Frost warnings for my orchard");
    await requester.screenshot("policy-02-request-dialog-1280");
    await ask.getByRole("button", { name: "Request" }).click();
    await ask.waitFor({ state: "hidden" });
    await autoTile.getByText("Confirmed", { exact: true }).waitFor();
    const note = autoTile.getByRole("status", { name: "Key request update" });
    await note.getByText(/Your key was issued at once/).waitFor();
    await inView(r, note);
    await autoTile.getByRole("button", { name: "Reveal token" }).waitFor();
    await requester.screenshot("policy-03-tile-confirmed-1280");

    // ---- on a phone she asks for the manual template: its question, then "awaiting approval"
    const phone = await browser.open({ viewport: PHONE });
    const p = phone.page;
    await signIn(p, rita);
    await p.goto(webPaths.project(project.id));
    const manualTile = p.getByRole("region", { name: `API key ${MANUAL}` });
    await manualTile.getByRole("button", { name: "Request" }).click();
    const askManual = p.getByRole("dialog", { name: `Request ${MANUAL}` });
    const years = askManual.getByLabel(`${MANUAL_QUESTION} (required)`);
    await years.fill("1990 to 2020");
    await inView(p, years);
    await inView(p, askManual.getByRole("button", { name: "Request" }));
    await phone.screenshot("policy-04-request-dialog-390");
    await askManual.getByRole("button", { name: "Request" }).click();
    await askManual.waitFor({ state: "hidden" });
    await manualTile.getByText("Awaiting approval", { exact: true }).waitFor();

    // ---- on a phone the owner sees the settings, the answers in Requests and the picker
    const ownerPhone = await browser.open({ viewport: PHONE });
    const op = ownerPhone.page;
    await signIn(op, olga);
    await op.goto(webPaths.project(project.id, "apiKeys"));
    const phoneTile = op.getByRole("region", { name: `Template ${AUTO}` });
    await inView(op, phoneTile.getByRole("radio", { name: /^Automatic/ }));
    await inView(op, phoneTile.getByLabel("Maximum key lifetime (days)"));
    await inView(op, phoneTile.getByLabel("Question 1", { exact: true }));
    await inView(op, phoneTile.getByRole("button", { name: `Remove question 1 of ${AUTO}` }));
    await ownerPhone.screenshot("policy-05-settings-390");
    await shoot(phoneTile.locator(".template-policy"), "policy-05-settings-390-policy");
    const phoneRow = op
      .getByRole("region", { name: "Requests" })
      .getByRole("row", { name: /Rita Requester/ })
      .filter({ hasText: MANUAL });
    await inView(op, phoneRow.getByRole("definition").filter({ hasText: "1990 to 2020" }));
    await phoneRow.getByRole("button", { name: `Approve request from Rita Requester for ${MANUAL}` }).click();
    const phoneApprove = op.getByRole("dialog", { name: "Approve request" });
    await inView(op, phoneApprove.getByLabel("Key expires on (optional)"));
    await inView(op, phoneApprove.getByRole("button", { name: "Approve" }));
    await ownerPhone.screenshot("policy-06-approve-picker-390");
    await shoot(phoneApprove, "policy-06-approve-picker-390-dialog");
    await phoneApprove.getByRole("button", { name: "Cancel" }).click();
    await phoneApprove.waitFor({ state: "hidden" });
    await shoot(op.getByRole("region", { name: "Requests" }), "policy-07-requests-390");

    // ---- at the desk the owner sees the answers in Requests and approves with an expiry
    await o.goto(webPaths.project(project.id, "apiKeys"));
    const requests = o.getByRole("region", { name: "Requests" });
    const row = requests.getByRole("row", { name: /Rita Requester/ }).filter({ hasText: MANUAL });
    await row.getByRole("term").filter({ hasText: MANUAL_QUESTION }).waitFor();
    await row.getByRole("definition").filter({ hasText: "1990 to 2020" }).waitFor();
    await owner.screenshot("policy-08-requests-1280");
    // the auto-approved request is listed as approved, with its answer
    await requests.getByRole("button", { name: "All" }).click();
    const autoRow = requests.getByRole("row", { name: /Rita Requester/ }).filter({ hasText: AUTO });
    await autoRow.getByText("approved", { exact: true }).waitFor();
    await autoRow.getByRole("definition").filter({ hasText: "Frost warnings for my orchard" }).waitFor();
    await requests.getByRole("button", { name: "Pending" }).click();

    await row.getByRole("button", { name: `Approve request from Rita Requester for ${MANUAL}` }).click();
    const approve = o.getByRole("dialog", { name: "Approve request" });
    const picker = approve.getByLabel("Key expires on (optional)");
    expect(await isFocused(picker)).toBe(true);
    // the picker offers today up to the cap, 30 days from now
    expect(await picker.getAttribute("min")).toBe(dateValue(new Date()));
    expect(await picker.getAttribute("max")).toBe(dateValue(new Date(Date.now() + 30 * DAY)));
    await approve.getByText(/The template caps keys at 30 days: the latest expiry is/).waitFor();
    await approve.getByText(/Empty: the template's default, 10 days/).waitFor();
    // a day past the cap is not sent (the picker's max; the server refuses it too)
    await picker.fill(dateValue(new Date(Date.now() + 40 * DAY)));
    await approve.getByRole("button", { name: "Approve" }).click();
    expect(await picker.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    const chosen = new Date(Date.now() + 20 * DAY);
    await picker.fill(dateValue(chosen));
    await shoot(approve, "policy-09-approve-picker-1280");
    await approve.getByRole("button", { name: "Approve" }).click();
    await approve.waitFor({ state: "hidden" });
    const decided = o.getByRole("status", { name: "Request decided" });
    await decided
      .getByText(/Approved: Rita Requester now holds a key for Archive API, expiring on /)
      .waitFor();
    await inView(o, decided);
    await requests.getByText("No pending requests.").waitFor();
    await shoot(requests, "policy-10-approved-1280");
    // the key expires at the end of the chosen day (the browser's time zone)
    const key = await server()
      .db.selectFrom("api_keys")
      .select("expires_at")
      .where("template_id", "=", manual!.id)
      .executeTakeFirstOrThrow();
    const endOfDay = new Date(chosen.getFullYear(), chosen.getMonth(), chosen.getDate(), 23, 59, 59, 999);
    expect(key.expires_at?.getTime()).toBe(endOfDay.getTime());
  });
});
