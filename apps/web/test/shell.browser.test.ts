import { type ProjectSection, webPaths } from "@keyflow/schemas";
import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type BrowserSession, useBrowser } from "./browser";
import { DESKTOP, PHONE } from "./layout";
import { useTestServer } from "./server";
import { createService } from "./service";
import { createWebUser, signIn } from "./users";

const SERVICE = "Weather service";
const VIEWPORTS = [DESKTOP, PHONE];

/** Each project section, its side-navigation label and its main heading. */
const SECTIONS: [ProjectSection, string, RegExp][] = [
  ["about", "About", new RegExp(`^${SERVICE}$`)],
  ["graph", "Graph", /^Graph$/],
  ["permissions", "Permissions", /^Permissions$/],
  ["secrets", "Secrets", /^Secrets$/],
  ["apiKeys", "API keys", /^API keys$/],
  ["issuedKeys", "Usage statistics", /^Usage statistics$/],
  ["audit", "Audit log", /^Audit log$/],
];

/** The element lies inside the viewport's width (and is rendered). */
async function expectInView(page: Page, locator: Locator, what: string) {
  await locator.waitFor();
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, `${what} is rendered`).not.toBeNull();
  expect(box!.x, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends inside the viewport`).toBeLessThanOrEqual(width + 0.5);
}

/** A menu button opens what it controls (aria-expanded), the link is there and in view, Escape closes it. */
async function expectMenu(
  page: Page,
  button: Locator,
  link: Locator,
  what: string,
  whileOpen?: () => Promise<unknown>,
) {
  await expectInView(page, button, `the ${what} button`);
  expect(await button.getAttribute("aria-expanded")).toBe("false");
  await expect(link.isVisible()).resolves.toBe(false);
  await button.click();
  expect(await button.getAttribute("aria-expanded")).toBe("true");
  await expectInView(page, link, `a link of the ${what}`);
  await whileOpen?.();
  await page.keyboard.press("Escape");
  await link.waitFor({ state: "hidden" });
  expect(await button.getAttribute("aria-expanded")).toBe("false");
}

/**
 * Checks the page shown now: loaded, no horizontal scrolling, its main heading in view, its own
 * document title, the navigation reachable (behind its menu buttons on a phone); and leaves a
 * screenshot "<name>-<width>".
 */
async function checkPage(
  s: BrowserSession,
  name: string,
  expected: { heading: RegExp; title: string; signedIn: boolean; section?: string },
) {
  const { page } = s;
  const width = page.viewportSize()?.width ?? 0;
  const heading = page.locator("main h1").first();
  await heading.waitFor();
  await page.locator(".loading").first().waitFor({ state: "detached" });
  expect(await heading.textContent(), `${name}: its heading`).toMatch(expected.heading);
  await expectInView(page, heading, `${name}: the heading`);
  await waitFor(
    `${name}: the title "${expected.title}"`,
    async () => (await page.title()) === expected.title,
  );
  const overflow = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  // soft: the tour goes on, and reports every page that scrolls sideways at once
  expect.soft(overflow.scroll, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(overflow.inner);

  const topbar = page.locator(".topbar");
  const projectsLink = topbar.getByRole("link", { name: "Projects", exact: true });
  if (!expected.signedIn) await expectInView(page, topbar.getByRole("link", { name: "Sign in" }), "Sign in");
  else if (width > 720) {
    expect(await topbar.getByRole("button", { name: "Menu" }).isVisible(), "a menu button on a desktop").toBe(
      false,
    );
    await expectInView(page, projectsLink, `${name}: the Projects link`);
    await expectInView(page, topbar.getByRole("button", { name: "Sign out" }), `${name}: Sign out`);
  } else {
    await expectMenu(
      page,
      topbar.getByRole("button", { name: "Menu" }),
      projectsLink,
      `${name}: main menu`,
      name === "projects" ? () => s.screenshot(`${name}-${width}-menu`) : undefined,
    );
  }
  if (expected.section) {
    const sidenav = page.getByRole("complementary", { name: "Project" });
    const link = sidenav.getByRole("link", { name: expected.section, exact: true });
    if (width > 720) {
      await expectInView(page, link, `${name}: the ${expected.section} link`);
      expect(await sidenav.getByRole("button").isVisible(), "a sections button on a desktop").toBe(false);
    } else
      await expectMenu(
        page,
        sidenav.getByRole("button", { name: expected.section }),
        link,
        `${name}: project sections`,
        name === "project-about" ? () => s.screenshot(`${name}-${width}-sections`) : undefined,
      );
  }
  await s.screenshot(`${name}-${width}`);
}

describe("the app's frame on every page, at desktop and phone widths", () => {
  const server = useTestServer({}, { worker: true });
  const browser = useBrowser(() => server().url);

  /** An owner's public service with nodes, a template, a secret, an issued key, mail and audit entries. */
  async function setup() {
    const olga = await createWebUser(server().url, "Olga Owner");
    const grace = await createWebUser(server().url, "Grace Requester");
    const service = await createService(olga, SERVICE, ["Forecast API"]);
    const { project } = service;
    await olga.api.graph.createNode.mutate({
      projectId: project.id,
      name: "doubler",
      kind: "compute",
      entry: "main.py",
    });
    await olga.api.secrets.create.mutate({
      projectId: project.id,
      name: "db_password",
      description: "The forecast database",
      value: "correct horse battery staple",
    });
    const request = await grace.api.apiKeys.request.mutate({
      templateId: service.templates[0]!.id,
      message: "For my farm's irrigation planner.",
    });
    await olga.api.apiKeys.approve.mutate({ requestId: request.id });
    return { olga, grace, project };
  }

  it("shows every page usable at 1280 and 390 px, with its title and reachable navigation", {
    timeout: 240_000,
  }, async () => {
    const { olga, grace, project } = await setup();
    for (const viewport of VIEWPORTS) {
      const s = await browser.open({ viewport });
      const { page } = s;
      const desktop = viewport === DESKTOP;

      // signed out
      await page.goto(webPaths.signIn);
      await checkPage(s, "signin", { heading: /^Sign in$/, title: "Sign in · Keyflow", signedIn: false });
      await page.goto(webPaths.signUp);
      await checkPage(s, "signup", {
        heading: /^Create your account$/,
        title: "Create your account · Keyflow",
        signedIn: false,
      });

      await signIn(page, olga);
      await checkPage(s, "projects", { heading: /^Projects$/, title: "Projects · Keyflow", signedIn: true });
      if (desktop) {
        // the first Tab stop of a page is "Skip to content", which moves focus to the page's content
        await page.reload();
        await page.locator("main h1").first().waitFor();
        await page.keyboard.press("Tab");
        const skip = page.getByRole("link", { name: "Skip to content" });
        expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
        await expectInView(page, skip, "the focused skip link");
        await page.keyboard.press("Enter");
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
      }
      await page.goto(webPaths.account);
      await checkPage(s, "account", { heading: /^Account$/, title: "Account · Keyflow", signedIn: true });
      await page.goto(webPaths.myKeys);
      await checkPage(s, "my-keys", { heading: /^My keys$/, title: "My keys · Keyflow", signedIn: true });
      await page.goto(webPaths.mailbox);
      await page.locator(".mail-list").getByRole("button").first().waitFor({ timeout: 30_000 });
      await checkPage(s, "mailbox", {
        heading: /^Dev mailbox$/,
        title: "Dev mailbox · Keyflow",
        signedIn: true,
      });
      // a time in words, never raw ISO
      expect(await page.locator(".mail-meta dd time").textContent()).toMatch(/^(today|yesterday) at \d/);
      await page.goto("/no/such/page");
      await checkPage(s, "not-found", {
        heading: /^Page not found$/,
        title: "Page not found · Keyflow",
        signedIn: true,
      });

      for (const [section, label, heading] of SECTIONS) {
        await page.goto(webPaths.project(project.id, section));
        await checkPage(s, `project-${section}`, {
          heading,
          title: `${label} · ${SERVICE} · Keyflow`,
          signedIn: true,
          section: label,
        });
      }
      if (desktop) {
        // in a project, skipping passes the side navigation too
        await page.reload();
        await page.locator("main h1").first().waitFor();
        await page.keyboard.press("Tab");
        await page.keyboard.press("Enter");
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("project-content");
      }
      await s.context.close();

      // a non-member of the public project: its About page only, without one refused call
      const visitor = await browser.open({ viewport });
      await signIn(visitor.page, grace);
      await visitor.page.goto(webPaths.project(project.id));
      await checkPage(visitor, "project-about-visitor", {
        heading: new RegExp(`^${SERVICE}$`),
        title: `About · ${SERVICE} · Keyflow`,
        signedIn: true,
        section: "About",
      });
      // (folded on a phone, so read from the DOM rather than the accessibility tree)
      expect(await visitor.page.locator("#project-sections a").allTextContents()).toEqual(["About"]);
      // another section's address leads back to the About page
      await visitor.page.goto(webPaths.project(project.id, "graph"));
      await visitor.page.waitForURL((url) => url.pathname === webPaths.project(project.id));
      await visitor.page.getByRole("heading", { level: 1, name: SERVICE }).waitFor();
      expect(visitor.httpErrors).toEqual([]);
      await visitor.context.close();
    }
  });

  it("opens a form dialog with focus on its first field, so typing never closes it", async () => {
    const ada = await createWebUser(server().url, "Ada Lovelace");
    for (const viewport of VIEWPORTS) {
      const s = await browser.open({ viewport });
      const { page } = s;
      await signIn(page, ada);
      await page.getByRole("button", { name: "+ New project" }).click();
      const dialog = page.getByRole("dialog", { name: "New project" });
      const name = dialog.getByLabel("Name");
      await name.waitFor();
      await waitFor("focus on the first field", () => name.evaluate((el) => el === document.activeElement));
      // a space typed at once goes into the field (it used to press the focused ×)
      await page.keyboard.type("a b");
      expect(await name.inputValue()).toBe("a b");
      expect(await dialog.isVisible()).toBe(true);
      await expectInView(page, dialog.getByRole("button", { name: "Create project" }), "the submit button");

      // the × shows a focus ring when reached from the keyboard
      await page.keyboard.press("Shift+Tab");
      const close = dialog.getByRole("button", { name: "Close" });
      expect(await close.evaluate((el) => el === document.activeElement)).toBe(true);
      const ring = await close.evaluate((el) => {
        const style = getComputedStyle(el);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      });
      expect(ring.style).not.toBe("none");
      expect(ring.width).toBeGreaterThanOrEqual(2);
      await s.screenshot(`dialog-focus-${viewport.width}`);

      // a refused field is named the way the form names it
      await page.keyboard.press("Tab");
      await name.fill(" ");
      await dialog.getByRole("button", { name: "Create project" }).click();
      await dialog.getByRole("alert").getByText("Name is required").waitFor();
      s.takeHttpErrors(/^400 \/trpc\/projects\.create\b/);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
    }
  });
});
