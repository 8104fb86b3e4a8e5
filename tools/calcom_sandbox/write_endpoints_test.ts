/**
 * The sandbox's booking actions against write-endpoints.md: the cancel and reschedule pipes' messages,
 * the engine's refusals (with their top-level `message`), who may act, which webhook each action
 * sends, and which changes move `updatedAt`.
 */
import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch, startReceiver } from "./test_support.ts";

const NOW = "2025-03-01T09:00:00.000Z";

type Json = Record<string, unknown>;

async function setup() {
  // Self-hosted URL rules: the receiver listens on 127.0.0.1 over http.
  const sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ username: "dana" });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  const receiver = startReceiver();
  const hook = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: {
      subscriberUrl: receiver.url,
      active: true,
      triggers: [
        "BOOKING_CREATED",
        "BOOKING_REQUESTED",
        "BOOKING_RESCHEDULED",
        "BOOKING_CANCELLED",
        "BOOKING_REJECTED",
        "BOOKING_NO_SHOW_UPDATED",
      ],
    },
  });
  assert.equal(hook.status, 201);
  return {
    sandbox,
    user,
    apiKey,
    types,
    receiver,
    post: (key: string | null, path: string, body?: unknown, headers?: Record<string, string>) =>
      calFetch(sandbox, key, path, { method: "POST", body, headers }),
    triggers: () => receiver.received.map((r) => JSON.parse(r.body).triggerEvent as string),
    async [Symbol.asyncDispose]() {
      await sandbox.close();
      await receiver.close();
    },
  };
}

const errorOf = (res: { json: Json }) => res.json.error as { code: string; message: string };

Deno.test("cancel and reschedule refuse unknown keys and missing bodies with their pipes' messages", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  const stray = await t.post(t.apiKey, `/v2/bookings/${b.uid}/cancel`, { cancellationReason: "x", foo: 1 });
  assert.equal(stray.status, 400);
  assert.equal(errorOf(stray).message, "foo property is wrong,property foo should not exist ");
  const none = await t.post(t.apiKey, `/v2/bookings/${b.uid}/cancel`);
  assert.equal(errorOf(none).message, "Body is required");
  const array = await t.post(t.apiKey, `/v2/bookings/${b.uid}/reschedule`, []);
  assert.equal(errorOf(array).message, "Body should be an object");
  // The seated form has no reschedulingReason.
  const seatedReason = await t.post(t.apiKey, `/v2/bookings/${b.uid}/reschedule`, {
    start: "2025-03-11T14:00:00Z",
    seatUid: "s1",
    reschedulingReason: "x",
  });
  assert.equal(seatedReason.status, 400);
  assert.equal(
    errorOf(seatedReason).message,
    "reschedulingReason property is wrong,property reschedulingReason should not exist ",
  );
  assert.equal(t.sandbox.booking(b.uid)!.status, "accepted");
  assert.deepEqual(t.triggers(), ["BOOKING_CREATED"]);
});

Deno.test("the host's own key must give a cancellation reason; the engine's text is also a top-level message", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  const res = await t.post(t.apiKey, `/v2/bookings/${b.uid}/cancel`, { cancellationReason: "  " });
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).message, "Cancellation reason is required when you are the host");
  assert.equal(res.json.message, "Cancellation reason is required when you are the host");
  // Without a key (the public booker flow) no reason is needed.
  const anonymous = await t.post(null, `/v2/bookings/${b.uid}/cancel`, {});
  assert.equal(anonymous.status, 200);
  assert.equal((anonymous.json.data as Json).status, "cancelled");
  const again = await t.post(t.apiKey, `/v2/bookings/${b.uid}/cancel`, { cancellationReason: "x" });
  assert.equal(again.status, 400);
  assert.match(errorOf(again).message, /because it has been cancelled already/);
  assert.deepEqual(t.triggers(), ["BOOKING_CREATED", "BOOKING_CANCELLED"]);
});

Deno.test("a booking that has ended cannot be cancelled", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-02T10:00:00Z" });
  t.sandbox.setNow("2025-03-02T11:00:00Z");
  const res = await t.post(t.apiKey, `/v2/bookings/${b.uid}/cancel`, { cancellationReason: "late" });
  assert.equal(res.status, 400);
  assert.equal(errorOf(res).message, "Cannot cancel a booking that has already ended");
  assert.equal(t.sandbox.booking(b.uid)!.status, "accepted");
});

Deno.test("one seat leaves a seated booking without moving updatedAt; bad seats are refused", async () => {
  await using t = await setup();
  const first = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types["group-class"],
    start: "2025-03-10T18:00:00Z",
    attendee: { name: "A", email: "a@example.org" },
  });
  t.sandbox.advanceTime(60_000);
  await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types["group-class"],
    start: "2025-03-10T18:00:00Z",
    attendee: { name: "B", email: "b@example.org" },
  });
  const before = t.sandbox.booking(first.uid)!;
  const seat = before.attendees.find((a) => a.email === "a@example.org")!.seatUid as string;
  t.sandbox.advanceTime(60_000);
  const unknown = await t.post(null, `/v2/bookings/${first.uid}/cancel`, { seatUid: "nope" });
  assert.equal(unknown.status, 400);
  assert.equal(
    errorOf(unknown).message,
    "Invalid seatUid: this seat does not exist or has already been cancelled.",
  );
  const res = await t.post(null, `/v2/bookings/${first.uid}/cancel`, { seatUid: seat });
  assert.equal(res.status, 200);
  const after = t.sandbox.booking(first.uid)!;
  assert.equal(after.status, "accepted");
  assert.deepEqual(after.attendees.map((a) => a.email), ["b@example.org"]);
  assert.equal(after.updatedAt, before.updatedAt);
  const cancelled = JSON.parse(t.receiver.received.at(-1)!.body);
  assert.equal(cancelled.triggerEvent, "BOOKING_CANCELLED");
  assert.deepEqual(cancelled.payload.attendees.map((a: Json) => a.email), ["a@example.org"]);
});

Deno.test("rescheduling with the organizer's key accepts it even when the event type needs confirmation", async () => {
  await using t = await setup();
  const pending = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-10T10:00:00Z",
    lengthInMinutes: 90,
  });
  const byHost = await t.post(t.apiKey, `/v2/bookings/${pending.uid}/reschedule`, {
    start: "2025-03-12T10:00:00Z",
  });
  assert.equal(byHost.status, 201);
  const moved = byHost.json.data as Json;
  assert.equal(moved.status, "accepted");
  // The new end is the event type's default length, not the old booking's 90 minutes.
  const consult = t.sandbox.eventTypes(t.user.id).find((e) => e.slug === "consult")!;
  assert.equal(Date.parse(moved.end as string) - Date.parse(moved.start as string), consult.length * 60_000);
  assert.equal(t.triggers().at(-1), "BOOKING_RESCHEDULED");
  // Without a key (the attendee) it waits for confirmation again.
  const byGuest = await t.post(null, `/v2/bookings/${moved.uid}/reschedule`, {
    start: "2025-03-13T10:00:00Z",
  });
  assert.equal(byGuest.status, 201);
  assert.equal((byGuest.json.data as Json).status, "pending");
  assert.equal(t.triggers().at(-1), "BOOKING_REQUESTED");
});

Deno.test("rescheduling refuses the past and a busy time, but not the booking's own slot", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T10:00:00Z" });
  await t.sandbox.createBooking(t.user.id, { start: "2025-03-11T10:00:00Z" });
  const past = await t.post(t.apiKey, `/v2/bookings/${b.uid}/reschedule`, { start: "2025-02-01T10:00:00Z" });
  assert.equal(past.status, 400);
  assert.equal(errorOf(past).message, "Attempting to book a meeting in the past.");
  assert.equal(past.json.message, "Attempting to book a meeting in the past.");
  const busy = await t.post(t.apiKey, `/v2/bookings/${b.uid}/reschedule`, { start: "2025-03-11T10:15:00Z" });
  assert.equal(busy.status, 400);
  assert.equal(errorOf(busy).message, "User either already has booking at this time or is not available");
  const own = await t.post(t.apiKey, `/v2/bookings/${b.uid}/reschedule`, { start: "2025-03-10T10:15:00Z" });
  assert.equal(own.status, 201);
});

Deno.test("marking absent: only after the start, unknown e-mails skipped, attendee marks keep updatedAt", async () => {
  await using t = await setup();
  const stranger = t.sandbox.addUser();
  const b = await t.sandbox.createBooking(t.user.id, {
    start: "2025-03-02T10:00:00Z",
    attendee: { name: "Sam", email: "sam@example.org" },
  });
  const early = await t.post(t.apiKey, `/v2/bookings/${b.uid}/mark-absent`, { host: true });
  assert.equal(early.status, 400);
  assert.equal(
    errorOf(early).message,
    "Bookings can only be marked as absent after their scheduled start time. Current time in UTC+0: 2025-03-01T09:00:00.000Z, Booking start time in UTC+0: 2025-03-02T10:00:00.000Z",
  );
  t.sandbox.setNow("2025-03-02T10:40:00Z");
  const invalid = await t.post(t.apiKey, `/v2/bookings/${b.uid}/mark-absent`, { attendees: [] });
  assert.equal(invalid.status, 400);
  assert.equal(errorOf(invalid).message, "Bad Request Exception");
  const res = await t.post(t.apiKey, `/v2/bookings/${b.uid}/mark-absent`, {
    attendees: [{ email: "sam@example.org", absent: true }, { email: "ghost@example.org", absent: true }],
  });
  assert.equal(res.status, 200);
  const data = res.json.data as Json;
  assert.deepEqual((data.attendees as Json[]).map((a) => a.absent), [true]);
  assert.equal(data.updatedAt, b.updatedAt);
  const noShow = JSON.parse(t.receiver.received.at(-1)!.body);
  assert.equal(noShow.triggerEvent, "BOOKING_NO_SHOW_UPDATED");
  assert.deepEqual(noShow.payload.attendees, [{ email: "sam@example.org", noShow: true }]);
  // host:false cannot un-mark the host; host:true moves updatedAt and sends nothing.
  const deliveries = t.receiver.received.length;
  await t.post(t.apiKey, `/v2/bookings/${b.uid}/mark-absent`, { host: true });
  const unmark = await t.post(t.apiKey, `/v2/bookings/${b.uid}/mark-absent`, { host: false });
  assert.equal((unmark.json.data as Json).absentHost, true);
  assert.equal((unmark.json.data as Json).updatedAt, "2025-03-02T10:40:00.000Z");
  assert.equal(t.receiver.received.length, deliveries);
  const notOwner = await t.post(stranger.apiKey, `/v2/bookings/${b.uid}/mark-absent`, { host: true });
  assert.equal(notOwner.status, 500);
});

Deno.test("booking actions answer the same under cal-api-version 2026-02-25", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-10T10:00:00Z",
  });
  const res = await t.post(t.apiKey, `/v2/bookings/${b.uid}/decline`, { reason: "Busy" }, {
    "cal-api-version": "2026-02-25",
  });
  assert.equal(res.status, 200);
  assert.equal((res.json.data as Json).status, "rejected");
  assert.equal(t.triggers().at(-1), "BOOKING_REJECTED");
});
