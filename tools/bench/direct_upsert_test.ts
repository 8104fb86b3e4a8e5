import assert from "node:assert/strict";
import { mapApiBooking } from "../../supabase/functions/_shared/bookings/map_api_booking.ts";
import { ApiBookingSchema } from "../../supabase/functions/_shared/calcom/schemas.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { createBenchConnection } from "./bench_connection.ts";
import { upsertOne, upsertPage } from "./direct_upsert.ts";

function apiBooking(i: number, updatedAt: string, title = `Call ${i}`) {
  return ApiBookingSchema.parse({
    id: i,
    uid: `uid${i}`,
    title,
    start: "2026-02-01T10:00:00.000Z",
    end: "2026-02-01T10:30:00.000Z",
    status: "accepted",
    attendees: [{ name: "Sam", email: "sam@example.org", timeZone: "UTC", absent: false }],
    hosts: [{ id: 1, name: "Dana", email: "dana@example.com", username: "dana", timeZone: "UTC" }],
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt,
  });
}

Deno.test("a page is upserted in one statement and a newer page replaces older rows", async () => {
  await using db = await createTestDatabase();
  const owner = await createBenchConnection(db.sql, { apiKey: "cal_test_direct", calcomUserId: 1 });
  const page = [1, 2, 3].map((i) => mapApiBooking(apiBooking(i, "2026-01-02T00:00:00.000Z")));
  await upsertPage(db.sql, owner, page);
  await upsertPage(db.sql, owner, [mapApiBooking(apiBooking(2, "2026-01-03T00:00:00.000Z", "Moved"))]);
  const rows = await db
    .sql`select booking_uid, title, status, user_id from public.calcom_bookings order by booking_uid`;
  assert.deepEqual(rows.map((r) => [r.booking_uid, r.title, r.status, r.user_id]), [
    ["uid1", "Call 1", "ACCEPTED", owner.userId],
    ["uid2", "Moved", "ACCEPTED", owner.userId],
    ["uid3", "Call 3", "ACCEPTED", owner.userId],
  ]);
});

Deno.test("one booking is upserted per statement, attendees stored as a JSON array", async () => {
  await using db = await createTestDatabase();
  const owner = await createBenchConnection(db.sql, { apiKey: "cal_test_direct", calcomUserId: 1 });
  await upsertOne(db.sql, owner, mapApiBooking(apiBooking(7, "2026-01-02T00:00:00.000Z")));
  await upsertOne(db.sql, owner, mapApiBooking(apiBooking(7, "2026-01-04T00:00:00.000Z", "Renamed")));
  const rows = await db.sql`
    select booking_uid, title, jsonb_typeof(attendees) as kind, attendees -> 0 ->> 'email' as email
    from public.calcom_bookings`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [{
    booking_uid: "uid7",
    title: "Renamed",
    kind: "array",
    email: "sam@example.org",
  }]);
});
