import fs from "node:fs";
import path from "node:path";
import { AUDIT_ACTIONS } from "@keyflow/schemas";
import { describe, expect, test } from "vitest";
import {
  ACTION_LABELS,
  type AuditNames,
  auditSentence,
  detailValue,
  isKnownAction,
  type Part,
  SENTENCES,
  sentenceText,
} from "./sentences";

const CORE = path.resolve(import.meta.dirname, "../../../../../../packages/core/src");

/** Every `action: "area.verb"` (or `audit: …` in the key lifecycle table) that core's source writes (tests excluded). */
function actionsCoreWrites(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
        for (const m of fs.readFileSync(p, "utf8").matchAll(/\b(?:action|audit):\s*"([a-z_]+\.[a-z_]+)"/g))
          found.add(m[1]!);
    }
  };
  walk(CORE);
  return [...found].sort();
}

const noNames: AuditNames = { users: new Map(), nodes: new Map(), keys: new Map(), requests: new Map() };
const actor = { id: 1, name: "Olga Owner" };
const links = (parts: Part[]) =>
  parts.flatMap((p) => (typeof p === "object" && p.href ? [[p.text, p.href] as const] : []));

describe("audit sentences", () => {
  test("the list of actions is exactly what core writes", () => {
    const written = actionsCoreWrites();
    expect(written.length).toBeGreaterThan(30);
    expect(written).toEqual([...AUDIT_ACTIONS].sort());
  });

  test("every action has a sentence and a filter label; none reads like a code", () => {
    for (const action of AUDIT_ACTIONS) {
      expect(isKnownAction(action), action).toBe(true);
      expect(SENTENCES[action], action).toBeTypeOf("function");
      expect(ACTION_LABELS[action], action).toMatch(/^[A-Z][A-Za-z' ]+$/);
      for (const details of [
        {},
        { nodeId: 7, userId: 3, keyId: 5, added: [7], removed: [], roles: ["Reader"] },
      ]) {
        const text = sentenceText(auditSentence({ action, target: "thing", details, actor }, noNames, 9));
        expect(text, action).toMatch(/^Olga Owner [a-z]/);
        expect(text, action).not.toContain(action);
        expect(text, action).not.toMatch(/[{}]|undefined|null|NaN|\[object/);
      }
    }
  });

  test("names and links: the revealed token, the approved requester, the node, the member", () => {
    const names: AuditNames = {
      users: new Map([[3, { name: "Rita Requester", email: "rita@example.com" }]]),
      nodes: new Map([[7, { name: "doubler", kind: "compute" }]]),
      keys: new Map([[5, { templateName: "Translate API", holderId: 3 }]]),
      requests: new Map(),
    };
    const rita = { id: 3, name: "Rita Requester" };
    const reveal = auditSentence({ action: "key.reveal", target: "5", details: {}, actor: rita }, names, 9);
    expect(sentenceText(reveal)).toBe("Rita Requester revealed the token of Translate API");
    expect(links(reveal)).toEqual([["Translate API", "/projects/9/issued-keys"]]);

    const approve = auditSentence(
      { action: "key.approve", target: "Translate API", details: { requestId: 2, userId: 3 }, actor },
      names,
      9,
    );
    expect(sentenceText(approve)).toBe("Olga Owner approved Rita Requester's request for Translate API");
    expect(links(approve)).toEqual([
      ["Rita Requester", "/projects/9/permissions#member-3"],
      ["Translate API", "/projects/9/api-keys"],
    ]);

    // a template's automatic approval has no actor: the system, said as such (never "A deleted account")
    const auto = auditSentence(
      {
        action: "key.approve",
        target: "Translate API",
        details: { requestId: 4, userId: 3, auto: true },
        actor: null,
      },
      names,
      9,
    );
    expect(sentenceText(auto)).toBe("Automatic approval granted Rita Requester's request for Translate API");

    const grant = auditSentence(
      {
        action: "secret.grant_key",
        target: "server_*",
        details: { keyId: 5, prefix: "server", nodeId: 7, added: [1, 2] },
        actor,
      },
      names,
      9,
    );
    expect(sentenceText(grant)).toBe("Olga Owner let node doubler read the secrets server_*");
    expect(links(grant)).toEqual([
      ["doubler", "/projects/9/graph?node=7"],
      ["server_*", "/projects/9/secrets#key-5-server"],
    ]);

    const roles = auditSentence(
      { action: "member.set_roles", target: "3", details: { roles: ["Reader", "Writer"] }, actor },
      names,
      9,
    );
    expect(sentenceText(roles)).toBe("Olga Owner changed the roles of Rita Requester to Reader and Writer");

    const nodes = auditSentence(
      {
        action: "secret.set_nodes",
        target: "server_token",
        details: { secretId: 4, added: [7], removed: [8] },
        actor,
      },
      names,
      9,
    );
    expect(sentenceText(nodes)).toBe(
      "Olga Owner let node doubler read secret server_token and stopped #8 reading it",
    );
    expect(links(nodes)).toContainEqual(["server_token", "/projects/9/secrets#secret-4"]);
  });

  test("an action from an older version still reads, and details are words, not JSON", () => {
    const old = auditSentence({ action: "thing.frobbed", target: "x", details: {}, actor: null }, noNames, 1);
    expect(sentenceText(old)).toBe("A deleted account did thing.frobbed on x");
    expect(detailValue({ project: ["graph_view"], nodes: { 7: ["code_view"] } })).toBe(
      "project: graph_view; nodes: 7: code_view",
    );
    expect(detailValue([1, 2])).toBe("1, 2");
    expect(detailValue(true)).toBe("yes");
  });
});
