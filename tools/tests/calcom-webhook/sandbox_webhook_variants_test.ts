/**
 * Cal.com's webhook variants (corrections §4, §5), delivered by the sandbox to the function: the nested
 * meeting body, the Cal Video no-show automations without `guests`, per host and by booking id, and the
 * newer triggers.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { startTestStack } from "../../testing/test_stack.ts";

Deno.test("the sandbox's webhook variants reach the function and change the database as Cal.com means", async (t) => {
  await using env = await startTestStack({ apps: { webhook: true } });
  const { sandbox } = env;
  const { user, apiKey } = sandbox.addUser({ name: "Dana Host", email: "dana@example.com" });
  const { connectionId, webhookSecret } = await env.connection();
  await createCalcomClient({ apiKey, baseUrl: sandbox.url }).createWebhook({
    subscriberUrl: env.webhookUrl(connectionId),
    triggers: [
      "BOOKING_CREATED",
      "MEETING_STARTED",
      "MEETING_ENDED",
      "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
      "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
      "BOOKING_LOCATION_UPDATED",
      "BOOKING_REASSIGNED",
      "INSTANT_MEETING_ACCEPTED",
      "CALENDAR_ENTRY_REJECTED",
      "DELEGATION_CREDENTIAL_SECRET_ROTATED",
    ],
    secret: webhookSecret,
    active: true,
  });
  const row = async (uid: string) => {
    const [found] = await env.db.sql`
      select * from public.calcom_bookings where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
    return found;
  };
  const lastEvent = async () => {
    const [e] = await env.db.sql`
      select trigger_event, processed, error_message from public.calcom_webhook_events
      where calcom_connection_id = ${connectionId} order by received_at desc, id desc limit 1`;
    return e;
  };
  const absences = async (uid: string) =>
    Object.fromEntries(
      (await row(uid)).attendees.map((
        a: { email: string; absent?: boolean },
      ) => [a.email, a.absent ?? false]),
    );
  /** A started booking with a guest and a second host who attends. */
  const meeting = () =>
    sandbox.createBooking(user.id, {
      attendee: { name: "Sam Guest", email: "sam@example.org" },
      guests: ["lee.cohost@example.com", "dana@example.com"],
      start: new Date(sandbox.now().getTime() - 600_000),
    });

  await t.step("a nested MEETING_STARTED records the meeting like the flattened one", async () => {
    const b = await meeting();
    sandbox.advanceTime(1_000);
    await sandbox.startMeeting(b.uid, { form: "nested" });
    const delivered = sandbox.deliveries.at(-1)!;
    assert.equal(delivered.status, 200);
    assert.equal("payload" in JSON.parse(delivered.body), true);
    assert.ok((await row(b.uid)).meeting_started_at instanceof Date);
    assert.deepEqual(await lastEvent(), {
      trigger_event: "MEETING_STARTED",
      processed: true,
      error_message: null,
    });
  });

  await t.step("AFTER_GUESTS without guests marks the attendees absent, but not the organizer", async () => {
    const b = await meeting();
    const [attempt] = await sandbox.deliverWebhook("AFTER_GUESTS_CAL_VIDEO_NO_SHOW", b.uid);
    assert.equal(attempt.status, 200);
    assert.equal("guests" in (JSON.parse(attempt.body).payload), false);
    assert.deepEqual(await absences(b.uid), {
      "sam@example.org": true,
      "lee.cohost@example.com": true,
      "dana@example.com": false,
    });
  });

  await t.step(
    "AFTER_HOSTS for the organizer marks the host absent; for another host, that attendee",
    async () => {
      const b = await meeting();
      await sandbox.deliverWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", b.uid, {
        hostEmail: "lee.cohost@example.com",
      });
      assert.equal((await row(b.uid)).absent_host, false);
      assert.equal((await absences(b.uid))["lee.cohost@example.com"], true);
      await sandbox.deliverWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", b.uid);
      assert.equal((await row(b.uid)).absent_host, true);
      assert.equal((await absences(b.uid))["sam@example.org"], false);
    },
  );

  await t.step("AFTER_HOSTS with only a bookingId finds the booking by its id", async () => {
    const b = await meeting();
    const [attempt] = await sandbox.deliverWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", b.uid, {
      noShowVariant: "bookingIdOnly",
    });
    assert.equal(attempt.status, 200);
    assert.equal((await row(b.uid)).absent_host, true);
    assert.deepEqual(await lastEvent(), {
      trigger_event: "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
      processed: true,
      error_message: null,
    });
  });

  await t.step("BOOKING_LOCATION_UPDATED and BOOKING_REASSIGNED are applied to the booking", async () => {
    const b = await sandbox.createBooking(user.id);
    sandbox.advanceTime(1_000);
    await sandbox.deliverWebhook("BOOKING_LOCATION_UPDATED", b.uid, {
      payload: { location: "Friedrichstraße 1, Berlin", metadata: {}, videoCallData: null },
    });
    assert.equal((await row(b.uid)).location, "Friedrichstraße 1, Berlin");
    sandbox.advanceTime(1_000);
    await sandbox.deliverWebhook("BOOKING_REASSIGNED", b.uid, {
      payload: { organizer: { id: 777, name: "Lee Cohost", email: "lee.cohost@example.com" } },
    });
    const reassigned = await row(b.uid);
    assert.deepEqual([reassigned.organizer_email, reassigned.status], ["lee.cohost@example.com", "ACCEPTED"]);
    assert.deepEqual(await lastEvent(), {
      trigger_event: "BOOKING_REASSIGNED",
      processed: true,
      error_message: null,
    });
  });

  await t.step("the newer triggers that describe no booking are logged as processed", async () => {
    const b = await sandbox.createBooking(user.id);
    for (
      const trigger of [
        "INSTANT_MEETING_ACCEPTED",
        "CALENDAR_ENTRY_REJECTED",
        "DELEGATION_CREDENTIAL_SECRET_ROTATED",
      ]
    ) {
      const [attempt] = await sandbox.deliverWebhook(trigger, b.uid);
      assert.equal(attempt.status, 200);
      assert.deepEqual(await lastEvent(), { trigger_event: trigger, processed: true, error_message: null });
    }
  });
});
