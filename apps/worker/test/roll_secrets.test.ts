import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  apiKeys,
  dataLayers,
  graph,
  hashToken,
  Keyring,
  packages,
  projects,
  roles,
  secrets,
} from "@keyflow/core";
import type { JobState } from "@keyflow/db";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LocalProcessExecutor } from "../src/executor/index";
import { type RunningWorker, startWorker } from "../src/index";

// A roll rewrites every imported `<prefix>_token` secret in its transaction (SPEC §12): a node job
// started right after the roll already reads the new token, without anyone re-importing the key.

const SECRET = "test-master-secret-0123456789abcdef";
const keyring = new Keyring(SECRET);
const DONE: JobState[] = ["completed", "failed", "timeout"];

let t: TestDatabase;
let worker: RunningWorker;
let tmp: string;

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-roll-secrets-"));
  fs.chmodSync(tmp, 0o711);
  worker = await startWorker({
    databaseUrl: t.url,
    appUrl: "https://keyflow.example.test",
    secret: SECRET,
    crontab: "",
    executor: new LocalProcessExecutor({ baseDir: path.join(tmp, "jobs"), killGraceMs: 500 }),
  });
});
afterAll(async () => {
  await worker?.stop();
  await t?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// the job reads its token from the environment and reports only its SHA-256 (a token in the log is masked)
const TOKEN_HASH_JOB = `
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const token = process.env.RNDFLOW_SECRET_SVC_TOKEN;
if (!token) process.exit(2);
fs.mkdirSync("out/0", { recursive: true });
fs.writeFileSync("out/0/fields.json", JSON.stringify({ sha256: createHash("sha256").update(token).digest("hex") }));
console.log("token read");
`;

test("an owner's roll (grace 0): the holder's node job right after it runs with the new token", async () => {
  const owner = await createUser(t.db, "Olga");
  const holder = await createUser(t.db, "Hank");
  const service = await projects.createProject(t.db, owner.as, { name: "Service", isPublic: true });
  const role = await roles.createRole(t.db, owner.as, {
    projectId: service.id,
    name: "Client",
    permissions: { project: ["project_view"], nodes: {} },
  });
  const template = await apiKeys.createTemplate(t.db, owner.as, {
    projectId: service.id,
    name: "Forecast API",
    roleId: role.id,
  });
  const req = await apiKeys.requestKey(t.db, holder.as, { templateId: template.id });
  const { keyId } = await apiKeys.approveRequest(t.db, owner.as, { requestId: req.id }, keyring);

  // the holder's own project: the key imported as svc_*, granted to a compute node
  const consumer = await projects.createProject(t.db, holder.as, { name: "Consumer" });
  const [layer] = await dataLayers.listDataLayers(t.db, holder.as, { projectId: consumer.id });
  const node = await graph.createNode(t.db, holder.as, {
    projectId: consumer.id,
    name: "Caller",
    kind: "compute",
    runtime: "node",
  });
  await graph.putFile(t.db, holder.as, { nodeId: node.id, path: node.entry!, content: TOKEN_HASH_JOB });
  await secrets.importApiKey(t.db, holder.as, { projectId: consumer.id, keyId, prefix: "svc" }, keyring);
  await secrets.grantKeyToNode(t.db, holder.as, {
    projectId: consumer.id,
    keyId,
    prefix: "svc",
    nodeId: node.id,
  });

  /** Sends a package to the node and answers the SHA-256 of the token its job read. */
  async function runJob(n: number) {
    await packages.createPackage(t.db, holder.as, {
      nodeId: node.id,
      dataLayerId: layer!.id,
      label: "go",
      fields: {},
    });
    const jobs = await waitFor(
      `job ${n} of the node to finish`,
      async () => {
        const rows = await t.db
          .selectFrom("jobs")
          .selectAll()
          .where("node_id", "=", node.id)
          .orderBy("id")
          .execute();
        return rows.length === n && rows.every((r) => DONE.includes(r.state)) ? rows : null;
      },
      { timeoutMs: 20_000 },
    );
    const job = jobs.at(-1)!;
    expect(job).toMatchObject({ state: "completed", exit_code: 0, outputs: 1, log: "token read\n" });
    const out = await t.db
      .selectFrom("packages")
      .select("fields")
      .where("node_id", "=", node.id)
      .where("origin", "=", "job")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    return (out.fields as { sha256: string }).sha256;
  }
  const currentHash = async () =>
    (
      await t.db.selectFrom("api_keys").select("token_hash").where("id", "=", keyId).executeTakeFirstOrThrow()
    ).token_hash.toString("hex");

  const { token: oldToken } = await apiKeys.revealKey(t.db, holder.as, { keyId }, keyring);
  expect(await runJob(1)).toBe(hashToken(oldToken).toString("hex"));

  const rolled = await apiKeys.rollKey(t.db, owner.as, { keyId }, keyring);
  expect(rolled).toEqual({ id: keyId, oldTokenUntil: null });
  const { token: newToken } = await apiKeys.revealKey(t.db, holder.as, { keyId }, keyring);
  expect(newToken).not.toBe(oldToken);

  // right after the roll: the job's token is the key's current one, which verifies; the old one is refused
  const used = await runJob(2);
  expect(used).toBe(hashToken(newToken).toString("hex"));
  expect(used).toBe(await currentHash());
  const verified = await apiKeys.findKeyByHash(t.db, Buffer.from(used, "hex"));
  expect(verified).toMatchObject({ keyId, refusal: null, graceUntil: null });
  expect((await apiKeys.findKeyByHash(t.db, hashToken(oldToken)))?.refusal).toBe("rolled");

  // a holder's roll with a grace rewrites it again
  const again = await apiKeys.rollKey(t.db, holder.as, { keyId, graceMinutes: 10 }, keyring);
  expect(await runJob(3)).toBe(hashToken(again.token!).toString("hex"));
  expect((await apiKeys.findKeyByHash(t.db, hashToken(newToken)))?.graceUntil).toEqual(again.oldTokenUntil);
});
