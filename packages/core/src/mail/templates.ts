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
}

export type EmailTemplateName = keyof EmailTemplates;

type Renderers = { [K in EmailTemplateName]: (data: EmailTemplates[K], appUrl: string) => RenderedEmail };

/** A page of the project in the web app; the path comes from the web app's own route table. */
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
};

export function renderEmail<K extends EmailTemplateName>(
  template: K,
  data: EmailTemplates[K],
  appUrl: string,
): RenderedEmail {
  return renderers[template](data, appUrl);
}
