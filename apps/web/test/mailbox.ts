import { waitFor } from "@keyflow/testing";
import type { Locator, Page } from "playwright-core";

/**
 * Opens the Dev mailbox from the top bar and refreshes it until a message with this subject is
 * listed (the worker sends mail in the background), then opens the newest such message (sent
 * `to` this address, when given).
 */
export async function openMail(page: Page, subject: RegExp, to?: string): Promise<Locator> {
  await page.locator(".topbar").getByRole("link", { name: "Dev mailbox" }).click();
  await page.getByRole("heading", { name: "Dev mailbox" }).waitFor();
  const bySubject = page.locator(".mail-list").getByRole("button", { name: subject });
  // the list shows every user's mail in development; a reader opens only mail sent to them
  const item = to ? bySubject.filter({ hasText: `to ${to}` }) : bySubject;
  const refresh = page.getByRole("button", { name: "Refresh" });
  await waitFor(
    `a message "${subject.source}" in the Dev mailbox`,
    async () => {
      if ((await item.count()) > 0) return true;
      if ((await refresh.getAttribute("aria-busy")) === null) await refresh.click();
      return false;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  await item.first().click();
  const view = page.locator(".mail-view");
  await view.getByRole("heading", { name: subject }).waitFor();
  return view;
}

/**
 * Follows the link of the open message's HTML body as a reader would: it opens in a new tab of
 * the same browser (same cookies). Checks the text body offers the same address.
 */
export async function followMailLink(page: Page, view: Locator, label: string): Promise<Page> {
  const link = view.frameLocator("iframe.mail-frame").getByRole("link", { name: label });
  const href = await link.getAttribute("href");
  if (!href) throw new Error(`the mail's "${label}" link has no address`);
  const text = (await view.locator(".mail-text").textContent()) ?? "";
  if (!text.includes(`${label}: ${href}`))
    throw new Error(`the text body does not offer "${label}: ${href}":\n${text}`);
  const [tab] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
  await tab.waitForLoadState();
  return tab;
}
