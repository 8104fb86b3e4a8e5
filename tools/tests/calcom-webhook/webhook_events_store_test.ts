import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../db/test_database.ts";
import { insertTestConnection, testBookingRow, testSecretBox } from "../../testing/booking_test_data.ts";
import { bookingRecordsJson } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import { createDb } from "../../../supabase/functions/_shared/platform/db.ts";
import {
  countReplayableEvents,
  listReplayableEventIds,
  lockReplayableEvent,
  logUnverifiedEvent,
  logWebhookEvent,
  recordEventOutcome,
  type VerifiedEvent,
  webhookDedupeKey,
} from "../../../supabase/functions/calcom-webhook/webhook_events_store.ts";
import { DEFAULT_WEBHOOK_QUOTA } from "../../../supabase/functions/calcom-webhook/webhook_quota.ts";

Deno.test("webhook events store", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 8 });
  const secrets = testSecretBox();
  const connection = async () => {
    const c = await insertTestConnection(testDb.sql, { userId: await createUser(testDb.sql), secrets });
    const [{ ciphertext }] = await testDb.sql<{ ciphertext: string }[]>`
      select webhook_secret_encrypted as ciphertext from public.calcom_connections where id = ${c.connectionId}`;
    return { ...c, verifiedWith: ciphertext };
  };
  const insertVerifiedEvent = async (tx: Parameters<typeof logWebhookEvent>[0], event: VerifiedEvent) =>
    (await logWebhookEvent(tx, event)).id!;
  const verified = (
    c: { connectionId: string; userId: string; verifiedWith: string },
    over: Partial<VerifiedEvent> = {},
  ): VerifiedEvent => ({
    connectionId: c.connectionId,
    userId: c.userId,
    verifiedWith: c.verifiedWith,
    connectionActive: true,
    quota: DEFAULT_WEBHOOK_QUOTA,
    dedupeKey: crypto.randomUUID(),
    trigger: "PING",
    bookingUid: null,
    payloadJson: '{"triggerEvent":"PING"}',
    rawBody: null,
    receivedAt: new Date("2025-03-01T10:00:00.000Z"),
    ...over,
  });

  try {
    await t.step("the dedupe key is the SHA-256 hex of the exact bytes", () => {
      assert.equal(
        webhookDedupeKey(new TextEncoder().encode("abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
    });

    await t.step("20 concurrent unverified deliveries log exactly the hourly bound", async () => {
      const c = await connection();
      const receivedAt = new Date("2025-03-01T10:00:00.000Z");
      const logged = await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            db.asService((tx) =>
              logUnverifiedEvent(tx, { ...c, reason: "signature_mismatch", receivedAt, maxPerHour: 5 })
            ),
        ),
      );
      assert.equal(logged.filter((outcome) => outcome === "logged").length, 5);
      assert.equal(logged.filter((outcome) => outcome === "bounded").length, 15);
      const rows = await testDb.sql`
        select verified, verification_error, payload, raw_body, dedupe_key from public.calcom_webhook_events
        where calcom_connection_id = ${c.connectionId}`;
      assert.equal(rows.length, 5);
      assert.ok(
        rows.every((r) =>
          !r.verified && r.verification_error === "signature_mismatch" && r.payload === null &&
          r.raw_body === null && r.dedupe_key === null
        ),
      );
    });

    await t.step("the bound is per connection and per rolling hour", async () => {
      const c = await connection();
      const other = await connection();
      const log = (conn: typeof c, at: string) =>
        db.asService((tx) =>
          logUnverifiedEvent(tx, {
            ...conn,
            reason: "missing_signature",
            receivedAt: new Date(at),
            maxPerHour: 1,
          })
        );
      assert.equal(await log(c, "2025-03-01T10:00:00.000Z"), "logged");
      assert.equal(await log(c, "2025-03-01T10:59:59.000Z"), "bounded");
      assert.equal(await log(other, "2025-03-01T10:30:00.000Z"), "logged");
      assert.equal(await log(c, "2025-03-01T11:00:01.000Z"), "logged");
    });

    await t.step(
      "a delivery checked against an old secret or a deleted connection is not logged",
      async () => {
        const c = await connection();
        const log = (conn: typeof c) =>
          db.asService((tx) =>
            logUnverifiedEvent(tx, {
              ...conn,
              reason: "signature_mismatch",
              receivedAt: new Date("2025-03-01T10:00:00.000Z"),
              maxPerHour: 100,
            })
          );
        assert.equal(await log({ ...c, verifiedWith: "v1:an-older-ciphertext" }), "secret_changed");
        await testDb.sql`delete from public.calcom_connections where id = ${c.connectionId}`;
        assert.equal(await log(c), "gone");
        const [{ count }] = await testDb.sql`
        select count(*)::int from public.calcom_webhook_events where calcom_connection_id = ${c.connectionId}`;
        assert.equal(count, 0);
      },
    );

    await t.step("a second verified event with the same dedupe key answers the first one", async () => {
      const c = await connection();
      const event = verified(c);
      const first = await db.asService((tx) => logWebhookEvent(tx, event));
      assert.deepEqual({ ...first, id: typeof first.id }, {
        id: "string",
        duplicate: false,
        processed: false,
        trigger: "PING",
        connectionChanged: false,
        deferred: false,
      });
      assert.deepEqual(
        await db.asService((tx) => logWebhookEvent(tx, { ...event, trigger: "OTHER", processed: true })),
        {
          id: first.id,
          duplicate: true,
          processed: false,
          trigger: "PING",
          connectionChanged: false,
          deferred: false,
        },
      );
      const [{ count }] = await testDb.sql`
        select count(*)::int from public.calcom_webhook_events where calcom_connection_id = ${c.connectionId}`;
      assert.equal(count, 1);
      // the same body for another connection is another event
      const other = await connection();
      const again = await db.asService((tx) =>
        logWebhookEvent(tx, { ...event, ...other, verifiedWith: other.verifiedWith })
      );
      assert.equal(again.duplicate, false);
      assert.notEqual(again.id, first.id);
    });

    await t.step(
      "an event checked against another secret or active flag than the connection's writes nothing",
      async () => {
        const c = await connection();
        const row = testBookingRow({ booking_uid: "uid-stale" });
        const applied = { processed: true, processedAt: new Date(), bookingsJson: bookingRecordsJson([row]) };
        for (const stale of [{ verifiedWith: "v1.rotated-away" }, { connectionActive: false }]) {
          const logged = await db.asService((tx) =>
            logWebhookEvent(tx, verified(c, { ...applied, ...stale }))
          );
          assert.deepEqual(logged, {
            id: null,
            duplicate: false,
            processed: false,
            trigger: null,
            connectionChanged: true,
            deferred: false,
          });
        }
        const [{ events, bookings }] = await testDb.sql`
          select (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = ${c.connectionId}) as events,
                 (select count(*)::int from public.calcom_bookings where calcom_connection_id = ${c.connectionId}) as bookings`;
        assert.deepEqual([events, bookings], [0, 0]);
        const logged = await db.asService((tx) => logWebhookEvent(tx, verified(c, applied)));
        assert.deepEqual([logged.connectionChanged, logged.processed], [false, true]);
      },
    );

    await t.step("an event logged with its outcome and bookings applies them in the same call", async () => {
      const c = await connection();
      const at = new Date("2025-03-01T10:00:01.000Z");
      const row = testBookingRow({ booking_uid: "uid-logged", title: "Logged with its event" });
      const logged = await db.asService((tx) =>
        logWebhookEvent(
          tx,
          verified(c, {
            trigger: "BOOKING_CREATED",
            bookingUid: "uid-logged",
            processed: true,
            processedAt: at,
            bookingsJson: bookingRecordsJson([row]),
          }),
        )
      );
      assert.equal(logged.processed, true);
      const [event] = await testDb.sql`
        select processed, processed_at, error_message, booking_uid from public.calcom_webhook_events
        where id = ${logged.id}`;
      assert.deepEqual(
        [event.processed, event.processed_at.toISOString(), event.error_message, event.booking_uid],
        [true, at.toISOString(), null, "uid-logged"],
      );
      const [booking] = await testDb.sql`
        select title, user_id from public.calcom_bookings
        where calcom_connection_id = ${c.connectionId} and booking_uid = 'uid-logged'`;
      assert.deepEqual([booking.title, booking.user_id], ["Logged with its event", c.userId]);
    });

    await t.step("a booking write that fails takes the event with it", async () => {
      const c = await connection();
      const bad = JSON.stringify([{ ...testBookingRow({ booking_uid: "uid-bad" }), status: "NOT_A_STATUS" }]);
      await assert.rejects(
        db.asService((tx) =>
          logWebhookEvent(tx, verified(c, { processed: true, processedAt: new Date(), bookingsJson: bad }))
        ),
        (err: { name?: string }) => err.name === "PostgresError",
      );
      const [{ events, bookings }] = await testDb.sql`
        select (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = ${c.connectionId}) as events,
               (select count(*)::int from public.calcom_bookings where calcom_connection_id = ${c.connectionId}) as bookings`;
      assert.deepEqual([events, bookings], [0, 0]);
    });

    await t.step("an unprocessed outcome is logged with its error and no processed time", async () => {
      const c = await connection();
      const logged = await db.asService((tx) =>
        logWebhookEvent(
          tx,
          verified(c, { processed: false, errorMessage: "Unknown trigger X", processedAt: null }),
        )
      );
      const [event] = await testDb.sql`
        select processed, processed_at, error_message from public.calcom_webhook_events where id = ${logged.id}`;
      assert.deepEqual([event.processed, event.processed_at, event.error_message], [
        false,
        null,
        "Unknown trigger X",
      ]);
    });

    await t.step("an outcome marks the event, and a retry counts an attempt", async () => {
      const c = await connection();
      const id = await db.asService((tx) => insertVerifiedEvent(tx, verified(c)));
      const at = new Date("2025-03-01T10:00:01.000Z");
      await db.asService((tx) => recordEventOutcome(tx, id, { processed: false, error: "Nope", at }));
      await db.asService((tx) =>
        recordEventOutcome(tx, id, { processed: true, error: null, at, isRetry: true, bookingUid: "u1" })
      );
      const [row] = await testDb.sql`select * from public.calcom_webhook_events where id = ${id}`;
      assert.deepEqual(
        [row.processed, row.error_message, row.processed_at.toISOString(), row.attempts, row.booking_uid],
        [true, null, at.toISOString(), 2, "u1"],
      );
    });

    await t.step(
      "replayable events are listed in received order and locked by one replay at a time",
      async () => {
        const c = await connection();
        const later = await db.asService((tx) =>
          insertVerifiedEvent(tx, verified(c, { receivedAt: new Date("2025-03-01T10:00:02.000Z") }))
        );
        const earlier = await db.asService((tx) =>
          insertVerifiedEvent(tx, verified(c, { receivedAt: new Date("2025-03-01T10:00:01.000Z") }))
        );
        const done = await db.asService((tx) => insertVerifiedEvent(tx, verified(c)));
        await db.asService((tx) =>
          recordEventOutcome(tx, done, { processed: true, error: null, at: new Date() })
        );
        assert.deepEqual(await db.asService((tx) => listReplayableEventIds(tx, c.connectionId, 10)), [
          earlier,
          later,
        ]);
        assert.equal(await db.asService((tx) => countReplayableEvents(tx, c.connectionId)), 2);

        await db.asService(async (tx) => {
          const locked = await lockReplayableEvent(tx, c.connectionId, earlier!);
          assert.deepEqual(locked, {
            id: earlier,
            trigger: "PING",
            payload: { triggerEvent: "PING" },
            rawBody: null,
          });
          const concurrent = await db.asService((other) =>
            lockReplayableEvent(other, c.connectionId, earlier!)
          );
          assert.equal(concurrent, null);
        });
        assert.equal(await db.asService((tx) => lockReplayableEvent(tx, c.connectionId, done)), null);
        const stranger = await connection();
        assert.equal(
          await db.asService((tx) => lockReplayableEvent(tx, stranger.connectionId, earlier!)),
          null,
        );
      },
    );
  } finally {
    await db.end();
  }
});
