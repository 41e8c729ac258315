import { type ProjectSection, webPaths, webUrl } from "@keyflow/schemas";
import { layout, type RenderedEmail, subjectText } from "./render";

/**
 * Every e-mail Keyflow sends. Jobs carry a template name and its data; the worker renders them
 * with APP_URL, so links always point at the configured address.
 */
export interface EmailTemplates {
  member_added: { projectId: number; projectName: string; inviterName: string; roleNames: string[] };
  key_requested: {
    projectId: number;
    projectName: string;
    templateName: string;
    requesterName: string;
    requesterEmail: string;
    message: string;
    /** the template's request questions with the requester's answers, in the template's order */
    answers?: { question: string; answer: string }[];
  };
  key_approved: { projectId: number; projectName: string; templateName: string };
  key_rejected: { projectId: number; projectName: string; templateName: string; reason: string };
  key_request_cancelled: { projectId: number; projectName: string; templateName: string };
  key_request_withdrawn: {
    projectId: number;
    projectName: string;
    templateName: string;
    requesterName: string;
    requesterEmail: string;
  };
  key_revoked: { projectId: number; projectName: string; templateName: string; why: string };
  key_suspended: { projectId: number; projectName: string; templateName: string; reason: string };
  key_resumed: { projectId: number; projectName: string; templateName: string };
  key_rolled: {
    projectId: number;
    projectName: string;
    templateName: string;
    /** who rolled it: "you" when the holder did */
    byName: string;
    byHolder: boolean;
    /** ISO time until which the old token works; null when it stopped at once */
    oldTokenUntil: string | null;
  };
  /** `days` before `expiresAt` (ISO) */
  key_expiring: {
    projectId: number;
    projectName: string;
    templateName: string;
    expiresAt: string;
    days: number;
  };
  key_expired: { projectId: number; projectName: string; templateName: string };
  /** the holder's key reached `percent` (80 or 100) of its quota; `period` in words ("per month") */
  key_quota_warning: {
    projectId: number;
    projectName: string;
    templateName: string;
    percent: number;
    limit: number;
    period: string;
    /** ISO; null for a total quota, which never renews */
    renewsAt: string | null;
  };
  key_quota_granted: {
    projectId: number;
    projectName: string;
    templateName: string;
    requests: number;
    byName: string;
  };
  /** to the template's managers when an auto-approving template issued a key */
  key_auto_issued: {
    projectId: number;
    projectName: string;
    templateName: string;
    requesterName: string;
    requesterEmail: string;
  };
}

export type EmailTemplateName = keyof EmailTemplates;

type Renderers = { [K in EmailTemplateName]: (data: EmailTemplates[K], appUrl: string) => RenderedEmail };

/** A page of the project in the web app; the path comes from the web app's own route table. */
/** A moment in e-mails, which have no reader's time zone: "2 December 2026, 14:05 UTC". */
export const emailTime = (iso: string) =>
  `${new Date(iso).toLocaleString("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" })} UTC`;

const myKeysUrl = (appUrl: string) => webUrl(appUrl, webPaths.myKeys);

const projectUrl = (appUrl: string, projectId: number, section: ProjectSection = "about") =>
  webUrl(appUrl, webPaths.project(projectId, section));

export const renderers: Renderers = {
  member_added: (d, appUrl) =>
    layout({
      subject: `You were added to project ${subjectText(d.projectName)}`,
      paragraphs: [
        `${d.inviterName} added you to the Keyflow project "${d.projectName}".`,
        d.roleNames.length > 0 ? `Your roles: ${d.roleNames.join(", ")}.` : "You have no roles yet.",
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the project" },
    }),
  key_requested: (d, appUrl) =>
    layout({
      subject: `API key request for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)}`,
      paragraphs: [
        `${d.requesterName} (${d.requesterEmail}) asks for an API key "${d.templateName}" in your project "${d.projectName}".`,
        d.message ? `Their message:\n${d.message}` : "They left no message.",
        ...(d.answers ?? []).map((a) => `${a.question}\n${a.answer || "(no answer)"}`),
      ],
      link: { url: projectUrl(appUrl, d.projectId, "apiKeys"), label: "Review requests" },
    }),
  key_approved: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)} is ready`,
      paragraphs: [
        `Your request for the API key "${d.templateName}" in "${d.projectName}" was approved.`,
        "The key works now. Reveal its token on the project's About page, or import it into your own project under Secrets → Add API key.",
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the About page" },
    }),
  key_rejected: (d, appUrl) =>
    layout({
      subject: `Your API key request for ${subjectText(d.templateName, 40)} was rejected`,
      paragraphs: [
        `Your request for the API key "${d.templateName}" in "${d.projectName}" was rejected.`,
        d.reason ? `Reason:\n${d.reason}` : "No reason was given.",
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the project" },
    }),
  key_request_cancelled: (d, appUrl) =>
    layout({
      subject: `Your API key request for ${subjectText(d.templateName, 40)} was cancelled`,
      paragraphs: [
        `The API key template "${d.templateName}" in "${d.projectName}" was deleted, so your pending request was cancelled.`,
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the project" },
    }),
  key_request_withdrawn: (d, appUrl) =>
    layout({
      subject: `Key request withdrawn: ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)}`,
      paragraphs: [
        `${d.requesterName} (${d.requesterEmail}) withdrew their request for an API key "${d.templateName}" in your project "${d.projectName}".`,
        "Nothing is left to decide; the Requests list shows it as withdrawn.",
      ],
      link: { url: projectUrl(appUrl, d.projectId, "apiKeys"), label: "Review requests" },
    }),
  key_revoked: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} was revoked`,
      paragraphs: [
        `Your API key "${d.templateName}" in "${d.projectName}" was revoked: ${d.why}. Calls with it are refused from now on.`,
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the project" },
    }),
  key_suspended: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)} was suspended`,
      paragraphs: [
        `The owner of "${d.projectName}" suspended your API key "${d.templateName}". Calls with it are refused (403) until they resume it.`,
        `Reason:\n${d.reason}`,
        "Nothing is lost: the key's statistics, its data layer and the secrets you imported from it stay, and the same token works again once the key is resumed.",
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the About page" },
    }),
  key_resumed: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)} works again`,
      paragraphs: [
        `The owner of "${d.projectName}" resumed your API key "${d.templateName}". It works again with the same token; secrets imported from it need no change.`,
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the About page" },
    }),
  key_rolled: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)} was rolled`,
      paragraphs: [
        d.byHolder
          ? `You rolled your API key "${d.templateName}" in "${d.projectName}": it has a new token.`
          : `${d.byName}, an owner of "${d.projectName}", rolled your API key "${d.templateName}": it has a new token.`,
        d.oldTokenUntil
          ? `The old token keeps working until ${emailTime(d.oldTokenUntil)}; after that it is refused.`
          : "The old token is refused from now on.",
        "Secrets you imported from this key already hold the new token, so your nodes keep working. Reveal the new token on My keys if you use it elsewhere.",
      ],
      link: { url: myKeysUrl(appUrl), label: "Open My keys" },
    }),
  key_expiring: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} expires in ${d.days === 1 ? "a day" : `${d.days} days`}`,
      paragraphs: [
        `Your API key "${d.templateName}" in "${d.projectName}" expires on ${emailTime(d.expiresAt)}. Calls with it are refused after that.`,
        "To keep access, request a new key from the project's About page once this one has expired, or ask the project's owner.",
      ],
      link: { url: myKeysUrl(appUrl), label: "Open My keys" },
    }),
  key_expired: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} in ${subjectText(d.projectName, 40)} expired`,
      paragraphs: [
        `Your API key "${d.templateName}" in "${d.projectName}" expired. Calls with it are refused from now on.`,
        "You can request a new key on the project's About page.",
      ],
      link: { url: projectUrl(appUrl, d.projectId), label: "Open the About page" },
    }),
  key_quota_warning: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} used ${d.percent} % of its quota`,
      paragraphs: [
        `Your API key "${d.templateName}" in "${d.projectName}" has used ${d.percent} % of its quota of ${d.limit} requests ${d.period}.`,
        d.percent >= 100
          ? `Further calls are refused (429)${d.renewsAt ? ` until the quota renews on ${emailTime(d.renewsAt)}` : ""}, unless the project's owner tops it up.`
          : `At 100 % calls are refused (429)${d.renewsAt ? ` until the quota renews on ${emailTime(d.renewsAt)}` : ""}.`,
      ],
      link: { url: myKeysUrl(appUrl), label: "Open My keys" },
    }),
  key_quota_granted: (d, appUrl) =>
    layout({
      subject: `Your API key for ${subjectText(d.templateName, 40)} got ${d.requests} more request${d.requests === 1 ? "" : "s"}`,
      paragraphs: [
        `${d.byName}, an owner of "${d.projectName}", added ${d.requests} request${d.requests === 1 ? "" : "s"} to the quota of your API key "${d.templateName}" for the current period.`,
      ],
      link: { url: myKeysUrl(appUrl), label: "Open My keys" },
    }),
  key_auto_issued: (d, appUrl) =>
    layout({
      subject: `${subjectText(d.requesterName, 40)} received an API key for ${subjectText(d.templateName, 40)}`,
      paragraphs: [
        `${d.requesterName} (${d.requesterEmail}) received an API key "${d.templateName}" in your project "${d.projectName}". The template approves requests automatically, so nobody had to decide.`,
        "You can see the key's usage, suspend or revoke it under Usage statistics.",
      ],
      link: { url: projectUrl(appUrl, d.projectId, "issuedKeys"), label: "Open Usage statistics" },
    }),
};

export function renderEmail<K extends EmailTemplateName>(
  template: K,
  data: EmailTemplates[K],
  appUrl: string,
): RenderedEmail {
  return renderers[template](data, appUrl);
}
