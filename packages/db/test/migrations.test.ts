import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, expect, test } from "vitest";
import { migrations } from "../src/migrations/index";
import { createTestDatabase, type TestDatabase } from "../src/testing";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.destroy());

test("a cloned test database has every migrated table and graphile-worker's schema", async () => {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public'`.execute(t.db);
  const names = tables.rows.map((r) => r.table_name);
  for (const table of ["users", "projects", "roles", "nodes", "links", "packages", "blobs", "audit_log"]) {
    expect(names).toContain(table);
  }
  const worker = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.schemata where schema_name = 'graphile_worker'`.execute(
    t.db,
  );
  expect(worker.rows[0]?.n).toBe(1);
});

test("e-mail addresses are unique regardless of case", async () => {
  await t.db
    .insertInto("users")
    .values({ email: "Ann@Example.com", name: "Ann", password_hash: "x" })
    .execute();
  await expect(
    t.db
      .insertInto("users")
      .values({ email: "ann@example.com", name: "Ann 2", password_hash: "x" })
      .execute(),
  ).rejects.toThrow(/users_email_key/);
});

test("usage events move into blocks and back with every field, in order (migration 0010)", async () => {
  const migrator = new Migrator({ db: t.db, provider: { getMigrations: async () => migrations } });
  const owner = await t.db
    .insertInto("users")
    .values({ email: "blocks@example.com", name: "B", password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  expect((await migrator.migrateTo("0009_metering")).error).toBeUndefined();
  // a key as migration 0009 knows it, and three events: two in one minute, one in the next
  const key = await sql<{ id: number }>`
    with p as (insert into projects (name, created_by) values ('P', ${owner.id}) returning id),
      l as (insert into data_layers (project_id, name, kind) select id, 'L', 'shared' from p returning id),
      t as (insert into api_key_templates (project_id, name) select id, 'T' from p returning id)
    insert into api_keys (project_id, template_id, user_id, data_layer_id, token_hash, token_encrypted, token_start)
    select p.id, t.id, ${owner.id}, l.id, '\\x00', 'e', 'kf_' from p, t, l returning id`.execute(t.db);
  const keyId = key.rows[0]!.id;
  await sql`insert into usage_events (key_id, at, method, route, status, outcome, duration_ms, price, ip) values
    (${keyId}, '2026-12-01T10:00:01Z', 'GET', '/a', 200, 'ok', 1.5, 0.25, '203.0.113.7'),
    (${keyId}, '2026-12-01T10:00:59Z', 'POST', '/b "quoted"', 404, 'client_error', 2, 0, null),
    (${keyId}, '2026-12-01T10:01:00Z', 'GET', '/a', 429, 'rate_limited', 0.5, 0.25, '2001:db8::1')`.execute(
    t.db,
  );
  const events = sql`select key_id, at, method, route, status, outcome, duration_ms, price::text, host(ip) as ip
    from usage_events order by at`;
  const before = (await events.execute(t.db)).rows;
  expect(before).toHaveLength(3);

  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  expect((await events.execute(t.db)).rows).toEqual(before);
  const blocks = await sql<{ minute: Date; n: number }>`
    select minute, cardinality(at) as n from usage_event_blocks order by minute`.execute(t.db);
  expect(blocks.rows).toEqual([
    { minute: new Date("2026-12-01T10:00:00Z"), n: 2 },
    { minute: new Date("2026-12-01T10:01:00Z"), n: 1 },
  ]);

  expect((await migrator.migrateTo("0009_metering")).error).toBeUndefined();
  expect((await events.execute(t.db)).rows).toEqual(before);
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
});
