import fs from "node:fs";
import { waitFor } from "@keyflow/testing";
import { expect, test } from "vitest";
import { cleanUpLaunchers, expectAllStopped, launch, launcherOutput, portRefuses } from "./launcher";

// `npm run dev` end to end: the launcher with tsx watch for API and worker and Vite for the web app.
cleanUpLaunchers();

test("npm run dev serves the web app from Vite with hot reload, and cookie writes pass through its proxy", {
  timeout: 120_000,
}, async () => {
  const l = await launch({ dev: true });
  const page = await (await fetch(l.appUrl)).text();
  expect(page).toMatch(/<div id="root">/);
  expect(page).toMatch(/\/@vite\/client/); // Vite's hot-reload client, not the built bundle
  // API and worker run under `tsx watch`, which restarts them on every change
  for (const pid of [l.pids.api, l.pids.worker])
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain("watch");

  // sign up through Vite's proxy: the browser's Origin is Vite's address, which is APP_URL in dev
  const post = (procedure: string, json: unknown, headers: Record<string, string> = {}) =>
    fetch(`${l.appUrl}/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: l.appUrl, ...headers },
      body: JSON.stringify({ json }),
    });
  const signUp = await post("auth.signUp", {
    email: "dev@example.com",
    password: "correct horse battery",
    name: "Dev",
  });
  expect(signUp.status).toBe(200);
  const cookie = signUp.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toMatch(/=/);
  const created = await post("projects.create", { name: "Made in dev" }, { cookie });
  expect(created.status).toBe(200);
  expect(
    ((await created.json()) as { result: { data: { json: { name: string } } } }).result.data.json.name,
  ).toBe("Made in dev");
  // the API's CSRF check still holds behind the proxy
  const forged = await post("projects.create", { name: "Forged" }, { cookie, origin: "http://evil.test" });
  expect(forged.status).toBe(403);

  process.kill(l.proc.pid as number, "SIGINT");
  expect(await l.exited(), launcherOutput()).toBe(0);
  await waitFor("Vite to stop", () => portRefuses(Number(new URL(l.appUrl).port)), { timeoutMs: 10_000 });
  await expectAllStopped(l);
});
