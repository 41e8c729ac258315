import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dataLayers, graph, Keyring, packages, projects, secrets } from "@keyflow/core";
import { createTestDatabase, type TestDatabase } from "@keyflow/db/testing";
import { createUser, type TestUser, waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LocalProcessExecutor } from "../src/executor/index";
import { type RunningWorker, startWorker } from "../src/index";

// A worker started without KEYFLOW_SECRET cannot decrypt secrets: a node that was granted any
// must fail with the reason rather than run without them; other nodes run as usual.

const SCRIPT = "import os\nprint(sorted(k for k in os.environ if k.startswith('RNDFLOW_SECRET_')))\n";

let t: TestDatabase;
let worker: RunningWorker;
let tmp: string;
let owner: TestUser;
let projectId: number;
let layerId: number;

beforeAll(async () => {
  t = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keyflow-no-secret-"));
  fs.chmodSync(tmp, 0o711);
  worker = await startWorker({
    databaseUrl: t.url,
    appUrl: "http://localhost:3000",
    smtpUrl: "smtp://127.0.0.1:9",
    crontab: "",
    executor: new LocalProcessExecutor({ baseDir: path.join(tmp, "jobs") }),
  });
  owner = await createUser(t.db, "Owner");
  projectId = (await projects.createProject(t.db, owner.as, { name: "No secret" })).id;
  layerId = (await dataLayers.listDataLayers(t.db, owner.as, { projectId }))[0]!.id;
});
afterAll(async () => {
  await worker?.stop();
  await t?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function runOnce(name: string, grant: boolean) {
  const node = await graph.createNode(t.db, owner.as, {
    projectId,
    name,
    kind: "compute",
    runtime: "python",
  });
  await graph.putFile(t.db, owner.as, { nodeId: node.id, path: node.entry!, content: SCRIPT });
  if (grant) {
    // the API process holds the keyring; this worker does not
    const keyring = new Keyring("api-secret-0123456789abcdef");
    const secret = await secrets.createSecret(
      t.db,
      owner.as,
      { projectId, name: `token_${node.id}`, value: "kf_value_the_job_needs" },
      keyring,
    );
    await secrets.setNodes(t.db, owner.as, { secretId: secret.id, nodeIds: [node.id] });
  }
  await packages.createPackage(t.db, owner.as, { nodeId: node.id, dataLayerId: layerId, label: "in" });
  return waitFor(`the job of ${name} to finish`, () =>
    t.db
      .selectFrom("jobs")
      .selectAll()
      .where("node_id", "=", node.id)
      .where("state", "in", ["completed", "failed", "timeout"])
      .executeTakeFirst(),
  );
}

test("a node granted secrets fails with the reason and never runs; a node without secrets runs", async () => {
  const granted = await runOnce("Needs a secret", true);
  expect(granted).toMatchObject({
    state: "failed",
    log: "",
    error: "this worker was started without KEYFLOW_SECRET, so it cannot give the node its secrets",
  });
  expect(granted.started_at).toBeInstanceOf(Date);

  const plain = await runOnce("Needs nothing", false);
  expect(plain).toMatchObject({ state: "completed", exit_code: 0, log: "[]\n" });
});
