import { waitFor } from "@keyflow/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness, projectWithKey } from "../../../test/harness";
import { rest } from "../../../test/rest";

let h: Harness;
let f: Awaited<ReturnType<typeof setup>>;
const CALLS = 5;

/** A key holder who made CALLS successful REST requests with their key and one refused one. */
async function setup() {
  const k = await projectWithKey(h);
  const api = rest(h, { bearer: k.token });
  const from = new Date(Date.now() - 60_000);
  for (let i = 0; i < CALLS; i++)
    expect((await api.get(`/api/projects/${k.project.id}/data_layers/last`)).status).toBe(200);
  expect((await api.get(`/api/projects/${k.project.id + 100_000}/data_layers`)).status).toBe(404);
  return { ...k, from };
}

beforeAll(async () => {
  h = await createHarness();
  f = await setup();
});
afterAll(() => h.close());

const total = (points: { requests: number; errors: number }[]) => ({
  requests: points.reduce((s, p) => s + p.requests, 0),
  errors: points.reduce((s, p) => s + p.errors, 0),
});
const period = () => ({ from: f.from, to: new Date(Date.now() + 60_000) });

test("the holder's chart shows the requests made with their key once the usage buffer is written", async () => {
  // the API writes usage in batches (every 500 ms): wait for this key's events to be in
  const series = await waitFor("the key's requests in usage.series", async () => {
    const s = await f.holder.client.usage.series.query({ keyId: f.keyId, ...period(), bucket: "hour" });
    return total(s.points).requests === CALLS + 1 ? s : null;
  });
  expect(total(series.points)).toEqual({ requests: CALLS + 1, errors: 1 });
  expect(series).toMatchObject({ bucket: "hour", timeZone: "UTC" });
  // one point per UTC hour (two if the calls straddled an hour)
  for (const p of series.points) {
    expect(p.t).toBeInstanceOf(Date);
    expect(p.t.getTime() % 3_600_000).toBe(0);
  }
});

test("the owner sees the same numbers per key and for the whole project", async () => {
  await waitFor("the key's requests in usage.series", async () => {
    const s = await f.owner.client.usage.series.query({ keyId: f.keyId, ...period(), bucket: "hour" });
    return total(s.points).requests === CALLS + 1;
  });
  const project = await f.owner.client.usage.series.query({
    projectId: f.project.id,
    ...period(),
    bucket: "hour",
  });
  expect(total(project.points)).toEqual({ requests: CALLS + 1, errors: 1 });
});

test("day buckets start at midnight in the caller's time zone", async () => {
  const series = await waitFor("the key's requests in usage.series", async () => {
    const s = await f.holder.client.usage.series.query({
      keyId: f.keyId,
      ...period(),
      bucket: "day",
      timeZone: "Asia/Kolkata",
    });
    return total(s.points).requests === CALLS + 1 ? s : null;
  });
  const localTime = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Kolkata",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const p of series.points) expect(localTime.format(p.t)).toBe("00:00");
  expect(series.timeZone).toBe("Asia/Kolkata");
});

test("a period before the requests, or a key never used, has no points", async () => {
  const before = { from: new Date(f.from.getTime() - 86_400_000), to: f.from };
  expect(
    (await f.holder.client.usage.series.query({ keyId: f.keyId, ...before, bucket: "hour" })).points,
  ).toEqual([]);
  const unused = await projectWithKey(h, { templateName: "Unused" });
  expect(
    (await unused.holder.client.usage.series.query({ keyId: unused.keyId, ...period(), bucket: "day" }))
      .points,
  ).toEqual([]);
});
