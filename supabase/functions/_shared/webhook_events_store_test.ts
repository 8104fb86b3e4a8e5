import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../tools/db/test_database.ts";
import { insertTestConnection, testSecretBox } from "./booking_test_data.ts";
import { createDb } from "./db.ts";
import {
  countReplayableEvents,
  findEventByDedupeKey,
  insertVerifiedEvent,
  listReplayableEventIds,
  lockReplayableEvent,
  logUnverifiedEvent,
  recordEventOutcome,
  type VerifiedEvent,
  webhookDedupeKey,
} from "./webhook_events_store.ts";

Deno.test("webhook events store", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 8 });
  const secrets = testSecretBox();
  const connection = async () =>
    await insertTestConnection(testDb.sql, { userId: await createUser(testDb.sql), secrets });
  const verified = (c: { connectionId: string; userId: string }, over: Partial<VerifiedEvent> = {}) => ({
    connectionId: c.connectionId,
    userId: c.userId,
    dedupeKey: crypto.randomUUID(),
    trigger: "PING",
    bookingUid: null,
    payloadJson: '{"triggerEvent":"PING"}',
    rawBody: null,
    receivedAt: new Date("2025-03-01T10:00:00.000Z"),
    ...over,
  });

  try {
    await t.step("the dedupe key is the SHA-256 hex of the exact bytes", async () => {
      assert.equal(
        await webhookDedupeKey(new TextEncoder().encode("abc")),
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
      assert.equal(logged.filter(Boolean).length, 5);
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
      assert.equal(await log(c, "2025-03-01T10:00:00.000Z"), true);
      assert.equal(await log(c, "2025-03-01T10:59:59.000Z"), false);
      assert.equal(await log(other, "2025-03-01T10:30:00.000Z"), true);
      assert.equal(await log(c, "2025-03-01T11:00:01.000Z"), true);
    });

    await t.step("a second verified event with the same dedupe key is not inserted", async () => {
      const c = await connection();
      const event = verified(c);
      const first = await db.asService((tx) => insertVerifiedEvent(tx, event));
      assert.ok(first);
      assert.equal(await db.asService((tx) => insertVerifiedEvent(tx, event)), null);
      assert.deepEqual(
        await db.asService((tx) => findEventByDedupeKey(tx, c.connectionId, event.dedupeKey)),
        {
          id: first,
          trigger: "PING",
          processed: false,
        },
      );
      // the same body for another connection is another event
      const other = await connection();
      assert.ok(await db.asService((tx) => insertVerifiedEvent(tx, { ...event, ...other })));
    });

    await t.step("an outcome marks the event, and a retry counts an attempt", async () => {
      const c = await connection();
      const id = (await db.asService((tx) => insertVerifiedEvent(tx, verified(c))))!;
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
        const done = (await db.asService((tx) => insertVerifiedEvent(tx, verified(c))))!;
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
