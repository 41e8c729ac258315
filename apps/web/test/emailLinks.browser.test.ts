import { addJob, type mail } from "@keyflow/core";
import { TASKS, webPaths } from "@keyflow/schemas";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type BrowserSession, useBrowser } from "./browser";
import { followMailLink, openMail } from "./mailbox";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn, type WebUser } from "./users";

const SERVICE = "Weather service";
const FORECAST = "Forecast API";
const ARCHIVE = "Archive API";
const HISTORY = "History API";
const MESSAGE = "For my farm's irrigation planner.";
const REASON = "The archive is for research partners only.";
const SUSPEND_REASON = "Unpaid invoice for November";

/** Every kind of e-mail with the label of its link (typed: a new kind must be added here). */
const LINK_LABELS: Record<mail.EmailTemplateName, string> = {
  member_added: "Open the project",
  key_requested: "Review requests",
  key_approved: "Open the About page",
  key_rejected: "Open the project",
  key_request_cancelled: "Open the project",
  key_request_withdrawn: "Review requests",
  key_revoked: "Open the project",
  key_suspended: "Open the About page",
  key_resumed: "Open the About page",
  key_rolled: "Open My keys",
  key_auto_issued: "Open Usage statistics",
  key_expiring: "Open My keys",
  key_expired: "Open the About page",
  key_quota_granted: "Open My keys",
  key_quota_warning: "Open My keys",
};

describe("every e-mail's link opens the page it promises", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  it("follows the link of each kind of e-mail from the Dev mailbox", { timeout: 240_000 }, async () => {
    const olga = await createWebUser(server().url, "Olga Owner");
    const grace = await createWebUser(server().url, "Grace Requester");
    const {
      project,
      role,
      templates: [forecast, archive, history],
    } = await createService(olga, SERVICE, [FORECAST, ARCHIVE, HISTORY]);
    const owner = await browser.open();
    const requester = await browser.open();
    await signIn(owner.page, olga);
    await signIn(requester.page, grace);
    const followed = new Set<string>();
    const about = webPaths.project(project.id);
    const tile = (tab: Page, name: string) => tab.getByRole("region", { name: `API key ${name}` });

    /**
     * Opens the newest mail with this subject sent to `reader`, follows its link, and checks the
     * page it opens: its path, its heading, and what `check` looks for; leaves a screenshot.
     */
    async function follow(
      kind: mail.EmailTemplateName,
      [session, reader]: [BrowserSession, WebUser],
      subject: RegExp,
      landing: { path: string; heading: string; check: (tab: Page) => Promise<unknown> },
    ) {
      const view = await openMail(session.page, subject, reader.email);
      const tab = await followMailLink(session.page, view, LINK_LABELS[kind]);
      expect(new URL(tab.url()).pathname).toBe(landing.path);
      await tab.getByRole("heading", { level: 1, name: landing.heading }).waitFor();
      await landing.check(tab);
      await session.screenshot(`mail-links-${followed.size + 1}-${kind}`, tab);
      await tab.close();
      followed.add(kind);
    }
    const toOwner: [BrowserSession, WebUser] = [owner, olga];
    const toRequester: [BrowserSession, WebUser] = [requester, grace];

    // ---- key_requested → the owner's Requests list with the request; approving it there.
    // The template asks an (optional) question: the mail and the row show the answer.
    const question = { id: "fields", text: "Which fields do you irrigate?", required: false };
    await olga.api.apiKeys.updateTemplate.mutate({ templateId: forecast!.id, requestQuestions: [question] });
    await grace.api.apiKeys.request.mutate({
      templateId: forecast!.id,
      message: MESSAGE,
      answers: { fields: "North and east" },
    });
    const requestMail = await openMail(
      owner.page,
      new RegExp(`API key request for ${FORECAST} in ${SERVICE}`),
      olga.email,
    );
    await expect
      .poll(() => requestMail.locator(".mail-text").textContent())
      .toContain("Which fields do you irrigate?\nNorth and east");
    await follow("key_requested", toOwner, new RegExp(`API key request for ${FORECAST} in ${SERVICE}`), {
      path: webPaths.project(project.id, "apiKeys"),
      heading: "API keys",
      check: async (tab) => {
        const requests = tab.getByRole("region", { name: "Requests" });
        const row = requests.getByRole("row", { name: /Grace Requester/ });
        await row.getByText(MESSAGE).waitFor();
        await row.getByRole("definition").filter({ hasText: "North and east" }).waitFor();
        await row.getByText(FORECAST).waitFor();
        await row.getByText("pending").waitFor();
        await row
          .getByRole("button", { name: `Approve request from Grace Requester for ${FORECAST}` })
          .click();
        // ✓ opens the approval (an optional expiry): approve with the template's default
        await tab
          .getByRole("dialog", { name: "Approve request" })
          .getByRole("button", { name: "Approve" })
          .click();
        await requests.getByText("No pending requests.").waitFor();
      },
    });

    // ---- key_approved → the About page with the confirmed key
    await follow(
      "key_approved",
      toRequester,
      new RegExp(`Your API key for ${FORECAST} in ${SERVICE} is ready`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, FORECAST).getByText("Confirmed").waitFor();
          await tile(tab, FORECAST).getByRole("button", { name: "Reveal token" }).waitFor();
        },
      },
    );

    // ---- key_suspended → the About page with the suspended key and the reason; key_resumed → confirmed
    const [held] = (await grace.api.apiKeys.mine.query()).filter((k) => k.templateName === FORECAST);
    await olga.api.apiKeys.suspend.mutate({ keyId: held!.id, reason: SUSPEND_REASON });
    await follow(
      "key_suspended",
      toRequester,
      new RegExp(`Your API key for ${FORECAST} in ${SERVICE} was suspended`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, FORECAST).getByText("Suspended", { exact: true }).waitFor();
          await tile(tab, FORECAST).getByText(SUSPEND_REASON).waitFor();
        },
      },
    );
    await olga.api.apiKeys.resume.mutate({ keyId: held!.id });
    await follow(
      "key_resumed",
      toRequester,
      new RegExp(`Your API key for ${FORECAST} in ${SERVICE} works again`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, FORECAST).getByText("Confirmed", { exact: true }).waitFor();
          expect(await tile(tab, FORECAST).getByText(SUSPEND_REASON).count()).toBe(0);
        },
      },
    );

    // ---- key_rolled → My keys with the rolled key (the owner's roll: the old token stopped at once)
    await olga.api.apiKeys.roll.mutate({ keyId: held!.id });
    await follow(
      "key_rolled",
      toRequester,
      new RegExp(`Your API key for ${FORECAST} in ${SERVICE} was rolled`),
      {
        path: webPaths.myKeys,
        heading: "My keys",
        check: async (tab) => {
          const card = tab.getByRole("region", { name: `${FORECAST} key of ${SERVICE}` });
          await card.getByText("Active", { exact: true }).waitFor();
          await card.getByText("Last rolled").waitFor();
        },
      },
    );

    // ---- key_request_withdrawn → the owner's Requests list, showing the request as withdrawn
    const withdrawn = await grace.api.apiKeys.request.mutate({ templateId: archive!.id });
    await grace.api.apiKeys.withdraw.mutate({ requestId: withdrawn.id });
    await follow(
      "key_request_withdrawn",
      toOwner,
      new RegExp(`Key request withdrawn: ${ARCHIVE} in ${SERVICE}`),
      {
        path: webPaths.project(project.id, "apiKeys"),
        heading: "API keys",
        check: async (tab) => {
          const row = tab
            .getByRole("region", { name: "Requests" })
            .getByRole("row", { name: /Grace Requester/ });
          await row.getByText(ARCHIVE).waitFor();
          await row.getByText("withdrawn", { exact: true }).waitFor();
          await row.getByText(/withdrawn by the requester today at/).waitFor();
        },
      },
    );

    // ---- key_rejected → the About page saying so, with the reason
    const archiveRequest = await grace.api.apiKeys.request.mutate({ templateId: archive!.id });
    await olga.api.apiKeys.reject.mutate({ requestId: archiveRequest.id, reason: REASON });
    await follow(
      "key_rejected",
      toRequester,
      new RegExp(`Your API key request for ${ARCHIVE} was rejected`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, ARCHIVE).getByText("Rejected", { exact: true }).waitFor();
          await tile(tab, ARCHIVE).getByText(REASON).waitFor();
        },
      },
    );

    // ---- key_revoked → the About page with the revoked key, to be requested again
    const [key] = (await grace.api.apiKeys.mine.query()).filter((k) => k.templateName === FORECAST);
    await olga.api.apiKeys.revoke.mutate({ keyId: key!.id });
    await follow("key_revoked", toRequester, new RegExp(`Your API key for ${FORECAST} was revoked`), {
      path: about,
      heading: SERVICE,
      check: async (tab) => {
        await tile(tab, FORECAST).getByText("Your key was revoked. You may request a new one.").waitFor();
        await tile(tab, FORECAST).getByRole("button", { name: "Request" }).waitFor();
      },
    });

    // ---- key_request_cancelled → the About page without the deleted template
    await grace.api.apiKeys.request.mutate({ templateId: history!.id });
    await olga.api.apiKeys.deleteTemplate.mutate({ templateId: history!.id });
    await follow(
      "key_request_cancelled",
      toRequester,
      new RegExp(`Your API key request for ${HISTORY} was cancelled`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, FORECAST).waitFor();
          await tile(tab, ARCHIVE).waitFor();
          expect(await tile(tab, HISTORY).count()).toBe(0);
        },
      },
    );

    // ---- member_added → the project, now with the sections the new role opens
    await olga.api.members.add.mutate({ projectId: project.id, email: grace.email, roleIds: [role.id] });
    await follow("member_added", toRequester, new RegExp(`You were added to project ${SERVICE}`), {
      path: about,
      heading: SERVICE,
      check: async (tab) => {
        await tab.locator(".sidenav").getByRole("link", { name: "Graph" }).click();
        await tab.getByTestId("graph-svg").getByRole("button", { name: "data node input" }).waitFor();
      },
    });

    // ---- key_expiring → My keys with the key and "expires in …"; key_expired → the About page.
    // The expiry is set in the database and the notify_expiry job queued at once (no cron minute).
    const again = await grace.api.apiKeys.request.mutate({ templateId: forecast!.id });
    const { keyId: expiringId } = await olga.api.apiKeys.approve.mutate({ requestId: again.id });
    const expireIn = async (ms: number) => {
      await server()
        .db.updateTable("api_keys")
        .set({ expires_at: new Date(Date.now() + ms) })
        .where("id", "=", expiringId)
        .execute();
      await server()
        .db.transaction()
        .execute((trx) => addJob(trx, TASKS.notifyExpiry, {}));
    };
    await expireIn(5 * 3_600_000);
    await follow("key_expiring", toRequester, new RegExp(`Your API key for ${FORECAST} expires in a day`), {
      path: webPaths.myKeys,
      heading: "My keys",
      check: async (tab) => {
        const card = tab.getByRole("region", { name: `${FORECAST} key of ${SERVICE}` });
        await card.getByText(/^expires in \d+ hours$/).waitFor();
      },
    });
    await expireIn(-60_000);
    await follow(
      "key_expired",
      toRequester,
      new RegExp(`Your API key for ${FORECAST} in ${SERVICE} expired`),
      {
        path: about,
        heading: SERVICE,
        check: async (tab) => {
          await tile(tab, FORECAST).getByText("Your key expired. You may request a new one.").waitFor();
          await tile(tab, FORECAST).getByRole("button", { name: "Request" }).waitFor();
        },
      },
    );

    // ---- key_auto_issued → Usage statistics with the key a template issued at once
    const instant = await olga.api.apiKeys.createTemplate.mutate({
      projectId: project.id,
      name: "Instant API",
      roleId: role.id,
    });
    await olga.api.apiKeys.updateTemplate.mutate({ templateId: instant.id, approval: "auto" });
    expect((await grace.api.apiKeys.request.mutate({ templateId: instant.id })).issued).toBe(true);
    await follow("key_auto_issued", toOwner, /Grace Requester received an API key for Instant API/, {
      path: webPaths.project(project.id, "issuedKeys"),
      heading: "Usage statistics",
      check: async (tab) => {
        await tab
          .getByRole("row", { name: /Grace Requester/ })
          .filter({ hasText: "Instant API" })
          .waitFor();
      },
    });

    // ---- key_quota_granted and key_quota_warning → My keys with the key. A quota of 1 a month,
    // topped up by 1: the second call uses it all up
    await olga.api.apiKeys.updateTemplate.mutate({
      templateId: instant.id,
      quota: { requests: 1, period: "month" },
    });
    const instantKey = (await grace.api.apiKeys.mine.query()).find((k) => k.templateName === "Instant API")!;
    await olga.api.apiKeys.grantQuota.mutate({ keyId: instantKey.id, requests: 1 });
    const instantCard = (tab: Page) => tab.getByRole("region", { name: `Instant API key of ${SERVICE}` });
    await follow("key_quota_granted", toRequester, /Your API key for Instant API got 1 more request(?!s)/, {
      path: webPaths.myKeys,
      heading: "My keys",
      check: (tab) => instantCard(tab).waitFor(),
    });
    const { token } = await grace.api.apiKeys.reveal.mutate({ keyId: instantKey.id });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server().url}/api/projects/${project.id}/data_layers/last`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
    }
    await follow("key_quota_warning", toRequester, /Your API key for Instant API used 100 % of its quota/, {
      path: webPaths.myKeys,
      heading: "My keys",
      check: (tab) => instantCard(tab).waitFor(),
    });

    expect([...followed].sort()).toEqual(Object.keys(LINK_LABELS).sort());

    // until she became a member, the requester read the public project's About page only, and
    // without a refused call (projects.get answers its public view)
    expect(requester.httpErrors).toEqual([]);
  });
});
