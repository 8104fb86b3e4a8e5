import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../db/test_database.ts";
import { upsertBookings } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import {
  LONG_TEXT_MAX_BYTES,
  RAW_MAX_BYTES,
  TITLE_MAX_BYTES,
} from "../../../supabase/functions/_shared/bookings/booking_caps.ts";
import { insertTestConnection, testBookingRow, testSecretBox } from "../../testing/booking_test_data.ts";
import { createDb } from "../../../supabase/functions/_shared/platform/db.ts";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import {
  EventApplyError,
  inLockOrder,
  logFailedApply,
  processWebhookEvent,
} from "../../../supabase/functions/calcom-webhook/process_event.ts";

Deno.test("a failed write throws out of the transaction, which keeps none of its writes", async () => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const userId = await createUser(testDb.sql);
    const stranger = await createUser(testDb.sql);
    const { connectionId } = await insertTestConnection(testDb.sql, { userId, secrets: testSecretBox() });
    // a connection id with the wrong owner: the booking write refuses it
    const wrongOwner = { id: connectionId, userId: stranger, isActive: true };
    const failure = await db.asService(async (tx) => {
      await upsertBookings(tx, { userId, connectionId, rows: [testBookingRow({ booking_uid: "earlier" })] });
      return await processWebhookEvent(tx, wrongOwner, webhookFixture("BOOKING_CREATED"));
    }).then(() => null, (err: unknown) => err);
    assert.ok(failure instanceof EventApplyError);
    assert.equal(failure.outcome.processed, false);
    assert.match(failure.outcome.error ?? "", /does not belong to user/);
    assert.equal(typeof failure.outcome.bookingUid, "string");
    const [{ n }] = await testDb.sql`select count(*)::int as n from public.calcom_bookings`;
    assert.equal(n, 0);
  } finally {
    await db.end();
  }
});

Deno.test("a failed apply is logged by the second step with its outcome", async () => {
  const outcome = { processed: false, error: "Booking x is not mirrored yet", bookingUid: "x" };
  const logged: unknown[] = [];
  const result = await logFailedApply(
    () => Promise.reject(new EventApplyError(outcome)),
    (failure) => {
      logged.push(failure);
      return Promise.resolve("logged");
    },
  );
  assert.equal(result, "logged");
  assert.deepEqual(logged, [outcome]);
});

Deno.test("an applied event and other failures never reach the second step", async () => {
  const never = () => Promise.reject(new Error("must not run"));
  assert.equal(await logFailedApply(() => Promise.resolve("applied"), never), "applied");
  const lost = new Error("connection lost");
  await assert.rejects(logFailedApply(() => Promise.reject(lost), never), (err: unknown) => err === lost);
});

Deno.test("a webhook booking with huge fields is stored within the caps, its cuts named", async () => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const userId = await createUser(testDb.sql);
    const { connectionId } = await insertTestConnection(testDb.sql, { userId, secrets: testSecretBox() });
    const connection = { id: connectionId, userId, isActive: true };
    const body = webhookFixture("BOOKING_CREATED");
    const payload = body.payload as Record<string, unknown>;
    payload.title = "T".repeat(200_000);
    payload.description = "é".repeat(500_000);
    const outcome = await db.asService((tx) => processWebhookEvent(tx, connection, body));
    assert.equal(outcome.processed, true);
    const [stored] = await testDb.sql`
      select octet_length(title) as title, octet_length(description) as description,
        octet_length(raw::text) as raw, truncated_fields, updated_at, description as text
      from public.calcom_bookings where booking_uid = ${payload.uid as string}`;
    assert.equal(stored.title, TITLE_MAX_BYTES);
    // two-byte characters: the cut falls on a character, never inside one
    assert.equal(stored.description, LONG_TEXT_MAX_BYTES);
    assert.equal(stored.text, "é".repeat(LONG_TEXT_MAX_BYTES / 2));
    assert.ok(stored.raw <= RAW_MAX_BYTES * 1.2, `raw is ${stored.raw} bytes`);
    assert.deepEqual(stored.truncated_fields, ["title", "description", "raw"]);

    // the same delivery again hashes the same: nothing is rewritten
    await db.asService((tx) => processWebhookEvent(tx, connection, body));
    const [again] = await testDb.sql`
      select updated_at from public.calcom_bookings where booking_uid = ${payload.uid as string}`;
    assert.equal(again.updated_at.toISOString(), stored.updated_at.toISOString());
  } finally {
    await db.end();
  }
});

Deno.test("a reschedule's writes are applied in uid order, and writes to one booking keep theirs", () => {
  const row = (uid: string) => ({ kind: "upsert" as const, row: testBookingRow({ booking_uid: uid }) });
  const status = (uid: string) => ({
    kind: "status" as const,
    change: { uid, status: "CANCELLED" as const, sourceUpdatedAt: "2026-01-01T00:00:00.000Z" },
  });
  const facts = (uid: string) => ({ kind: "facts" as const, uid, facts: { meetingEndedAt: null } });
  // Byte order: upper case sorts before lower case, whatever the database's collation says.
  const ordered = inLockOrder([row("b-new"), status("B-old"), row("a"), facts("a")]);
  assert.deepEqual(
    ordered.map((
      op,
    ) => [
      op.kind,
      op.kind === "upsert" ? op.row.booking_uid : op.kind === "facts" ? op.uid : op.change.uid,
    ]),
    [["status", "B-old"], ["upsert", "a"], ["facts", "a"], ["upsert", "b-new"]],
  );
});
