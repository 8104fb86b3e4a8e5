import assert from "node:assert/strict";
import { createTestDatabase } from "../../../db/test_database.ts";
import { BOOKING_COLUMNS } from "../../../../supabase/functions/_shared/bookings/booking_columns.ts";

Deno.test("BOOKING_COLUMNS names every column of calcom_bookings and nothing else", async () => {
  await using testDb = await createTestDatabase();
  const rows = await testDb.sql<{ column_name: string }[]>`
    select column_name from information_schema.columns
    where table_schema = 'public' and table_name = 'calcom_bookings'`;
  const table = rows.map((r) => r.column_name).sort();
  assert.equal(new Set(BOOKING_COLUMNS).size, BOOKING_COLUMNS.length, "BOOKING_COLUMNS repeats a column");
  assert.deepEqual([...BOOKING_COLUMNS].sort(), table);
});
