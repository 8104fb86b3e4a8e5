import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../db/test_database.ts";
import type { BookingRow } from "../../../../supabase/functions/_shared/bookings/booking_row.ts";
import {
  type BookingFacts,
  BookingOwnerError,
  type BookingStatusChange,
  mergeBookingFacts,
  upsertBookings,
  upsertBookingStatus,
} from "../../../../supabase/functions/_shared/bookings/booking_store.ts";
import { insertTestConnection, testBookingRow, testSecretBox } from "../../../testing/booking_test_data.ts";
import { createDb, type Tx } from "../../../../supabase/functions/_shared/platform/db.ts";

const T0 = "2025-03-01T09:00:00.000Z";
const T1 = "2025-03-02T09:00:00.000Z";
const T2 = "2025-03-03T09:00:00.000Z";

Deno.test("booking store", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 2 });
  const secrets = testSecretBox();
  const userId = await createUser(testDb.sql);

  async function connection() {
    return await insertTestConnection(testDb.sql, { userId, secrets });
  }
  async function bookings(connectionId: string) {
    return await testDb.sql`
      select *, xmin::text as version from public.calcom_bookings
      where calcom_connection_id = ${connectionId} order by booking_uid`;
  }
  async function booking(connectionId: string, uid: string) {
    const [row] = await testDb.sql`
      select *, xmin::text as version from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
    return row;
  }
  const upsert = (connectionId: string, rows: BookingRow[]) =>
    db.asService((tx) => upsertBookings(tx, { userId, connectionId, rows }));
  const changeStatus = (connectionId: string, change: BookingStatusChange) =>
    db.asService((tx) => upsertBookingStatus(tx, { userId, connectionId, change }));
  const mergeFacts = (connectionId: string, uid: string, facts: BookingFacts) =>
    db.asService((tx) => mergeBookingFacts(tx, { connectionId, uid, facts }));

  try {
    await t.step("a batch of new rows is created as service_role and counted", async () => {
      const { connectionId } = await connection();
      const rows = [
        testBookingRow({ booking_uid: "a" }),
        testBookingRow({ booking_uid: "b", booking_id: 2 }),
      ];
      assert.deepEqual(await upsert(connectionId, rows), { created: 2, updated: 0, skipped: 0 });
      const stored = await bookings(connectionId);
      assert.deepEqual(stored.map((r) => [r.booking_uid, r.status, r.user_id]), [
        ["a", "ACCEPTED", userId],
        ["b", "ACCEPTED", userId],
      ]);
      assert.equal(stored[0].start_time.toISOString(), "2025-03-10T14:00:00.000Z");
      assert.equal(stored[0].source_updated_at.toISOString(), T0);
      assert.match(stored[0].source_hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(stored[0].raw, { uid: "a" });
    });

    await t.step("re-upserting identical rows writes nothing and counts them as skipped", async () => {
      const { connectionId } = await connection();
      const rows = [testBookingRow({ booking_uid: "a" }), testBookingRow({ booking_uid: "b" })];
      await upsert(connectionId, rows);
      const before = await bookings(connectionId);
      assert.deepEqual(await upsert(connectionId, rows), { created: 0, updated: 0, skipped: 2 });
      const after = await bookings(connectionId);
      assert.deepEqual(after.map((r) => r.version), before.map((r) => r.version));
      assert.deepEqual(after.map((r) => r.updated_at), before.map((r) => r.updated_at));
    });

    await t.step("a newer state replaces the row and is counted as updated", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({ booking_uid: "a" })]);
      const newer = testBookingRow({
        booking_uid: "a",
        status: "CANCELLED",
        cancellation_reason: "Travel",
        title: "Renamed",
        source_updated_at: T1,
      });
      assert.deepEqual(await upsert(connectionId, [newer]), { created: 0, updated: 1, skipped: 0 });
      const row = await booking(connectionId, "a");
      assert.deepEqual([row.status, row.cancellation_reason, row.title], ["CANCELLED", "Travel", "Renamed"]);
      assert.equal(row.source_updated_at.toISOString(), T1);
    });

    await t.step("an older state never overwrites a newer one", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [
        testBookingRow({ booking_uid: "a", status: "CANCELLED", source_updated_at: T2 }),
      ]);
      const before = await booking(connectionId, "a");
      const older = testBookingRow({
        booking_uid: "a",
        status: "ACCEPTED",
        title: "Old",
        source_updated_at: T1,
      });
      assert.deepEqual(await upsert(connectionId, [older]), { created: 0, updated: 0, skipped: 1 });
      const after = await booking(connectionId, "a");
      assert.deepEqual([after.status, after.title], ["CANCELLED", "Intro call"]);
      assert.equal(after.source_updated_at.toISOString(), T2);
      assert.equal(after.version, before.version);
    });

    await t.step("a different state with the same source time replaces the row", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({ booking_uid: "a" })]);
      const same = testBookingRow({ booking_uid: "a", title: "Changed at the same time" });
      assert.deepEqual(await upsert(connectionId, [same]), { created: 0, updated: 1, skipped: 0 });
      assert.equal((await booking(connectionId, "a")).title, "Changed at the same time");
    });

    await t.step("a newer but identical state writes nothing and leaves the guard", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({ booking_uid: "a" })]);
      const before = await booking(connectionId, "a");
      assert.deepEqual(
        await upsert(connectionId, [testBookingRow({ booking_uid: "a", source_updated_at: T2 })]),
        {
          created: 0,
          updated: 0,
          skipped: 1,
        },
      );
      // Every sync reads at a later time: an unchanged booking must not be rewritten by each of them.
      const after = await booking(connectionId, "a");
      assert.equal(after.updated_at.toISOString(), before.updated_at.toISOString());
      assert.equal(after.source_updated_at.toISOString(), before.source_updated_at.toISOString());
      // a state older than the stored one still loses
      await upsert(connectionId, [
        testBookingRow({
          booking_uid: "a",
          status: "PENDING",
          source_updated_at: "2000-01-01T00:00:00.000Z",
        }),
      ]);
      assert.equal((await booking(connectionId, "a")).status, "ACCEPTED");
    });

    await t.step("a batch with the same uid twice keeps the newest, whatever its position", async () => {
      const { connectionId } = await connection();
      const rows = [
        testBookingRow({ booking_uid: "a", title: "newest", source_updated_at: T2 }),
        testBookingRow({ booking_uid: "a", title: "older", source_updated_at: T1 }),
      ];
      assert.deepEqual(await upsert(connectionId, rows), { created: 1, updated: 0, skipped: 0 });
      assert.equal((await booking(connectionId, "a")).title, "newest");
    });

    await t.step("a page of 250 rows is written with one statement", async () => {
      const { connectionId } = await connection();
      const rows = Array.from(
        { length: 250 },
        (_, i) => testBookingRow({ booking_uid: `p${i}`, booking_id: i }),
      );
      let statements = 0;
      const result = await db.asService((tx) => {
        const counting = new Proxy(tx, {
          get(target, key, receiver) {
            const value = Reflect.get(target, key, receiver);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              statements++;
              return value.apply(target, args);
            };
          },
          apply(target, self, args) {
            statements++;
            return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, self, args);
          },
        }) as Tx;
        return upsertBookings(counting, { userId, connectionId, rows });
      });
      assert.deepEqual(result, { created: 250, updated: 0, skipped: 0 });
      assert.equal(statements, 1);
      const [{ count }] = await testDb.sql`
        select count(*)::int as count from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
      assert.equal(count, 250);
    });

    await t.step("a user who does not own the connection writes nothing and gets an error", async () => {
      const { connectionId } = await connection();
      const stranger = await createUser(testDb.sql);
      await assert.rejects(
        () =>
          db.asService((tx) =>
            upsertBookings(tx, {
              userId: stranger,
              connectionId,
              rows: [testBookingRow({ booking_uid: "a" })],
            })
          ),
        BookingOwnerError,
      );
      assert.equal((await bookings(connectionId)).length, 0);
    });

    await t.step("the same uid in two connections is two rows, written independently", async () => {
      const one = await connection();
      const two = await connection();
      await upsert(one.connectionId, [testBookingRow({ booking_uid: "same", title: "one" })]);
      await upsert(two.connectionId, [
        testBookingRow({ booking_uid: "same", title: "two", source_updated_at: T2 }),
      ]);
      assert.equal((await booking(one.connectionId, "same")).title, "one");
      assert.equal((await booking(two.connectionId, "same")).title, "two");
    });

    await t.step("a newer state that does not know a column keeps what the row holds", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({
        booking_uid: "a",
        event_type_title: "Intro call",
        metadata: { videoCallUrl: "x" },
        absent_host: true,
        organizer_email: "dana@example.com",
      })]);
      await upsert(connectionId, [testBookingRow({
        booking_uid: "a",
        event_type_title: null,
        metadata: null,
        absent_host: null,
        organizer_email: null,
        title: "New title",
        source_updated_at: T1,
      })]);
      const row = await booking(connectionId, "a");
      assert.deepEqual(
        [row.event_type_title, row.metadata, row.absent_host, row.organizer_email, row.title],
        ["Intro call", { videoCallUrl: "x" }, true, "dana@example.com", "New title"],
      );
    });

    await t.step(
      "a new row whose metadata and absent host are unknown gets the column defaults",
      async () => {
        const { connectionId } = await connection();
        await upsert(connectionId, [testBookingRow({ booking_uid: "a", metadata: null, absent_host: null })]);
        const row = await booking(connectionId, "a");
        assert.deepEqual([row.metadata, row.absent_host], [{}, false]);
      },
    );

    await t.step(
      "an attendee without an absent flag keeps the flag the row holds for that email",
      async () => {
        const { connectionId } = await connection();
        const attendee = {
          name: "Sam",
          email: "sam@example.org",
          timeZone: null,
          language: null,
          phoneNumber: null,
        };
        await upsert(connectionId, [testBookingRow({
          booking_uid: "a",
          attendees: [{ ...attendee, absent: true }, {
            ...attendee,
            email: "pat@example.org",
            absent: false,
          }],
        })]);
        await upsert(connectionId, [testBookingRow({
          booking_uid: "a",
          source_updated_at: T1,
          attendees: [
            { ...attendee, email: "SAM@example.org" },
            { ...attendee, email: "pat@example.org", absent: true },
            { ...attendee, email: "new@example.org" },
          ],
        })]);
        const row = await booking(connectionId, "a");
        assert.deepEqual(row.attendees.map((a: { email: string; absent?: boolean }) => [a.email, a.absent]), [
          ["SAM@example.org", true],
          ["pat@example.org", true],
          ["new@example.org", undefined],
        ]);
      },
    );

    await t.step("an older state fills in a missing reschedule link but changes nothing else", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [
        testBookingRow({ booking_uid: "b", status: "CANCELLED", source_updated_at: T2 }),
      ]);
      const older = testBookingRow({
        booking_uid: "b",
        status: "ACCEPTED",
        rescheduled_from_uid: "a",
        rescheduled_to_uid: "c",
        source_updated_at: T1,
      });
      assert.deepEqual(await upsert(connectionId, [older]), { created: 0, updated: 0, skipped: 1 });
      const row = await booking(connectionId, "b");
      assert.deepEqual(
        [row.status, row.rescheduled_from_uid, row.rescheduled_to_uid, row.source_updated_at.toISOString()],
        ["CANCELLED", "a", "c", T2],
      );
    });

    await t.step("a status change creates a booking never seen from its insert row", async () => {
      const { connectionId } = await connection();
      const result = await changeStatus(connectionId, {
        uid: "old",
        status: "CANCELLED",
        rescheduledToUid: "new",
        sourceUpdatedAt: T1,
        insertRow: testBookingRow({ booking_uid: "ignored", status: "ACCEPTED" }),
      });
      assert.equal(result, "created");
      const row = await booking(connectionId, "old");
      assert.deepEqual([row.status, row.rescheduled_to_uid, row.source_updated_at.toISOString()], [
        "CANCELLED",
        "new",
        T1,
      ]);
    });

    await t.step("a newer status change moves only the status columns of an existing booking", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({ booking_uid: "old", title: "Kept" })]);
      const result = await changeStatus(connectionId, {
        uid: "old",
        status: "CANCELLED",
        rescheduledToUid: "new",
        sourceUpdatedAt: T1,
        insertRow: testBookingRow({ booking_uid: "old", title: "Not used" }),
      });
      assert.equal(result, "updated");
      const row = await booking(connectionId, "old");
      assert.deepEqual([row.status, row.rescheduled_to_uid, row.title, row.source_hash], [
        "CANCELLED",
        "new",
        "Kept",
        null,
      ]);
    });

    await t.step("an older status change is skipped but still fills in the reschedule link", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [
        testBookingRow({ booking_uid: "old", status: "REJECTED", source_updated_at: T2 }),
      ]);
      const change = {
        uid: "old",
        status: "CANCELLED",
        rescheduledToUid: "new",
        sourceUpdatedAt: T1,
      } as const;
      assert.equal(await changeStatus(connectionId, change), "updated");
      const row = await booking(connectionId, "old");
      assert.deepEqual([row.status, row.rescheduled_to_uid], ["REJECTED", "new"]);
      assert.equal(await changeStatus(connectionId, change), "skipped");
    });

    await t.step("a status change without an insert row leaves an unknown booking missing", async () => {
      const { connectionId } = await connection();
      const result = await changeStatus(connectionId, {
        uid: "nobody",
        status: "CANCELLED",
        sourceUpdatedAt: T1,
      });
      assert.equal(result, "missing");
      assert.equal((await bookings(connectionId)).length, 0);
    });

    await t.step("facts merge whatever their time and never move the source time", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({
        booking_uid: "a",
        source_updated_at: T2,
        attendees: [
          {
            name: "Sam",
            email: "sam@example.org",
            timeZone: null,
            language: null,
            phoneNumber: null,
            absent: false,
          },
          { name: "Pat", email: "pat@example.org", timeZone: null, language: null, phoneNumber: null },
        ],
      })]);
      const merge = (facts: BookingFacts) => mergeFacts(connectionId, "a", facts);
      assert.deepEqual(await merge({ meetingStartedAt: "2025-03-10T14:00:00.000Z" }), {
        found: true,
        changed: true,
      });
      assert.deepEqual(await merge({ recordingLinks: { recording: "https://r/1" } }), {
        found: true,
        changed: true,
      });
      assert.deepEqual(
        await merge({
          recordingLinks: { transcription: [{ format: "vtt", link: "https://t/1" }] },
          meetingEndedAt: "2025-03-10T14:30:00.000Z",
        }),
        { found: true, changed: true },
      );
      assert.deepEqual(
        await merge({ absentHost: true, attendeeAbsences: [{ email: "PAT@example.org", absent: true }] }),
        { found: true, changed: true },
      );
      const row = await booking(connectionId, "a");
      assert.equal(row.meeting_started_at.toISOString(), "2025-03-10T14:00:00.000Z");
      assert.equal(row.meeting_ended_at.toISOString(), "2025-03-10T14:30:00.000Z");
      assert.deepEqual(row.recording_links, {
        recording: "https://r/1",
        transcription: [{ format: "vtt", link: "https://t/1" }],
      });
      assert.equal(row.absent_host, true);
      assert.deepEqual(row.attendees.map((a: { absent?: boolean }) => a.absent), [false, true]);
      assert.equal(row.source_updated_at.toISOString(), T2);
      assert.equal(row.status, "ACCEPTED");
    });

    await t.step("an identical fact writes nothing", async () => {
      const { connectionId } = await connection();
      await upsert(connectionId, [testBookingRow({ booking_uid: "a" })]);
      const facts = { meetingStartedAt: "2025-03-10T14:00:00.000Z" };
      await mergeFacts(connectionId, "a", facts);
      const before = await booking(connectionId, "a");
      assert.deepEqual(await mergeFacts(connectionId, "a", facts), {
        found: true,
        changed: false,
      });
      assert.equal((await booking(connectionId, "a")).version, before.version);
    });

    await t.step("facts for a booking of another connection find nothing", async () => {
      const one = await connection();
      const two = await connection();
      await upsert(one.connectionId, [testBookingRow({ booking_uid: "a" })]);
      assert.deepEqual(
        await mergeFacts(two.connectionId, "a", { absentHost: true }),
        { found: false, changed: false },
      );
      assert.equal((await booking(one.connectionId, "a")).absent_host, false);
    });

    await t.step(
      "a batch takes its rows in uid byte order, new or existing, whatever the batch's order",
      async () => {
        const { connectionId } = await connection();
        const uids = ["b-2", "B-1", "a-3", "A-9", "c"];
        // Records the order the rows are taken in (a before-insert trigger fires for conflicting rows too).
        await testDb.sql.unsafe(`
        create table public.taken (n serial, uid text);
        grant insert on public.taken to service_role;
        grant usage on sequence public.taken_n_seq to service_role;
        create function public.record_taken() returns trigger language plpgsql as $$
        begin insert into public.taken (uid) values (new.booking_uid); return new; end $$;
        create trigger record_taken before insert on public.calcom_bookings
        for each row execute function public.record_taken();`);
        try {
          const rows = (at: string) =>
            uids.map((uid) => testBookingRow({ booking_uid: uid, source_updated_at: at }));
          await upsert(connectionId, rows(T0));
          await upsert(connectionId, rows(T1).reverse());
          const taken = await testDb.sql<{ uid: string }[]>`select uid from public.taken order by n`;
          const byteOrder = ["A-9", "B-1", "a-3", "b-2", "c"];
          assert.deepEqual(taken.map((r) => r.uid), [...byteOrder, ...byteOrder]);
        } finally {
          await testDb.sql.unsafe(`
          drop trigger record_taken on public.calcom_bookings;
          drop function public.record_taken();
          drop table public.taken;`);
        }
      },
    );
  } finally {
    await db.end();
  }
});
