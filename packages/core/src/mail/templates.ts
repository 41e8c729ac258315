import { layout, type RenderedEmail, subjectText } from "./render";

/**
 * Every e-mail Keyflow sends. Jobs carry a template name and its data; the worker renders them
 * with APP_URL, so links always point at the configured address.
 */
export interface EmailTemplates {
  member_added: { projectId: number; projectName: string; inviterName: string; roleNames: string[] };
}

export type EmailTemplateName = keyof EmailTemplates;

type Renderers = { [K in EmailTemplateName]: (data: EmailTemplates[K], appUrl: string) => RenderedEmail };

const projectUrl = (appUrl: string, projectId: number, section = "about") =>
  `${appUrl.replace(/\/$/, "")}/projects/${projectId}/${section}`;

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
};

export function renderEmail<K extends EmailTemplateName>(
  template: K,
  data: EmailTemplates[K],
  appUrl: string,
): RenderedEmail {
  return renderers[template](data, appUrl);
}
