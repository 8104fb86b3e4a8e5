/**
 * A delivery about a booking the mirror cannot store is treated as the sync treats that booking: answered
 * 200, logged unprocessed with the reason, set aside in `calcom_booking_rejects`, and not applied.
 */
import assert from "node:assert/strict";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { NO_WEBHOOK_QUOTA, startTestStack } from "../../testing/test_stack.ts";

function created(uid: string, change: (payload: Record<string, unknown>) => void): string {
  const body = webhookFixture("BOOKING_CREATED");
  const payload = body.payload as Record<string, unknown>;
  payload.uid = uid;
  change(payload);
  return JSON.stringify(body);
}

Deno.test("a delivery about an unstorable booking is acknowledged, set aside and not applied", async () => {
  await using env = await startTestStack({
    apps: { webhook: { quota: NO_WEBHOOK_QUOTA } },
    sandbox: false,
  });
  const conn = await env.connection();
  const cases: { uid: string; body: string; reason: RegExp }[] = [
    {
      uid: "year-zero",
      body: created("year-zero", (p) => (p.startTime = "0000-06-01T10:00:00Z")),
      reason: /^Booking set aside: .*0000-06-01/,
    },
    {
      uid: "end-first",
      body: created("end-first", (p) => (p.endTime = "2000-01-01T00:00:00Z")),
      reason: /^Booking set aside: end_time .* is before start_time/,
    },
    {
      uid: "huge-event-type",
      body: created("huge-event-type", (p) => (p.eventTypeId = 1e19)),
      reason: /^Booking set aside: .*eventTypeId/,
    },
    {
      uid: "huge-id",
      body: created("huge-id", (p) => (p.bookingId = 424242)).replace(
        '"bookingId":424242',
        '"bookingId":9007199254740993',
      ),
      reason: /^Booking set aside: .*bookingId/i,
    },
  ];
  for (const c of cases) {
    const res = await env.deliver(conn.connectionId, c.body, { secret: conn.webhookSecret });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const answer = JSON.parse(text);
    assert.equal(answer.processed, false, text);
    const [event] = await env.db.sql<{ processed: boolean; error_message: string; booking_uid: string }[]>`
      select processed, error_message, booking_uid from public.calcom_webhook_events where id = ${answer.eventId}`;
    assert.equal(event.processed, false);
    assert.match(event.error_message, c.reason, `${c.uid}: ${event.error_message}`);
    assert.equal(event.booking_uid, c.uid);
  }
  const rejects = await env.db.sql<
    { booking_uid: string; source: string; reason: string; user_id: string }[]
  >`
    select booking_uid, source, reason, user_id from public.calcom_booking_rejects
    where calcom_connection_id = ${conn.connectionId} order by booking_uid`;
  assert.deepEqual(rejects.map((r) => r.booking_uid), cases.map((c) => c.uid).sort());
  for (const r of rejects) {
    assert.equal(r.source, "webhook");
    assert.equal(r.user_id, conn.userId);
  }
  const applied = await env.db.sql`
    select 1 from public.calcom_bookings where calcom_connection_id = ${conn.connectionId}`;
  assert.equal(applied.length, 0, "none of them is applied");

  // The same delivery again is a duplicate: nothing more is recorded.
  const again = await env.deliver(conn.connectionId, cases[1].body, { secret: conn.webhookSecret });
  assert.equal(again.status, 200);
  await again.body?.cancel();
  const [{ seen_count }] = await env.db.sql`
    select seen_count from public.calcom_booking_rejects
    where calcom_connection_id = ${conn.connectionId} and booking_uid = 'end-first'`;
  assert.equal(seen_count, 1);
});
