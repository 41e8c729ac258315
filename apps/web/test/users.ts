import { TEST_PASSWORD, uniqueEmail } from "@keyflow/testing";
import type { Page } from "playwright-core";
import { type ApiClient, createApiClient } from "./api";

export interface WebUser {
  name: string;
  email: string;
  password: string;
  /** Signed in as this user, for setup outside the browser. */
  api: ApiClient;
}

/** Signs a user up through the API (as the sign-up page does); the browser signs in with {@link signIn}. */
export async function createWebUser(
  baseUrl: string,
  name: string,
  email = uniqueEmail(name),
): Promise<WebUser> {
  const api = createApiClient(baseUrl);
  await api.auth.signUp.mutate({ name, email, password: TEST_PASSWORD });
  return { name, email, password: TEST_PASSWORD, api };
}

/** Signs in through the sign-in page and waits for the projects list. */
export async function signIn(page: Page, user: { email: string; password: string }) {
  await page.goto("/signin");
  await page.getByLabel("E-mail").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
}

/** Creates an account through the sign-up page and waits for the projects list. */
export async function signUpInUi(page: Page, user: { name: string; email: string; password?: string }) {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("E-mail").fill(user.email);
  await page.getByLabel("Password").fill(user.password ?? TEST_PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
}
