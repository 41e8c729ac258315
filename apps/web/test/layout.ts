import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** The two widths every page is checked at. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The element is rendered and lies inside the viewport's width (`slackPx` for sub-pixel rounding). */
export async function expectInViewport(page: Page, locator: Locator, what: string, slackPx = 0) {
  await locator.waitFor();
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  expect(box, `${what} is rendered`).not.toBeNull();
  expect(box!.x, `${what} starts inside the viewport`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what} ends inside the viewport`).toBeLessThanOrEqual(width + slackPx);
}

/** The page never scrolls sideways. */
export async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  expect(scroll, `${what}: document.scrollWidth <= window.innerWidth`).toBeLessThanOrEqual(inner);
}
