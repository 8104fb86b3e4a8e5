import assert from "node:assert/strict";
import { upsertBookings } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import { mapApiBooking } from "../../../supabase/functions/_shared/bookings/map_api_booking.ts";
import { startTestStack } from "../../testing/test_stack.ts";

Deno.test("the sandbox's signed deliveries reach the function and change the database", async (t) => {
  await using env = await startTestStack({ apps: { webhook: true } });
  const { sandbox } = env;
  const { user, apiKey } = sandbox.addUser({ name: "Dana Host" });
  const { connectionId, userId, webhookSecret } = await env.connection();
  const calcom = createCalcomClient({ apiKey, baseUrl: sandbox.url });
  await calcom.createWebhook({
    subscriberUrl: env.webhookUrl(connectionId),
    triggers: calcomWebhookTriggers,
    secret: webhookSecret,
    active: true,
  });

  const booking = async (uid: string) => {
    const [row] = await env.db.sql`
      select * from public.calcom_bookings where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
    return row;
  };
  /** The sandbox's write methods return once their deliveries were answered. */
  const lastDeliveries = (n: number) => sandbox.deliveries.slice(-n).map((d) => [d.trigger, d.status]);

  await t.step("a booking created in Cal.com is mirrored", async () => {
    const created = await sandbox.createBooking(user.id, {
      attendee: { name: "Sam Guest", email: "sam@example.org" },
    });
    assert.deepEqual(lastDeliveries(1), [["BOOKING_CREATED", 200]]);
    const row = await booking(created.uid);
    assert.deepEqual([row.status, row.title, row.start_time.toISOString(), row.user_id], [
      "ACCEPTED",
      created.title,
      new Date(created.start).toISOString(),
      userId,
    ]);
    assert.equal(row.attendees[0].email, "sam@example.org");
  });

  await t.step("a cancellation in Cal.com cancels the mirrored booking", async () => {
    const created = await sandbox.createBooking(user.id);
    await sandbox.cancelBooking(created.uid, "Out sick");
    assert.deepEqual(lastDeliveries(1), [["BOOKING_CANCELLED", 200]]);
    const row = await booking(created.uid);
    assert.deepEqual([row.status, row.cancellation_reason], ["CANCELLED", "Out sick"]);
  });

  await t.step("a reschedule in Cal.com mirrors the new booking and cancels the old one", async () => {
    const created = await sandbox.createBooking(user.id);
    const newStart = new Date(Date.parse(created.start) + 2 * 86_400_000);
    const moved = await sandbox.rescheduleBooking(created.uid, newStart);
    assert.deepEqual(lastDeliveries(1), [["BOOKING_RESCHEDULED", 200]]);
    const next = await booking(moved.uid);
    const old = await booking(created.uid);
    assert.deepEqual([next.status, next.rescheduled_from_uid, next.start_time.toISOString()], [
      "ACCEPTED",
      created.uid,
      newStart.toISOString(),
    ]);
    assert.deepEqual([old.status, old.rescheduled_to_uid], ["CANCELLED", moved.uid]);
  });

  await t.step("confirmation, rejection, no-shows and meetings in Cal.com are mirrored", async () => {
    const consult = sandbox.eventTypes(user.id).find((e) => e.requiresConfirmation)!;
    const pending = await sandbox.createBooking(user.id, { eventTypeId: consult.id });
    assert.equal((await booking(pending.uid)).status, "PENDING");
    await sandbox.confirmBooking(pending.uid);
    assert.equal((await booking(pending.uid)).status, "ACCEPTED");

    const declined = await sandbox.createBooking(user.id, { eventTypeId: consult.id });
    await sandbox.rejectBooking(declined.uid, "Fully booked");
    const rejected = await booking(declined.uid);
    assert.deepEqual([rejected.status, rejected.rejection_reason], ["REJECTED", "Fully booked"]);

    const met = await sandbox.createBooking(user.id, {
      attendee: { name: "Lee", email: "lee@example.net" },
      // absences can only be marked once a booking has started
      start: new Date(sandbox.now().getTime() - 3_600_000),
    });
    await sandbox.startMeeting(met.uid);
    await sandbox.endMeeting(met.uid);
    await sandbox.markAbsent(met.uid, { attendees: ["lee@example.net"] });
    const row = await booking(met.uid);
    assert.ok(row.meeting_started_at instanceof Date);
    assert.ok(row.meeting_ended_at instanceof Date);
    assert.equal(row.attendees.find((a: { email: string }) => a.email === "lee@example.net").absent, true);
  });

  await t.step("every delivery was verified and processed", async () => {
    assert.ok(sandbox.deliveries.length >= 10);
    assert.deepEqual(sandbox.deliveries.filter((d) => d.status !== 200), []);
    const events = await env.db.sql`
      select trigger_event, verified, processed, error_message from public.calcom_webhook_events
      where calcom_connection_id = ${connectionId}`;
    assert.equal(events.length, sandbox.deliveries.length);
    assert.deepEqual(events.filter((e) => !e.verified || !e.processed), []);
  });

  await t.step("a sync of the same bookings afterwards leaves every mirrored status as it is", async () => {
    const statuses = async () =>
      Object.fromEntries(
        (await env.db.sql`
          select booking_uid, status from public.calcom_bookings where calcom_connection_id = ${connectionId}`)
          .map((r) => [r.booking_uid, r.status]),
      );
    const before = await statuses();
    const rows = sandbox.bookings(user.id).map((b) => mapApiBooking(b));
    const result = await env.deps.db.asService((tx) => upsertBookings(tx, { userId, connectionId, rows }));
    assert.equal(result.created, 0);
    assert.deepEqual(await statuses(), before);
  });
});
