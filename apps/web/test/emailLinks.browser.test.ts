import type { mail } from "@keyflow/core";
import { webPaths } from "@keyflow/schemas";
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

    // ---- key_requested → the owner's Requests list with the request; approving it there
    await grace.api.apiKeys.request.mutate({ templateId: forecast!.id, message: MESSAGE });
    await follow("key_requested", toOwner, new RegExp(`API key request for ${FORECAST} in ${SERVICE}`), {
      path: webPaths.project(project.id, "apiKeys"),
      heading: "API keys",
      check: async (tab) => {
        const requests = tab.getByRole("region", { name: "Requests" });
        const row = requests.getByRole("row", { name: /Grace Requester/ });
        await row.getByText(MESSAGE).waitFor();
        await row.getByText(FORECAST).waitFor();
        await row.getByText("pending").waitFor();
        await row
          .getByRole("button", { name: `Approve request from Grace Requester for ${FORECAST}` })
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

    expect([...followed].sort()).toEqual(Object.keys(LINK_LABELS).sort());

    // until she became a member, the requester read the public project's About page only, and
    // without a refused call (projects.get answers its public view)
    expect(requester.httpErrors).toEqual([]);
  });
});
