import { webPaths } from "@keyflow/schemas";
import { describe, expect, it } from "vitest";
import { useBrowser } from "./browser";
import { DESKTOP, expectInViewport, expectNoSidewaysScroll, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

// Suspend / resume as a person does it (SPEC §12): the owner suspends a key from Usage statistics
// with a reason, the holder sees the reason on their key tile and on the imported secrets, the
// owner resumes it, and the key works again.

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const HOLDER = "Hana Holder";
const REASON = "Unpaid invoice for November — please contact billing";

describe("suspend and resume a key", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  it("owner suspends from Usage statistics with a reason, the holder's tile shows it, owner resumes", {
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
    const { token } = await hana.api.apiKeys.reveal.mutate({ keyId });
    const own = await hana.api.projects.create.mutate({ name: "Hana's farm" });
    await hana.api.secrets.importApiKey.mutate({ projectId: own.id, keyId, prefix: "weather" });
    const callApi = async () => {
      const res = await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: await res.json() };
    };
    expect((await callApi()).status).toBe(200);

    // ---- the owner suspends the key from the Issued keys table, with a reason
    const owner = await browser.open({ viewport: DESKTOP });
    const o = owner.page;
    await signIn(o, olga);
    await o.goto(webPaths.project(project.id, "issuedKeys"));
    const issued = o.getByRole("region", { name: "Issued keys" });
    const row = issued.getByRole("row", { name: new RegExp(HOLDER) });
    const suspend = row.getByRole("button", { name: `Suspend key of ${HOLDER} for ${FORECAST}` });
    await expectInViewport(o, suspend, "Suspend… at 1280 px");
    await suspend.click();
    const dialog = o.getByRole("dialog", { name: "Suspend key" });
    const reasonField = dialog.getByLabel("Reason");
    await reasonField.waitFor();
    // the reason is required: the field has focus and the button waits for it
    expect(await o.evaluate(() => document.activeElement?.tagName)).toBe("INPUT");
    const submit = dialog.getByRole("button", { name: "Suspend key" });
    expect(await submit.isDisabled()).toBe(true);
    await reasonField.fill(REASON);
    await owner.screenshot("suspend-1-dialog-1280");
    await submit.click();
    await o
      .getByRole("status", { name: "Key suspended" })
      .getByText(/suspended: every call with it is refused/)
      .waitFor();
    await row.getByText("suspended", { exact: true }).waitFor();
    await row.getByText(REASON).waitFor();
    const resume = row.getByRole("button", { name: `Resume key of ${HOLDER} for ${FORECAST}` });
    await expectInViewport(o, resume, "Resume at 1280 px");
    await expectNoSidewaysScroll(o, "Usage statistics with the suspension message at 1280 px");
    await owner.screenshot("suspend-2-issued-1280");

    // the key is refused with the reason
    expect(await callApi()).toEqual({ status: 403, body: { detail: `API key suspended: ${REASON}` } });

    // ---- the holder sees it on their tile, with the reason, at 1280 and 390 px
    const holder = await browser.open({ viewport: DESKTOP });
    const p = holder.page;
    await signIn(p, hana);
    await p.goto(webPaths.project(project.id));
    const tile = p.getByRole("region", { name: `API key ${FORECAST}` });
    await tile.getByText("Suspended", { exact: true }).waitFor();
    const notice = tile.getByRole("status", { name: "Key suspended" });
    await notice.getByText(REASON).waitFor();
    await notice.getByText(/The project owner suspended your key today at/).waitFor();
    // the key's details stay: its token start and its usage so far
    await tile.getByText(/\d+ requests? · cost/).waitFor();
    await holder.screenshot("suspend-3-tile-1280");
    await p.setViewportSize(PHONE);
    await expectInViewport(p, notice, "the suspension notice at 390 px");
    await expectNoSidewaysScroll(p, "the About page with a suspended key at 390 px");
    await holder.screenshot("suspend-4-tile-390");

    // ... and on the secrets she imported from it
    await p.setViewportSize(DESKTOP);
    await p.goto(webPaths.project(own.id, "secrets"));
    const group = p.getByRole("region", { name: "API key weather_*" });
    await group.locator(".key-group-title").getByText("suspended", { exact: true }).waitFor();
    await group
      .getByText("token from API key Forecast API of Weather service — the key is suspended")
      .waitFor();
    await holder.screenshot("suspend-5-secrets-1280");

    // ---- the owner resumes it, on a phone
    await o.setViewportSize(PHONE);
    await expectInViewport(o, resume, "Resume at 390 px");
    await expectNoSidewaysScroll(o, "Usage statistics with the suspension message at 390 px");
    await owner.screenshot("suspend-6-issued-390");
    await resume.click();
    await o
      .getByRole("status", { name: "Key resumed" })
      .getByText(/resumed and works again/)
      .waitFor();
    await row.getByText("active", { exact: true }).waitFor();
    expect(await row.getByText(REASON).count()).toBe(0);
    await expectNoSidewaysScroll(o, "Usage statistics with the resumption message at 390 px");
    await owner.screenshot("suspend-7-resumed-390");
    expect((await callApi()).status).toBe(200);

    // the holder's tile is confirmed again, statistics continuous: before, refused and after
    await p.goto(webPaths.project(project.id));
    await tile.getByText("Confirmed", { exact: true }).waitFor();
    expect(await tile.getByRole("status", { name: "Key suspended" }).count()).toBe(0);
    await holder.screenshot("suspend-8-tile-resumed-1280");
  });
});
