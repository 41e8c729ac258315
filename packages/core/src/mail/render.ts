/** Escapes user text for HTML bodies; user text is never turned into links. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** User text in a Subject: no control characters (no header injection), capped. */
export function subjectText(s: string, max = 80): string {
  const clean = s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** One paragraph list + an optional call-to-action link, rendered as text and HTML. */
export function layout(opts: {
  subject: string;
  paragraphs: string[];
  link?: { url: string; label: string };
}): RenderedEmail {
  const textParts = [...opts.paragraphs];
  if (opts.link) textParts.push(`${opts.link.label}: ${opts.link.url}`);
  textParts.push("— Keyflow");
  const htmlParas = opts.paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`);
  if (opts.link)
    htmlParas.push(`<p><a href="${escapeHtml(opts.link.url)}">${escapeHtml(opts.link.label)}</a></p>`);
  return {
    subject: opts.subject,
    text: `${textParts.join("\n\n")}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${htmlParas.join("")}<p style="color:#888">— Keyflow</p></body></html>`,
  };
}
