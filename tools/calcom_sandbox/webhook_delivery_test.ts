import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { calFetch, type Received, startReceiver } from "./test_support.ts";
import { WEBHOOK_TRIGGERS } from "./webhooks_routes.ts";

const SECRET = "whsec-sandbox-test";
const NOW = "2025-03-01T09:12:47.005Z";

/** A sandbox whose user has one webhook on every trigger, signed with SECRET, delivering to a receiver. */
async function setup(options: { secret?: string | null; answer?: number | (() => Response) } = {}) {
  const sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  sandbox.setNow(NOW);
  const receiver = startReceiver(options.answer);
  const { user, apiKey } = sandbox.addUser({
    username: "dana",
    name: "Dana Host",
    timeZone: "Europe/Berlin",
  });
  const secret = options.secret === undefined ? SECRET : options.secret;
  const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: {
      subscriberUrl: receiver.url,
      triggers: WEBHOOK_TRIGGERS.filter((t) => t !== "DELEGATION_CREDENTIAL_ERROR"),
      active: true,
      ...(secret === null ? {} : { secret }),
    },
  });
  assert.equal(res.status, 201);
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  return {
    sandbox,
    receiver,
    user,
    apiKey,
    types,
    async [Symbol.asyncDispose]() {
      await sandbox.close();
      await receiver.close();
    },
  };
}

/** Parses a received delivery after checking its signature with an independent HMAC. */
function verified(r: Received, secret = SECRET): Record<string, unknown> {
  const expected = createHmac("sha256", secret).update(r.body).digest("hex");
  assert.equal(r.headers.get("x-cal-signature-256"), expected);
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.equal(r.headers.get("x-cal-webhook-version"), "2021-10-20");
  return JSON.parse(r.body);
}

function payloadOf(r: Received): Record<string, unknown> {
  return verified(r).payload as Record<string, unknown>;
}

function triggers(s: Sandbox): string[] {
  return s.deliveries.map((d) => d.trigger);
}

Deno.test("a new booking delivers a signed BOOKING_CREATED in Cal.com's booking payload shape", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, {
    start: "2025-03-10T14:00:00Z",
    attendee: { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" },
    description: "Looking forward",
  });
  assert.equal(t.receiver.received.length, 1);
  const body = verified(t.receiver.received[0]);
  assert.deepEqual(Object.keys(body), ["triggerEvent", "createdAt", "payload"]);
  assert.equal(body.triggerEvent, "BOOKING_CREATED");
  assert.equal(body.createdAt, NOW);
  const p = body.payload as Record<string, unknown>;
  assert.equal(p.bookingId, b.id);
  assert.equal("id" in p, false);
  assert.equal(p.uid, b.uid);
  assert.equal(p.status, "ACCEPTED");
  assert.equal(p.startTime, "2025-03-10T14:00:00Z");
  assert.equal(p.endTime, "2025-03-10T14:30:00Z");
  assert.equal(p.type, "30min");
  assert.equal(p.eventTypeId, b.eventTypeId);
  assert.equal(p.iCalUID, `${b.uid}@cal.com`);
  assert.equal(p.iCalSequence, 0);
  assert.equal(p.location, "integrations:daily");
  assert.deepEqual(p.metadata, { videoCallUrl: `https://app.cal.com/video/${b.uid}` });
  assert.equal(p.length, 30);
  assert.equal(p.additionalNotes, "Looking forward");
  assert.deepEqual(p.organizer, {
    id: t.user.id,
    name: "Dana Host",
    email: "dana@example.com",
    username: "dana",
    timeZone: "Europe/Berlin",
    timeFormat: "HH:mm",
    language: { locale: "en" },
    utcOffset: 60,
  });
  assert.deepEqual(p.attendees, [{
    email: "sam@example.org",
    name: "Sam Guest",
    firstName: "Sam",
    lastName: "Guest",
    timeZone: "America/New_York",
    language: { locale: "en" },
    utcOffset: -240,
  }]);
  assert.deepEqual((p.responses as Record<string, unknown>).name, {
    label: "your_name",
    value: "Sam Guest",
    isHidden: false,
  });
  assert.deepEqual(t.sandbox.deliveries.map((d) => [d.url, d.trigger, d.status]), [
    [t.receiver.url, "BOOKING_CREATED", 200],
  ]);
  assert.equal(t.sandbox.deliveries[0].body, t.receiver.received[0].body);
});

Deno.test("a webhook without a secret is signed with the literal no-secret-provided", async () => {
  await using t = await setup({ secret: null });
  await t.sandbox.createBooking(t.user.id);
  assert.equal(t.receiver.received[0].headers.get("x-cal-signature-256"), "no-secret-provided");
});

Deno.test("a booking that needs confirmation is REQUESTED, then confirming sends BOOKING_CREATED with ACCEPTED", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { eventTypeId: t.types.consult });
  assert.equal(b.status, "pending");
  const requested = verified(t.receiver.received[0]);
  assert.equal(requested.triggerEvent, "BOOKING_REQUESTED");
  assert.equal((requested.payload as Record<string, unknown>).status, "PENDING");
  assert.equal((requested.payload as Record<string, unknown>).requiresConfirmation, true);

  const confirmed = await t.sandbox.confirmBooking(b.uid);
  assert.equal(confirmed.status, "accepted");
  assert.equal(confirmed.uid, b.uid);
  const created = verified(t.receiver.received[1]);
  assert.equal(created.triggerEvent, "BOOKING_CREATED");
  assert.equal((created.payload as Record<string, unknown>).status, "ACCEPTED");
  assert.equal((created.payload as Record<string, unknown>).uid, b.uid);
});

Deno.test("declining sends BOOKING_REJECTED with the reason and millisecond times", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-12T09:00:00Z",
  });
  t.sandbox.advanceTime(60_000);
  const rejected = await t.sandbox.rejectBooking(b.uid, "Not available");
  assert.equal(rejected.status, "rejected");
  assert.equal(rejected.updatedAt, "2025-03-01T09:13:47.005Z");
  const body = verified(t.receiver.received[1]);
  assert.equal(body.triggerEvent, "BOOKING_REJECTED");
  const p = body.payload as Record<string, unknown>;
  assert.equal(p.status, "REJECTED");
  assert.equal(p.rejectionReason, "Not available");
  assert.equal(p.startTime, "2025-03-12T09:00:00.000Z");
  assert.equal(p.bookingId, b.id);
  assert.equal("cancellationReason" in p, false);
});

Deno.test("cancelling sends BOOKING_CANCELLED with +00:00 times and the cancellation fields", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-11T15:00:00Z" });
  const cancelled = await t.sandbox.cancelBooking(b.uid, "Travel plans changed", {
    cancelledBy: "sam@example.org",
  });
  assert.equal(cancelled.status, "cancelled");
  assert.equal(cancelled.cancellationReason, "Travel plans changed");
  assert.equal(cancelled.cancelledByEmail, "sam@example.org");
  const body = verified(t.receiver.received[1]);
  assert.equal(body.triggerEvent, "BOOKING_CANCELLED");
  const p = body.payload as Record<string, unknown>;
  assert.equal(p.status, "CANCELLED");
  assert.equal(p.startTime, "2025-03-11T15:00:00+00:00");
  assert.equal(p.endTime, "2025-03-11T15:30:00+00:00");
  assert.equal(p.cancellationReason, "Travel plans changed");
  assert.equal(p.cancelledBy, "sam@example.org");
  assert.equal(p.requestReschedule, false);
  assert.equal(p.iCalSequence, 1);
  assert.equal(p.bookingId, b.id);
});

Deno.test("rescheduling sends one BOOKING_RESCHEDULED about the new booking and no cancellation", async () => {
  await using t = await setup();
  const old = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  const neu = await t.sandbox.rescheduleBooking(old.uid, "2025-03-11T15:00:00Z", {
    reason: "Conflict",
    rescheduledBy: "sam@example.org",
  });
  assert.deepEqual(triggers(t.sandbox), ["BOOKING_CREATED", "BOOKING_RESCHEDULED"]);
  const p = payloadOf(t.receiver.received[1]);
  assert.equal(p.uid, neu.uid);
  assert.equal(p.bookingId, neu.id);
  assert.equal(p.rescheduleUid, old.uid);
  assert.equal(p.rescheduleId, old.id);
  assert.equal(p.rescheduleStartTime, "2025-03-10T14:00:00Z");
  assert.equal(p.rescheduleEndTime, "2025-03-10T14:30:00Z");
  assert.equal(p.rescheduledBy, "sam@example.org");
  assert.equal(p.startTime, "2025-03-11T15:00:00Z");
  assert.equal(p.status, "ACCEPTED");
  assert.equal(p.iCalUID, old.icsUid);
  assert.equal(p.iCalSequence, 1);
  assert.deepEqual((p.responses as Record<string, unknown>).rescheduleReason, {
    label: "reason_for_reschedule",
    value: "Conflict",
    isHidden: false,
  });
});

Deno.test("marking attendees absent sends BOOKING_NO_SHOW_UPDATED; a host-only change sends nothing", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, {
    start: "2025-03-01T08:00:00Z",
    attendee: { name: "Sam Guest", email: "sam@example.org" },
  });
  const marked = await t.sandbox.markAbsent(b.uid, { attendees: ["sam@example.org"] });
  assert.equal(marked.attendees[0].absent, true);
  const body = verified(t.receiver.received[1]);
  assert.deepEqual(body, {
    triggerEvent: "BOOKING_NO_SHOW_UPDATED",
    createdAt: NOW,
    payload: {
      message: "sam@example.org marked as no-show",
      attendees: [{ email: "sam@example.org", noShow: true }],
      bookingUid: b.uid,
      bookingId: b.id,
    },
  });
  const host = await t.sandbox.markAbsent(b.uid, { host: true });
  assert.equal(host.absentHost, true);
  assert.equal(t.receiver.received.length, 2);
});

Deno.test("meeting start and end send the flattened booking row without a payload key", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  const before = t.sandbox.booking(b.uid)!.updatedAt;
  await t.sandbox.startMeeting(b.uid);
  await t.sandbox.endMeeting(b.uid);
  assert.deepEqual(triggers(t.sandbox), ["BOOKING_CREATED", "MEETING_STARTED", "MEETING_ENDED"]);
  for (const [i, trigger] of [[1, "MEETING_STARTED"], [2, "MEETING_ENDED"]] as const) {
    const body = verified(t.receiver.received[i]);
    assert.equal(body.triggerEvent, trigger);
    assert.equal("payload" in body, false);
    assert.equal(body.id, b.id);
    assert.equal(body.uid, b.uid);
    assert.equal(body.status, "ACCEPTED");
    assert.equal(body.startTime, "2025-03-10T14:00:00.000Z");
    assert.equal(body.createdAt, b.createdAt);
    assert.deepEqual(body.metadata, { videoCallUrl: `https://app.cal.com/video/${b.uid}` });
  }
  assert.equal(t.sandbox.booking(b.uid)!.updatedAt, before);
  const cancelled = await t.sandbox.createBooking(t.user.id);
  await t.sandbox.cancelBooking(cancelled.uid);
  t.sandbox.resetDeliveries();
  await t.sandbox.startMeeting(cancelled.uid);
  assert.deepEqual(t.sandbox.deliveries, []);
});

Deno.test("a failed delivery is recorded once and not retried; redirects are not followed", async () => {
  for (
    const [answer, status] of [
      [500, 500],
      [() => new Response(null, { status: 302, headers: { location: "/elsewhere" } }), 302],
    ] as const
  ) {
    await using t = await setup({ answer });
    await t.sandbox.createBooking(t.user.id);
    assert.equal(t.receiver.received.length, 1);
    assert.deepEqual(t.sandbox.deliveries.map((d) => d.status), [status]);
  }
});

Deno.test("an unreachable subscriber is recorded with status 0 and an error", async () => {
  await using sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  const { user, apiKey } = sandbox.addUser();
  const receiver = startReceiver();
  const url = receiver.url;
  await receiver.close();
  await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { subscriberUrl: url, triggers: ["BOOKING_CREATED"], active: true },
  });
  await sandbox.createBooking(user.id);
  assert.equal(sandbox.deliveries.length, 1);
  assert.equal(sandbox.deliveries[0].status, 0);
  assert.equal(typeof sandbox.deliveries[0].error, "string");
});

Deno.test("only active webhooks of the organizer that subscribe to the trigger receive it", async () => {
  await using sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  await using a = startReceiver();
  await using b = startReceiver();
  await using c = startReceiver();
  const host = sandbox.addUser();
  const other = sandbox.addUser();
  const create = (key: string, subscriberUrl: string, triggers: string[], active = true) =>
    calFetch(sandbox, key, "/v2/webhooks", { method: "POST", body: { subscriberUrl, triggers, active } });
  await create(host.apiKey, a.url, ["BOOKING_CANCELLED"]);
  await create(host.apiKey, b.url, ["BOOKING_CREATED"], false);
  await create(other.apiKey, c.url, ["BOOKING_CREATED", "BOOKING_CANCELLED"]);
  const booking = await sandbox.createBooking(host.user.id);
  await sandbox.cancelBooking(booking.uid);
  assert.equal(a.received.length, 1);
  assert.equal(JSON.parse(a.received[0].body).triggerEvent, "BOOKING_CANCELLED");
  assert.equal(b.received.length, 0);
  assert.equal(c.received.length, 0);
});

Deno.test("HTTP writes deliver their webhooks before answering", async () => {
  await using t = await setup();
  const created = await calFetch(t.sandbox, t.apiKey, "/v2/bookings", {
    method: "POST",
    body: {
      start: "2025-03-20T10:00:00Z",
      eventTypeId: t.types["30min"],
      attendee: { name: "Lee Client", timeZone: "Europe/London", email: "lee@example.net" },
      location: { type: "integration", integration: "google-meet" },
    },
  });
  assert.equal(created.status, 201);
  const b = created.json.data as { uid: string; location: string; status: string };
  assert.equal(b.status, "accepted");
  assert.equal(b.location, "integrations:google:meet");
  assert.deepEqual(triggers(t.sandbox), ["BOOKING_CREATED"]);

  const cancelled = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${b.uid}/cancel`, {
    method: "POST",
    body: { cancellationReason: "Changed my mind" },
  });
  assert.equal(cancelled.status, 200);
  assert.equal((cancelled.json.data as { status: string }).status, "cancelled");
  assert.deepEqual(triggers(t.sandbox), ["BOOKING_CREATED", "BOOKING_CANCELLED"]);
  assert.equal(payloadOf(t.receiver.received[1]).cancelledBy, "dana@example.com");

  const pending = await calFetch(t.sandbox, t.apiKey, "/v2/bookings", {
    method: "POST",
    body: {
      start: "2025-03-21T10:00:00Z",
      eventTypeId: t.types.consult,
      attendee: { name: "A", email: "a@example.org", timeZone: "UTC" },
    },
  });
  const uid = (pending.json.data as { uid: string }).uid;
  assert.equal(
    (await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${uid}/confirm`, { method: "POST" })).status,
    200,
  );
  const declinable = await calFetch(t.sandbox, t.apiKey, "/v2/bookings", {
    method: "POST",
    body: {
      start: "2025-03-24T10:00:00Z",
      eventTypeId: t.types.consult,
      attendee: { name: "B", email: "b@example.org", timeZone: "UTC" },
    },
  });
  const uid2 = (declinable.json.data as { uid: string }).uid;
  const declined = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${uid2}/decline`, {
    method: "POST",
    body: { reason: "Fully booked" },
  });
  assert.equal((declined.json.data as { status: string }).status, "rejected");
  t.sandbox.setNow("2025-03-21T10:05:00Z");
  const absent = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${uid}/mark-absent`, {
    method: "POST",
    body: {
      host: false,
      attendees: [{
        email: (pending.json.data as { attendees: Array<{ email: string }> }).attendees[0].email,
        absent: true,
      }],
    },
  });
  assert.equal(absent.status, 200);
  assert.deepEqual(triggers(t.sandbox), [
    "BOOKING_CREATED",
    "BOOKING_CANCELLED",
    "BOOKING_REQUESTED",
    "BOOKING_CREATED",
    "BOOKING_REQUESTED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
  ]);
  for (const r of t.receiver.received) verified(r);
});
