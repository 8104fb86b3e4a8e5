/** How the booking store keeps `truncated_fields` in step with the values a row holds. */
import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../db/test_database.ts";
import {
  capBookingRow,
  NAME_MAX_BYTES,
} from "../../../../supabase/functions/_shared/bookings/booking_caps.ts";
import { upsertBookings } from "../../../../supabase/functions/_shared/bookings/booking_store.ts";
import { insertTestConnection, testBookingRow, testSecretBox } from "../../../testing/booking_test_data.ts";
import { createDb } from "../../../../supabase/functions/_shared/platform/db.ts";

Deno.test("a cut value kept by a newer state keeps its mark; a replaced one loses it", async () => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const userId = await createUser(testDb.sql);
    const { connectionId } = await insertTestConnection(testDb.sql, { userId, secrets: testSecretBox() });
    const upsert = (row: ReturnType<typeof testBookingRow>) =>
      db.asService((tx) => upsertBookings(tx, { userId, connectionId, rows: [row] }));
    const stored = async () => {
      const [row] = await testDb.sql`
        select octet_length(event_type_title) as title_bytes, description, truncated_fields
        from public.calcom_bookings where booking_uid = 'cut'`;
      return row;
    };

    await upsert(capBookingRow(testBookingRow({
      booking_uid: "cut",
      event_type_title: "E".repeat(10_000),
      description: "D".repeat(100_000),
      source_updated_at: "2025-03-01T09:00:00.000Z",
    })));
    let row = await stored();
    assert.equal(row.title_bytes, NAME_MAX_BYTES);
    assert.deepEqual([...row.truncated_fields].sort(), ["description", "event_type_title"]);

    // an API state: no event type title (kept), a short description (replaced)
    await upsert(capBookingRow(testBookingRow({
      booking_uid: "cut",
      event_type_title: null,
      description: "short",
      source_updated_at: "2025-03-02T09:00:00.000Z",
    })));
    row = await stored();
    assert.equal(row.title_bytes, NAME_MAX_BYTES);
    assert.equal(row.description, "short");
    assert.deepEqual(row.truncated_fields, ["event_type_title"]);

    // a state within every cap clears the marks
    await upsert(testBookingRow({
      booking_uid: "cut",
      event_type_title: "Intro",
      source_updated_at: "2025-03-03T09:00:00.000Z",
    }));
    row = await stored();
    assert.equal(row.truncated_fields, null);
  } finally {
    await db.end();
  }
});
