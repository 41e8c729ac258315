import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, onTestFinished } from "vitest";

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "../test-results/screenshots");

/** Debian's Chromium, headless, as root (SPEC §10; see STACK-NOTES); never a downloaded browser. */
function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Page errors, console errors and requests that never got an answer: a clean run has none. */
  errors: string[];
  /** Answers with status ≥ 400, as "409 /trpc/secrets.importApiKey?…": tests take the ones they expect. */
  httpErrors: string[];
  /**
   * Asserts that the refused calls so far are exactly the expected ones (one per pattern, in order)
   * and forgets them. Whatever is left when the test ends fails it (see useBrowser).
   */
  takeHttpErrors(...expected: RegExp[]): void;
  /** Saves a full-page PNG of the page (or another tab) as test-results/screenshots/<name>.png. */
  screenshot(name: string, tab?: Page): Promise<string>;
}

export interface SessionOptions {
  /** Defaults to a desktop window, 1360 × 860. */
  viewport?: { width: number; height: number };
}

async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, "-")}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function openSession(browser: Browser, baseURL: string, options: SessionOptions) {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? { width: 1360, height: 860 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  const httpErrors: string[] = [];
  const origin = new URL(baseURL).origin;
  context.on("weberror", (e) => errors.push(`pageerror: ${e.error().message}`));
  context.on("console", (m) => {
    // Chromium logs every answer ≥ 400 like this; httpErrors has them with their URL
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded"))
      errors.push(`console: ${m.text()}`);
  });
  context.on("requestfailed", (r) => {
    // a navigation or reload cancels the page's pending calls; that is not a failure
    if (r.failure()?.errorText !== "net::ERR_ABORTED")
      errors.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  context.on("response", (r) => {
    if (r.status() >= 400)
      httpErrors.push(`${r.status()} ${decodeURIComponent(r.url().replace(origin, ""))}`);
  });
  return {
    context,
    page,
    errors,
    httpErrors,
    takeHttpErrors(...expected: RegExp[]) {
      expect(httpErrors).toEqual(expected.map((e) => expect.stringMatching(e)));
      httpErrors.length = 0;
    },
    screenshot: (name: string, tab: Page = page) => screenshot(tab, name),
  };
}

/**
 * The one browser lifecycle of the browser tests: Chromium is launched once per test file, and
 * `open()` gives a test a fresh context (own cookies) that is closed when that test ends, after a
 * screenshot `failed-<test name>` of each of its pages if the test failed. A test that passed
 * fails all the same if a session saw a page or console error, a failed request, or a refused call
 * it did not take with `takeHttpErrors`.
 */
export function useBrowser(baseUrl: () => string) {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async open(options: SessionOptions = {}): Promise<BrowserSession> {
      if (!browser) throw new Error("useBrowser(): open() runs inside a test");
      const session = await openSession(browser, baseUrl(), options);
      onTestFinished(async ({ task }) => {
        if (task.result?.state === "fail") {
          for (const [i, page] of session.context.pages().entries())
            await screenshot(page, `failed-${task.name}-${i}`).catch(() => {});
        }
        await session.context.close();
        if (task.result?.state !== "fail") {
          expect(session.errors, "page errors, console errors and failed requests").toEqual([]);
          expect(session.httpErrors, "refused calls the test did not expect").toEqual([]);
        }
      });
      return session;
    },
  };
}
