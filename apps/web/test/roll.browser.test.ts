import { webPaths } from "@keyflow/schemas";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// Roll as a person does it (SPEC §12): the holder rolls from their key tile with a grace and copies
// the new token; the owner rolls from Usage statistics after a confirmation ("leaked key": grace 0).
// The dialog's grace field itself is covered by myKeys.browser.test.ts (the same dialog).

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const HOLDER = "Hana Holder";
const ROLLED = { detail: "API key rolled: use the new token" };

describe("roll a key", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("the holder rolls from the tile and copies the new token; the owner rolls from Issued keys after a confirmation", {
    timeout: 120_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const hana = await createWebUser(server().url, HOLDER);
    const {
      project,
      templates: [forecast],
    } = await createService(olga, SERVICE, [FORECAST]);
    const request = await hana.api.apiKeys.request.mutate({ templateId: forecast!.id });
    const { keyId } = await olga.api.apiKeys.approve.mutate({ requestId: request.id });
    const { token: firstToken } = await hana.api.apiKeys.reveal.mutate({ keyId });
    const call = async (token: string) => {
      const res = await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: await res.json() };
    };
    expect((await call(firstToken)).status).toBe(200);

    // ---- the holder, on her key tile at 1280 px
    const holder = await browser.open({ viewport: DESKTOP });
    const p = holder.page;
    await holder.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server().url });
    await signIn(p, hana);
    await p.goto(webPaths.project(project.id));
    const tile = p.getByRole("region", { name: `API key ${FORECAST}` });
    await tile.getByText("Confirmed", { exact: true }).waitFor();
    // the old token revealed on the tile: after the roll it must not stay on screen
    await tile.getByRole("button", { name: "Reveal token" }).click();
    await tile.getByTestId("api-token").getByText(firstToken).waitFor();
    const rollButton = tile.getByRole("button", { name: "Roll key…" });
    await expectInViewport(p, rollButton, "Roll key… at 1280 px");
    await rollButton.click();

    const dialog = p.getByRole("dialog", { name: "Roll key" });
    const grace = dialog.getByLabel("Old token keeps working for (minutes)");
    await grace.waitFor();
    expect(await grace.inputValue()).toBe("60");
    await dialog.getByText(/gives your key for Forecast API of Weather service a new token/).waitFor();
    await dialog.getByText(/keeps working for 1 hour, until (today|tomorrow) at/).waitFor();
    await holder.screenshot("roll-1-tile-dialog-1280");
    await dialog.getByRole("button", { name: "Roll key" }).click();

    const rolled = p.getByRole("dialog", { name: "Key rolled" });
    const box = rolled.getByTestId("new-token");
    await box.waitFor();
    const newToken = (await box.textContent()) ?? "";
    expect(newToken).toMatch(/^kf_/);
    expect(newToken).not.toBe(firstToken);
    await rolled.getByText(/works until (today|tomorrow) at \d/).waitFor();
    const copy = rolled.getByRole("button", { name: "Copy to clipboard" });
    expect(await copy.evaluate((el) => el === document.activeElement), "focus on Copy").toBe(true);
    await copy.click();
    await rolled.getByRole("status").getByText("Copied").waitFor();
    expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(newToken);
    await expectInViewport(p, box, "the new token at 1280 px");
    await holder.screenshot("roll-2-tile-new-token-1280");
    // both work during the grace
    expect((await call(newToken)).status).toBe(200);
    expect((await call(firstToken)).status).toBe(200);

    await rolled.getByRole("button", { name: "Done" }).click();
    await rolled.waitFor({ state: "detached" });
    // the tile shows the new token's start; the old revealed token is gone
    await tile.getByText(`${newToken.slice(0, 7)}…`).waitFor();
    expect(await tile.getByText(firstToken).count()).toBe(0);
    await tile.getByRole("button", { name: "Reveal token" }).waitFor();

    // the same dialog on a phone
    await p.setViewportSize(PHONE);
    await rollButton.click();
    await dialog.getByLabel("Old token keeps working for (minutes)").waitFor();
    await expectInViewport(
      p,
      dialog.getByRole("button", { name: "Roll key" }),
      "Roll key in the dialog at 390 px",
    );
    await expectNoSidewaysScroll(p, "the roll dialog at 390 px");
    await holder.screenshot("roll-3-tile-dialog-390");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    await expectInViewport(p, rollButton, "Roll key… at 390 px");
    await expectNoSidewaysScroll(p, "the About page at 390 px");
    await holder.screenshot("roll-4-tile-390");

    // ---- the owner rolls it from Usage statistics: the leaked-key button, grace 0
    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id, "issuedKeys"));
    const row = o.getByRole("region", { name: "Issued keys" }).getByRole("row", { name: new RegExp(HOLDER) });
    const roll = row.getByRole("button", { name: `Roll key of ${HOLDER} for ${FORECAST}` });
    await expectInViewport(o, roll, "Roll… at 1280 px");
    await expectNoSidewaysScroll(o, "Usage statistics at 1280 px");
    await roll.click();
    const confirm = o.getByRole("dialog", { name: "Roll this key?" });
    await confirm.getByText("The old token is refused at once, on every server.").waitFor();
    await confirm.getByText(/Secrets they imported from this key get the new token/).waitFor();
    await confirm.getByText(/They are e-mailed and can reveal the new token/).waitFor();
    await owner.screenshot("roll-5-issued-confirm-1280");
    // nothing happens before the confirmation
    expect((await call(newToken)).status).toBe(200);
    await confirm.getByRole("button", { name: "Roll key" }).click();
    await o
      .getByRole("status", { name: "Key rolled" })
      .getByText(/rolled: its old token is refused from now on/)
      .waitFor();
    await confirm.waitFor({ state: "detached" });
    // the table shows the new token's start; the owner never sees the token itself
    const { token: ownerRolledToken } = await hana.api.apiKeys.reveal.mutate({ keyId });
    await row.getByText(`${ownerRolledToken.slice(0, 7)}…`).waitFor();
    expect(await o.getByText(ownerRolledToken).count()).toBe(0);
    await owner.screenshot("roll-6-issued-rolled-1280");
    expect(await call(newToken)).toEqual({ status: 401, body: ROLLED });
    expect((await call(ownerRolledToken)).status).toBe(200);

    await o.setViewportSize(PHONE);
    await expectInViewport(o, roll, "Roll… at 390 px");
    await expectNoSidewaysScroll(o, "Usage statistics at 390 px");
    await owner.screenshot("roll-7-issued-390");
    await roll.click();
    await expectInViewport(
      o,
      confirm.getByRole("button", { name: "Roll key" }),
      "Roll key in the confirmation at 390 px",
    );
    await owner.screenshot("roll-8-issued-confirm-390");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
  });
});
