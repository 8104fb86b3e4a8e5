import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

const NOW = "2025-03-01T09:00:00.000Z";

async function setup() {
  const sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ username: "dana" });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  return { sandbox, user, apiKey, types, [Symbol.asyncDispose]: () => sandbox.close() };
}

type Json = Record<string, unknown>;

Deno.test("rescheduling over HTTP creates a new booking and cancels the old one, linked both ways", async () => {
  await using t = await setup();
  const old = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  t.sandbox.advanceTime(60_000);
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${old.uid}/reschedule`, {
    method: "POST",
    body: { start: "2025-03-11T15:00:00Z", reschedulingReason: "Conflict", rescheduledBy: "sam@example.org" },
  });
  assert.equal(res.status, 201);
  const neu = res.json.data as Json;
  assert.notEqual(neu.uid, old.uid);
  assert.ok((neu.id as number) > old.id);
  assert.equal(neu.status, "accepted");
  assert.equal(neu.rescheduledFromUid, old.uid);
  assert.equal(neu.reschedulingReason, "Conflict");
  assert.equal(neu.rescheduledByEmail, "sam@example.org");
  assert.equal(neu.icsUid, old.icsUid);
  assert.equal(neu.start, "2025-03-11T15:00:00.000Z");
  assert.equal(neu.end, "2025-03-11T15:30:00.000Z");
  assert.equal(neu.location, `https://app.cal.com/video/${neu.uid}`);
  assert.equal("rescheduledToUid" in neu, false);

  const oldNow = (await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${old.uid}`)).json.data as Json;
  assert.equal(oldNow.status, "cancelled");
  assert.equal(oldNow.rescheduledToUid, neu.uid);
  assert.equal(oldNow.rescheduledByEmail, "sam@example.org");
  assert.equal(oldNow.icsUid, old.icsUid);
  assert.equal(oldNow.updatedAt, "2025-03-01T09:01:00.000Z");
  assert.equal("rescheduledFromUid" in oldNow, false);

  // Polling from just before the change sees both rows.
  const changed = await calFetch(
    t.sandbox,
    t.apiKey,
    "/v2/bookings?afterUpdatedAt=2025-03-01T09:01:00.000Z&sortUpdatedAt=asc",
  );
  assert.deepEqual((changed.json.data as Json[]).map((b) => b.uid).sort(), [old.uid, neu.uid].sort());
});

Deno.test("rescheduling a cancelled or already rescheduled booking is refused", async () => {
  await using t = await setup();
  const a = await t.sandbox.createBooking(t.user.id, { start: "2025-03-10T14:00:00Z" });
  await t.sandbox.cancelBooking(a.uid);
  const cancelled = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${a.uid}/reschedule`, {
    method: "POST",
    body: { start: "2025-03-12T10:00:00Z" },
  });
  assert.equal(cancelled.status, 400);
  assert.match(
    (cancelled.json.error as { message: string }).message,
    new RegExp(`^Can't reschedule booking with uid=${a.uid} because it has been cancelled\\.`),
  );

  const b = await t.sandbox.createBooking(t.user.id, { start: "2025-03-13T14:00:00Z" });
  const moved = await t.sandbox.rescheduleBooking(b.uid, "2025-03-14T14:00:00Z");
  const again = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${b.uid}/reschedule`, {
    method: "POST",
    body: { start: "2025-03-15T10:00:00Z" },
  });
  assert.equal(again.status, 400);
  assert.match(
    (again.json.error as { message: string }).message,
    new RegExp(
      `rescheduled already to booking with uid=${moved.uid}\\. You probably want to reschedule ${moved.uid}`,
    ),
  );
});

Deno.test("cancelling a cancelled booking is Cal.com's 400", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id);
  await t.sandbox.cancelBooking(b.uid);
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${b.uid}/cancel`, {
    method: "POST",
    body: {},
  });
  assert.equal(res.status, 400);
  assert.deepEqual(res.json.error, {
    code: "BadRequestException",
    message:
      `Can't cancel booking with uid=${b.uid} because it has been cancelled already. Please provide uid of a booking that is not cancelled.`,
  });
  await assert.rejects(t.sandbox.cancelBooking(b.uid), /cancelled already/);
});

Deno.test("cancelling a recurring series cancels every remaining occurrence with one webhook", async () => {
  await using t = await setup();
  const receiver = await calFetch(t.sandbox, t.apiKey, "/v2/webhooks", {
    method: "POST",
    body: { subscriberUrl: "http://127.0.0.1:9/unused", triggers: ["BOOKING_CANCELLED"], active: true },
  });
  assert.equal(receiver.status, 201);
  const series = await t.sandbox.createRecurringBooking(t.user.id, { start: "2025-03-03T10:00:00Z" });
  t.sandbox.setNow("2025-03-05T00:00:00Z");
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${series[0].recurringBookingUid}/cancel`, {
    method: "POST",
    body: { cancellationReason: "Project ended" },
  });
  assert.equal(res.status, 200);
  const data = res.json.data as Json[];
  assert.deepEqual(data.map((b) => b.status), ["accepted", "cancelled", "cancelled", "cancelled"]);
  assert.deepEqual(t.sandbox.deliveries.map((d) => d.trigger), ["BOOKING_CANCELLED"]);
});

Deno.test("cancelSubsequentBookings cancels the occurrence and the later ones", async () => {
  await using t = await setup();
  const series = await t.sandbox.createRecurringBooking(t.user.id, { start: "2025-03-03T10:00:00Z" });
  const res = await calFetch(t.sandbox, t.apiKey, `/v2/bookings/${series[1].uid}/cancel`, {
    method: "POST",
    body: { cancelSubsequentBookings: true, cancellationReason: "Moving on" },
  });
  assert.equal(res.status, 200);
  // The answer is every occurrence of the series (write-endpoints §3.2).
  assert.deepEqual((res.json.data as Json[]).map((b) => b.uid), series.map((b) => b.uid));
  assert.deepEqual(series.map((b) => t.sandbox.booking(b.uid)!.status), [
    "accepted",
    "cancelled",
    "cancelled",
    "cancelled",
  ]);
});

Deno.test("creating over HTTP refuses the past, overlaps and unknown event types", async () => {
  await using t = await setup();
  const body = (start: string, eventTypeId = t.types["30min"]) => ({
    start,
    eventTypeId,
    attendee: { name: "Lee", email: "lee@example.org", timeZone: "Europe/London" },
  });
  const post = (b: unknown) => calFetch(t.sandbox, null, "/v2/bookings", { method: "POST", body: b });
  const past = await post(body("2025-02-01T10:00:00Z"));
  assert.equal(past.status, 400);
  assert.equal((past.json.error as { message: string }).message, "Attempting to book a meeting in the past.");
  assert.equal((await post(body("2025-03-10T10:00:00Z"))).status, 201);
  const overlap = await post(body("2025-03-10T10:15:00Z"));
  assert.equal(overlap.status, 400);
  assert.equal(
    (overlap.json.error as { message: string }).message,
    "User either already has booking at this time or is not available",
  );
  const unknown = await post(body("2025-03-11T10:00:00Z", 999999));
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json.error as { message: string }).message, "Event type with id 999999 not found.");
  const invalid = await post({ start: "2025-03-11T10:00:00Z", eventTypeId: t.types["30min"] });
  assert.equal(invalid.status, 400);
});

Deno.test("seats fill one seated booking until it is full", async () => {
  await using t = await setup();
  const seated = t.sandbox.eventTypes(t.user.id).find((e) => e.seatsPerTimeSlot !== null)!;
  const uids = new Set<string>();
  for (let i = 0; i < seated.seatsPerTimeSlot!; i++) {
    const res = await calFetch(t.sandbox, null, "/v2/bookings", {
      method: "POST",
      body: {
        start: "2025-03-10T12:00:00Z",
        eventTypeId: seated.id,
        attendee: { name: `Guest ${i}`, email: `g${i}@example.org`, timeZone: "UTC" },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(typeof (res.json.data as Json).seatUid, "string");
    uids.add((res.json.data as Json).uid as string);
  }
  assert.equal(uids.size, 1);
  assert.equal(t.sandbox.booking([...uids][0])!.attendees.length, seated.seatsPerTimeSlot);
  const full = await calFetch(t.sandbox, null, "/v2/bookings", {
    method: "POST",
    body: {
      start: "2025-03-10T12:00:00Z",
      eventTypeId: seated.id,
      attendee: { name: "Late", email: "late@example.org", timeZone: "UTC" },
    },
  });
  assert.equal(full.status, 409);
  assert.equal(
    (full.json.error as { message: string }).message,
    "No more seats left at this seated booking.",
  );
});

Deno.test("confirm, decline and mark-absent are for the organizer and for the right states", async () => {
  await using t = await setup();
  const stranger = t.sandbox.addUser();
  const pending = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-10T10:00:00Z",
  });
  const accepted = await t.sandbox.createBooking(t.user.id, { start: "2025-03-11T10:00:00Z" });
  const post = (key: string | null, path: string, body?: unknown) =>
    calFetch(t.sandbox, key, path, { method: "POST", body });

  // The confirm engine's tRPC errors reach the caller with generic texts (write-endpoints §1.5).
  const notOrganizer = await post(stranger.apiKey, `/v2/bookings/${pending.uid}/confirm`);
  assert.equal(notOrganizer.status, 401);
  assert.deepEqual(notOrganizer.json.error, {
    code: "TRPCError",
    message: "You are not authorized to access this resource",
  });
  assert.equal((await post(null, `/v2/bookings/${pending.uid}/confirm`)).status, 401);
  const notPending = await post(t.apiKey, `/v2/bookings/${accepted.uid}/confirm`);
  assert.equal(notPending.status, 400);
  assert.deepEqual(notPending.json.error, {
    code: "TRPCError",
    message: "Bad request: Please check your request data and try again",
  });
  assert.equal((await post(t.apiKey, `/v2/bookings/${accepted.uid}/decline`, {})).status, 400);
  const early = await post(t.apiKey, `/v2/bookings/${accepted.uid}/mark-absent`, { host: true });
  assert.equal(early.status, 400);
  assert.equal(t.sandbox.booking(accepted.uid)!.absentHost, false);
  assert.equal((await post(t.apiKey, `/v2/bookings/missing/confirm`)).status, 404);
});

Deno.test("every state change bumps updatedAt to the sandbox clock", async () => {
  await using t = await setup();
  const b = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-10T10:00:00Z",
  });
  assert.equal(b.createdAt, NOW);
  assert.equal(b.updatedAt, NOW);
  t.sandbox.advanceTime(5_000);
  const confirmed = await t.sandbox.confirmBooking(b.uid);
  assert.equal(confirmed.updatedAt, "2025-03-01T09:00:05.000Z");
  assert.equal(confirmed.createdAt, NOW);
  t.sandbox.setNow("2025-03-10T10:10:00Z");
  const absent = await t.sandbox.markAbsent(b.uid, { host: true });
  assert.equal(absent.updatedAt, "2025-03-10T10:10:00.000Z");
  assert.equal(absent.absentHost, true);
});
