import assert from "node:assert/strict";
import postgres from "postgres";
import { adminUrl, createTestDatabase, createUser } from "./test_database.ts";

Deno.test("a test database has the platform and every migration applied", async () => {
  await using db = await createTestDatabase();
  const tables = await db.sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
  assert.deepEqual(tables.map((t) => t.table_name), [
    "calcom_booking_rejects",
    "calcom_booking_requests",
    "calcom_bookings",
    "calcom_connections",
    "calcom_oauth_states",
    "calcom_sync_runs",
    "calcom_sync_schedule",
    "calcom_webhook_deferrals",
    "calcom_webhook_events",
    "calcom_webhook_quotas",
  ]);
  const [{ count }] = await db.sql`select count(*)::int as count from supabase_migrations.schema_migrations`;
  assert.ok(count >= 4);
  assert.ok(await createUser(db.sql));
});

Deno.test("a dropped test database is gone", async () => {
  const db = await createTestDatabase({ schema: false });
  await db.drop();
  const admin = postgres(adminUrl, { max: 1 });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${db.name}`;
    assert.equal(rows.length, 0);
  } finally {
    await admin.end();
  }
});
