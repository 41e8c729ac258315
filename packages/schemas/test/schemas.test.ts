import { expect, test } from "vitest";
import { z } from "zod";
import * as schemas from "../src/index";
import {
  createPackageInput,
  DEPTH_MESSAGE,
  id,
  jsonProblem,
  MAX_JSON_DEPTH,
  NUL_MESSAGE,
  PROJECT_SECTIONS,
  rndflowFields,
  SURROGATE_MESSAGE,
  secretEnvName,
  secretNameProblem,
  seriesInput,
  text,
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

// every export named …Input is the input schema of a tRPC procedure (and so of core)
const inputSchemas = Object.entries(schemas as Record<string, unknown>).filter(
  (e): e is [string, z.ZodType] => e[0].endsWith("Input") && e[1] instanceof z.ZodType,
);

/** The object shape behind a schema (through `.and()` and refinements), or {}. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = schema._zod.def as { shape?: Record<string, z.ZodType>; left?: z.ZodType; right?: z.ZodType };
  if (def.shape) return def.shape;
  if (def.left && def.right) return { ...shapeOf(def.left), ...shapeOf(def.right) };
  return {};
}

const issuesAt = (schema: z.ZodType, key: string, value: unknown) =>
  (schema.safeParse({ [key]: value }).error?.issues ?? []).filter((i) => i.path[0] === key);

test("every text an input schema accepts refuses NUL and lone surrogates", () => {
  // a value some string field keeps as text: names, identifiers, e-mails, passwords, zones, prices
  const samples = ["Abc_1", "a@example.com", "correct horse", "UTC", "1", "a.txt"];
  let checked = 0;
  for (const [exportName, schema] of inputSchemas) {
    for (const [key, field] of Object.entries(shapeOf(schema))) {
      const keepsText = (s: string) => typeof field.safeParse(s).data === "string";
      const sample = samples.find(keepsText);
      if (sample === undefined) continue;
      checked++;
      // a node file is stored as bytes: NUL is content there, a lone surrogate has no UTF-8
      const nulIsContent = `${exportName}.${key}` === "putFileInput.content";
      for (const bad of [...(nulIsContent ? [] : [`${sample}\0`]), `${sample}\ud800`, `\udc00${sample}`]) {
        expect(field.safeParse(bad).success, `${exportName}.${key} accepts ${JSON.stringify(bad)}`).toBe(
          false,
        );
      }
    }
  }
  // passwords, time zones, names, descriptions, messages, paths, labels, prices …
  expect(checked).toBeGreaterThan(40);
  expect(text().safeParse("😀 paired surrogates are fine").success).toBe(true);
});

test("every id an input schema takes refuses 2³¹ and -1", () => {
  let checked = 0;
  for (const [exportName, schema] of inputSchemas) {
    for (const key of Object.keys(shapeOf(schema)).filter((k) => /Id$/.test(k))) {
      checked++;
      for (const bad of [2 ** 31, -1, 1.5]) {
        expect(issuesAt(schema, key, bad).length, `${exportName}.${key} accepts ${bad}`).toBeGreaterThan(0);
      }
    }
  }
  expect(checked).toBeGreaterThan(40);
});

const nested = (depth: number): unknown => {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

test("JSON values nested deeper than 64 levels are refused without overflowing the stack", () => {
  expect(jsonProblem(nested(MAX_JSON_DEPTH), { storable: true })).toBeNull();
  expect(jsonProblem(nested(MAX_JSON_DEPTH + 1), { storable: false })).toBe(DEPTH_MESSAGE);
  // deep enough that a recursive walk (or JSON.stringify) throws RangeError
  expect(jsonProblem(nested(200_000), { storable: true })).toBe(DEPTH_MESSAGE);
  const fields = (f: unknown) => createPackageInput.safeParse({ nodeId: 1, dataLayerId: 1, fields: f });
  expect(fields({ x: nested(63) }).success).toBe(true);
  expect(fields({ x: nested(5000) }).error?.issues[0]).toMatchObject({
    path: ["fields"],
    message: DEPTH_MESSAGE,
  });
});

test("package fields refuse what jsonb cannot store: NUL, lone surrogates (in keys too), non-JSON values", () => {
  const fields = (f: unknown) =>
    createPackageInput.safeParse({ nodeId: 1, dataLayerId: 1, fields: f }).error?.issues[0]?.message;
  expect(fields({ s: "\ud800" })).toBe(SURROGATE_MESSAGE);
  expect(fields({ "\udc00": 1 })).toBe(`keys ${SURROGATE_MESSAGE}`);
  expect(fields({ a: [{ b: "x\0" }] })).toBe(NUL_MESSAGE);
  expect(fields({ a: Number.NaN })).toBe("must contain only finite numbers");
  expect(fields({ a: 10n })).toBe("must contain only JSON values");
  expect(fields({ a: new Map() })).toBe("must contain only JSON values");
  expect(fields({ a: "😀", b: [1, null, true, { c: "é" }] })).toBeUndefined();
});
