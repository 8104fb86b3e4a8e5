import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch, startReceiver } from "./test_support.ts";

type Json = Record<string, unknown>;

async function setup() {
  const sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  sandbox.setNow("2025-03-01T09:00:00.000Z");
  const { user, apiKey } = sandbox.addUser({ username: "dana" });
  const receiver = startReceiver();
  await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: {
      subscriberUrl: receiver.url,
      triggers: ["BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED"],
      active: true,
    },
  });
  const seated = sandbox.eventTypes(user.id).find((e) => e.seatsPerTimeSlot !== null)!;
  const book = (name: string, start = "2025-03-10T14:00:00Z") =>
    sandbox.createBooking(user.id, {
      eventTypeId: seated.id,
      start,
      attendee: { name, email: `${name.toLowerCase()}@example.org` },
    });
  const close = async () => {
    await sandbox.close();
    await receiver.close();
  };
  return { sandbox, user, apiKey, receiver, book, [Symbol.asyncDispose]: close };
}

const lastPayload = (received: { body: string }[]) => JSON.parse(received.at(-1)!.body) as Json;

Deno.test("a new seat sends BOOKING_CREATED for the existing uid with only the new booker, updatedAt unmoved", async () => {
  await using t = await setup();
  const first = await t.book("Ana");
  t.sandbox.advanceTime(60_000);
  const second = await t.book("Ben");
  assert.equal(second.uid, first.uid);
  assert.equal(second.updatedAt, first.updatedAt);
  assert.equal(second.attendees.length, 2);
  const body = lastPayload(t.receiver.received);
  assert.equal(body.triggerEvent, "BOOKING_CREATED");
  const payload = body.payload as Json;
  assert.equal(payload.uid, first.uid);
  assert.equal(payload.bookingId, first.id);
  assert.equal(payload.seatsPerTimeSlot, 5);
  assert.deepEqual((payload.attendees as Json[]).map((a) => a.email), ["ben@example.org"]);
});

Deno.test("one seat cancelled: BOOKING_CANCELLED for the whole booking with only the leaving attendee", async () => {
  await using t = await setup();
  await t.book("Ana");
  const booking = await t.book("Ben");
  const benSeat = (booking.attendees as Json[])[1].seatUid as string;
  t.sandbox.advanceTime(60_000);
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${booking.uid}/cancel`, {
    method: "POST",
    body: { seatUid: benSeat },
  });
  assert.equal(res.status, 200);
  const after = t.sandbox.booking(booking.uid)!;
  assert.equal(after.status, "accepted");
  assert.equal(after.updatedAt, booking.updatedAt);
  assert.deepEqual(after.attendees.map((a) => a.name), ["Ana"]);
  const payload = lastPayload(t.receiver.received).payload as Json;
  assert.deepEqual([payload.uid, payload.bookingId, payload.status], [booking.uid, booking.id, "CANCELLED"]);
  assert.equal(payload.seatsPerTimeSlot, 5);
  assert.deepEqual((payload.attendees as Json[]).map((a) => a.email), ["ben@example.org"]);
});

Deno.test("the last seat cancelled cancels the whole booking", async () => {
  await using t = await setup();
  const booking = await t.book("Ana");
  const seat = (booking.attendees as Json[])[0].seatUid as string;
  t.sandbox.advanceTime(60_000);
  await t.sandbox.cancelBooking(booking.uid, undefined, { seatUid: seat });
  const after = t.sandbox.booking(booking.uid)!;
  assert.equal(after.status, "cancelled");
  assert.notEqual(after.updatedAt, booking.updatedAt);
  assert.deepEqual(after.attendees.map((a) => a.name), ["Ana"]);
});

Deno.test("a seat rescheduled moves that attendee; rescheduleUid is the seat uid and there is no rescheduleId", async () => {
  await using t = await setup();
  await t.book("Ana");
  const booking = await t.book("Ben");
  const later = await t.book("Cy", "2025-03-11T14:00:00Z");
  const benSeat = (booking.attendees as Json[])[1].seatUid as string;
  t.sandbox.advanceTime(60_000);
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${booking.uid}/reschedule`, {
    method: "POST",
    body: { start: "2025-03-11T14:00:00Z", seatUid: benSeat },
  });
  assert.equal(res.status, 201);
  assert.equal((res.json.data as Json).uid, later.uid);
  assert.deepEqual(t.sandbox.booking(booking.uid)!.attendees.map((a) => a.name), ["Ana"]);
  assert.deepEqual(t.sandbox.booking(later.uid)!.attendees.map((a) => a.name), ["Cy", "Ben"]);
  assert.equal(t.sandbox.booking(booking.uid)!.updatedAt, booking.updatedAt);
  assert.equal(t.sandbox.booking(later.uid)!.updatedAt, later.updatedAt);
  const body = lastPayload(t.receiver.received);
  assert.equal(body.triggerEvent, "BOOKING_RESCHEDULED");
  const payload = body.payload as Json;
  assert.deepEqual([payload.uid, payload.rescheduleUid, "rescheduleId" in payload], [
    later.uid,
    benSeat,
    false,
  ]);
  assert.equal(payload.rescheduleStartTime, "2025-03-10T14:00:00Z");
  assert.deepEqual((payload.attendees as Json[]).map((a) => a.email), ["ben@example.org"]);
});

Deno.test("a seat rescheduled to an empty slot gets a booking there; a booking left empty is cancelled", async () => {
  await using t = await setup();
  const booking = await t.book("Ana");
  const seat = (booking.attendees as Json[])[0].seatUid as string;
  t.sandbox.advanceTime(60_000);
  const moved = await t.sandbox.rescheduleBooking(booking.uid, "2025-03-12T14:00:00Z", { seatUid: seat });
  assert.notEqual(moved.uid, booking.uid);
  assert.deepEqual(moved.attendees.map((a) => a.name), ["Ana"]);
  assert.equal(t.sandbox.booking(booking.uid)!.status, "cancelled");
  const payload = lastPayload(t.receiver.received).payload as Json;
  assert.deepEqual([payload.uid, payload.rescheduleUid], [moved.uid, seat]);
});
