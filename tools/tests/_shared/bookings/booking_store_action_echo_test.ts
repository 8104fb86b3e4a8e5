/**
 * How the booking store absorbs the echo of an action's answer: a later write describing the same
 * state within ten minutes leaves the action's row alone; another state, a later time, or a row that no
 * action wrote are replaced as before.
 */
import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../db/test_database.ts";
import type { BookingRow } from "../../../../supabase/functions/_shared/bookings/booking_row.ts";
import {
  upsertBookings,
  upsertBookingStatus,
} from "../../../../supabase/functions/_shared/bookings/booking_store.ts";
import { insertTestConnection, testBookingRow, testSecretBox } from "../../../testing/booking_test_data.ts";
import { createDb } from "../../../../supabase/functions/_shared/platform/db.ts";

const T0 = "2025-03-01T09:00:00.000Z";
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

/** The action's answer: cancelled, spelt as the API does. */
function answer(uid: string): BookingRow {
  return testBookingRow({
    booking_uid: uid,
    status: "CANCELLED",
    cancellation_reason: "Out sick",
    location: "https://app.cal.com/video/x",
    source_updated_at: T0,
  });
}

/** The same state spelt as a webhook does, `ms` after the answer. */
function echo(uid: string, ms: number, overrides: Partial<BookingRow> = {}): BookingRow {
  return testBookingRow({
    booking_uid: uid,
    status: "CANCELLED",
    cancellation_reason: null,
    location: "integrations:daily",
    event_type_title: "Intro",
    source_updated_at: later(ms),
    ...overrides,
  });
}

Deno.test("the echo of an action's answer is absorbed; another state or a late write is not", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const userId = await createUser(testDb.sql);
    const { connectionId } = await insertTestConnection(testDb.sql, { userId, secrets: testSecretBox() });
    const write = (rows: BookingRow[], fromAction = false) =>
      db.asService((tx) => upsertBookings(tx, { userId, connectionId, rows, fromAction }));
    const stored = async (uid: string) => {
      const [row] = await testDb.sql<
        {
          status: string;
          location: string;
          event_type_title: string | null;
          source_updated_at: Date;
          cancellation_reason: string | null;
        }[]
      >`
        select status, location, event_type_title, source_updated_at, cancellation_reason
        from public.calcom_bookings where booking_uid = ${uid}`;
      return { ...row, source_updated_at: row.source_updated_at.toISOString() };
    };

    await t.step("the same state, seconds later and spelt otherwise, changes nothing", async () => {
      await write([answer("a")], true);
      const before = await stored("a");
      assert.deepEqual(await write([echo("a", 3_000)]), { created: 0, updated: 0, skipped: 1 });
      assert.deepEqual(await stored("a"), before);
    });

    await t.step("another state replaces the action's at once", async () => {
      await write([answer("b")], true);
      await write([echo("b", 3_000, {
        status: "ACCEPTED",
        start_time: "2025-03-10T15:00:00.000Z",
        end_time: "2025-03-10T15:30:00.000Z",
      })]);
      assert.deepEqual((await stored("b")).status, "ACCEPTED");
    });

    await t.step(
      "the same state more than ten minutes later replaces it, and so does the next one",
      async () => {
        await write([answer("c")], true);
        await write([echo("c", 11 * 60_000)]);
        assert.deepEqual(await stored("c"), {
          status: "CANCELLED",
          location: "integrations:daily",
          event_type_title: "Intro",
          source_updated_at: later(11 * 60_000),
          cancellation_reason: "Out sick",
        });
      },
    );

    await t.step("an action's status change keeps its time when its echo repeats it", async () => {
      await write([testBookingRow({ booking_uid: "f", source_updated_at: later(-60_000) })]);
      const change = (ms: number) => ({
        uid: "f",
        status: "CANCELLED" as const,
        sourceUpdatedAt: later(ms),
        rescheduledToUid: "f2",
      });
      await db.asService((tx) =>
        upsertBookingStatus(tx, { userId, connectionId, change: change(0), fromAction: true })
      );
      assert.equal(
        await db.asService((tx) => upsertBookingStatus(tx, { userId, connectionId, change: change(2_000) })),
        "skipped",
      );
      assert.equal((await stored("f")).source_updated_at, T0);
    });

    await t.step("a row no action wrote takes a newer spelling of its state as before", async () => {
      await write([answer("d")]);
      await write([echo("d", 3_000)]);
      assert.equal((await stored("d")).location, "integrations:daily");
    });
  } finally {
    await db.end();
  }
});
