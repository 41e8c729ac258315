import { webPaths } from "@keyflow/schemas";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// "expires in …" within the 7 days of expiry notices (SPEC §12): on the holder's key tile, on the
// secrets they imported from the key, and in the owner's Issued keys; a key without an expiry
// shows none. The expiry is set in the database, 3 days (and an hour) from now.

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const HOLDER = "Hana Holder";
const OTHER = "Ivo Other";
const SOON = "expires in 3 days";

describe("a key that expires soon says so", () => {
  const server = useTestServer();
  const browser = useBrowser(() => server().url);

  it("'expires in 3 days' on the tile, on the imported secrets and in Issued keys, at 1280 and 390 px", {
    timeout: 90_000,
  }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const hana = await createWebUser(server().url, HOLDER);
    const ivo = await createWebUser(server().url, OTHER);
    const {
      project,
      templates: [forecast],
    } = await createService(olga, SERVICE, [FORECAST]);
    const approve = async (who: typeof hana) => {
      const request = await who.api.apiKeys.request.mutate({ templateId: forecast!.id });
      return (await olga.api.apiKeys.approve.mutate({ requestId: request.id })).keyId;
    };
    const keyId = await approve(hana);
    await approve(ivo); // never expires: no "expires in"
    const own = await hana.api.projects.create.mutate({ name: "Hana's farm" });
    await hana.api.secrets.importApiKey.mutate({ projectId: own.id, keyId, prefix: "weather" });
    await server()
      .db.updateTable("api_keys")
      .set({ expires_at: new Date(Date.now() + 3 * 86_400_000 + 3_600_000) })
      .where("id", "=", keyId)
      .execute();

    // ---- the holder's tile
    const holder = await browser.open({ viewport: DESKTOP });
    const p = holder.page;
    await signIn(p, hana);
    await p.goto(webPaths.project(project.id));
    const tile = p.getByRole("region", { name: `API key ${FORECAST}` });
    await tile.getByText("Confirmed", { exact: true }).waitFor();
    const tileSoon = tile.getByText(SOON, { exact: true });
    await expectInViewport(p, tileSoon, "the tile's 'expires in' at 1280 px");
    // the moment itself stays beside it, in words
    await tile
      .locator(".key-expiry")
      .getByText(/^on .+ at \d\d:\d\d/)
      .waitFor();
    await holder.screenshot("expiry-1-tile-1280");
    await p.setViewportSize(PHONE);
    await expectInViewport(p, tileSoon, "the tile's 'expires in' at 390 px");
    await expectNoSidewaysScroll(p, "the About page at 390 px");
    await holder.screenshot("expiry-2-tile-390");

    // ---- the secrets she imported from it
    await p.setViewportSize(DESKTOP);
    await p.goto(webPaths.project(own.id, "secrets"));
    const group = p.getByRole("region", { name: "API key weather_*" });
    const groupSoon = group.locator(".key-group-title").getByText(SOON, { exact: true });
    await expectInViewport(p, groupSoon, "the imported key's 'expires in' at 1280 px");
    await holder.screenshot("expiry-3-secrets-1280");
    await p.setViewportSize(PHONE);
    await expectInViewport(p, groupSoon, "the imported key's 'expires in' at 390 px");
    await expectNoSidewaysScroll(p, "Secrets at 390 px");
    await holder.screenshot("expiry-4-secrets-390");

    // ---- the owner's Issued keys: Hana's row says so, Ivo's (no expiry) does not
    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id, "issuedKeys"));
    const issued = o.getByRole("region", { name: "Issued keys" });
    const hanaRow = issued.getByRole("row", { name: new RegExp(HOLDER) });
    const rowSoon = hanaRow.getByText(SOON, { exact: true });
    await expectInViewport(o, rowSoon, "the Issued keys row's 'expires in' at 1280 px");
    const ivoRow = issued.getByRole("row", { name: new RegExp(OTHER) });
    await ivoRow.getByText("active", { exact: true }).waitFor();
    expect(await ivoRow.getByText(/expires in/).count()).toBe(0);
    await expectNoSidewaysScroll(o, "Usage statistics at 1280 px");
    await owner.screenshot("expiry-5-issued-1280");
    await o.setViewportSize(PHONE);
    await expectInViewport(o, rowSoon, "the Issued keys row's 'expires in' at 390 px");
    await expectNoSidewaysScroll(o, "Usage statistics at 390 px");
    await owner.screenshot("expiry-6-issued-390");
  });
});
