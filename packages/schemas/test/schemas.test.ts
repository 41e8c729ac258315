import { expect, test } from "vitest";
import {
  createPackageInput,
  id,
  PROJECT_SECTIONS,
  rndflowFields,
  secretEnvName,
  secretNameProblem,
  seriesInput,
  utf8Length,
  webPaths,
  webUrl,
} from "../src/index";

test("ids are PostgreSQL integers: 2³¹ and above are refused with a message", () => {
  expect(id.parse(2_147_483_647)).toBe(2_147_483_647);
  expect(id.safeParse(2_147_483_648).error?.issues[0]?.message).toBe("must be at most 2147483647");
  expect(id.safeParse(0).success).toBe(false);
  expect(id.safeParse(1.5).success).toBe(false);
});

test("utf8Length counts bytes as UTF-8 encodes them, lone surrogates included", () => {
  for (const s of ["", "abc", "é", "€", "😀", "a😀b", "\ud800", "\udc00x", "\ud800\ud800"]) {
    expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
  }
});

test("package fields refuse an escaped NUL that jsonb cannot store, but keep an escaped backslash before u0000", () => {
  expect(createPackageInput.safeParse({ nodeId: 1, dataLayerId: 1, fields: { a: "x\u0000" } }).success).toBe(
    false,
  );
  expect(createPackageInput.safeParse({ nodeId: 1, dataLayerId: 1, fields: { a: "\\u0000" } }).success).toBe(
    true,
  );
});

test("RnDFlow fields: an object as is, a [{name, value}] list as an object, a missing value as null", () => {
  expect(rndflowFields.parse({ a: 1 })).toEqual({ a: 1 });
  expect(rndflowFields.parse([{ name: "a", value: 1 }, { name: "b" }])).toEqual({ a: 1, b: null });
  expect(rndflowFields.safeParse([{ value: 1 }]).success).toBe(false);
  expect(rndflowFields.safeParse("x").success).toBe(false);
});

test("a secret's environment variable and name rule", () => {
  expect(secretEnvName("server_token")).toBe("RNDFLOW_SECRET_SERVER_TOKEN");
  expect(secretNameProblem("ok_name")).toBeNull();
  expect(secretNameProblem("bad-name")).toMatch(/Latin letters/);
  expect(secretNameProblem("x".repeat(65))).toMatch(/at most 64/);
});

test("usage periods outside PostgreSQL's range are refused, not passed on", () => {
  const r = seriesInput.safeParse({ projectId: 1, from: new Date(-8.64e15), to: new Date(), bucket: "day" });
  expect(r.error?.issues[0]?.path).toEqual(["from"]);
});

test("web paths: About is the project's root, e-mail links join APP_URL without a double slash", () => {
  expect(webPaths.project(7)).toBe("/projects/7");
  expect(webPaths.project(7, "apiKeys")).toBe(`/projects/7${PROJECT_SECTIONS.apiKeys}`);
  expect(webUrl("http://localhost:3000/", webPaths.project(7))).toBe("http://localhost:3000/projects/7");
});
