/**
 * POST /calcom-bookings-sync/bookings through the real function, the sandbox and Postgres: a booking at
 * an offered slot is stored at once and Cal.com's webhook echo changes nothing further; an
 * Idempotency-Key books once (retried, concurrent, or reused with another body); Cal.com's refusals
 * and failures become clear 4xx and 502 answers that write nothing.
 */
import assert from "node:assert/strict";
import { invokeFunction } from "../../testing/invoke_function.ts";
import {
  createRequests,
  postBooking,
  schedulingUser,
  sendDeliveries,
  startSchedulingStack,
} from "../../testing/scheduling_test_support.ts";
import type { TestStack } from "../../testing/test_stack.ts";
import { createDb, type Db } from "../../../supabase/functions/_shared/platform/db.ts";
import type { Sandbox } from "../../calcom_sandbox/mod.ts";

const attendee = { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" };

/** Monday 2031-03-03 at `hhmm` UTC (09:00 Berlin is 08:00 UTC). */
const at = (hhmm: string) => `2031-03-03T${hhmm}:00Z`;

/**
 * A stored row as a person or a Realtime subscriber sees it: the webhook echo of the create must change
 * none of it, not even `updated_at`.
 */
async function storedRows(stack: TestStack<Sandbox>, connectionId: string) {
  return [
    ...await stack.db.sql<
      {
        booking_uid: string;
        status: string;
        start_time: Date;
        source_updated_at: Date;
        attendees: unknown;
      }[]
    >`
      select booking_uid, booking_id, status, title, start_time, end_time, attendees, location, meeting_url,
        metadata, ical_uid, key_relation, source_updated_at, source_hash, raw, updated_at
      from public.calcom_bookings
      where calcom_connection_id = ${connectionId} order by start_time`,
  ];
}

async function requestRows(stack: TestStack<Sandbox>, connectionId: string) {
  return [
    ...await stack.db.sql<{ idempotency_key: string; booking_uid: string }[]>`
    select idempotency_key, booking_uid from public.calcom_booking_requests
    where calcom_connection_id = ${connectionId} order by idempotency_key`,
  ];
}

Deno.test("calcom-bookings-sync books at a slot", async (t) => {
  await using stack = await startSchedulingStack();
  const { sandbox } = stack;

  await t.step(
    "a booking at an offered slot is answered as stored, and the webhook echo changes none of its state",
    async () => {
      const u = await schedulingUser(stack);
      const res = await postBooking(u.user, {
        eventTypeId: u.types["30min"],
        start: "2031-03-03T09:00:00+01:00",
        attendee,
        guests: ["lee@example.net"],
        bookingFieldsResponses: { notes: "About the offer" },
        metadata: { source: "app" },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const booking = res.body.booking;
      assert.equal(booking.connectionId, u.connectionId);
      assert.equal(booking.status, "ACCEPTED");
      assert.equal(booking.startTime, "2031-03-03T08:00:00.000Z");
      assert.equal(booking.endTime, "2031-03-03T08:30:00.000Z");
      assert.deepEqual(booking.attendees.map((a: { email: string }) => a.email), [
        "sam@example.org",
        "lee@example.net",
      ]);
      const truth = sandbox.booking(booking.uid)!;
      assert.equal(truth.status, "accepted");
      assert.deepEqual(truth.metadata, { source: "app" });
      const before = await storedRows(stack, u.connectionId);
      assert.equal(before.length, 1);
      const [{ key_relation }] = await stack.db.sql<{ key_relation: string }[]>`
        select key_relation from public.calcom_bookings where booking_uid = ${booking.uid}`;
      assert.equal(key_relation, "organizer");

      // Cal.com's BOOKING_CREATED for the same booking arrives after the answer.
      assert.deepEqual(sandbox.deliveries.map((d) => d.trigger), ["BOOKING_CREATED"]);
      assert.deepEqual(await sendDeliveries(stack), [200]);
      const after = await storedRows(stack, u.connectionId);
      assert.deepEqual(after, before);
      const [{ processed }] = await stack.db.sql<{ processed: boolean }[]>`
      select processed from public.calcom_webhook_events where calcom_connection_id = ${u.connectionId}`;
      assert.equal(processed, true);
    },
  );

  await t.step(
    "an event type that needs confirmation books a pending request (BOOKING_REQUESTED)",
    async () => {
      const u = await schedulingUser(stack);
      sandbox.resetDeliveries();
      const res = await postBooking(u.user, { eventTypeId: u.types.consult, start: at("08:00"), attendee });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.booking.status, "PENDING");
      assert.deepEqual(sandbox.deliveries.map((d) => d.trigger), ["BOOKING_REQUESTED"]);
      assert.equal(JSON.parse(sandbox.deliveries[0].body).payload.status, "PENDING");
      assert.deepEqual(await sendDeliveries(stack), [200]);
      assert.deepEqual((await storedRows(stack, u.connectionId)).map((r) => r.status), ["PENDING"]);
    },
  );

  await t.step("a seated event type answers the attendee's seat; a full slot is refused", async () => {
    const u = await schedulingUser(stack);
    const body = (i: number) => ({
      eventTypeId: u.types["group-class"],
      start: at("09:00"),
      attendee: { ...attendee, email: `seat${i}@example.org` },
    });
    const uids = new Set<string>();
    const seats: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await postBooking(u.user, body(i), `key-seat-${i}`);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(typeof res.body.seatUid, "string");
      uids.add(res.body.booking.uid);
      seats.push(res.body.seatUid);
    }
    assert.equal(uids.size, 1);
    assert.equal(new Set(seats).size, 5);
    // A retried seat answers the same seat, now with all five attendees stored.
    const retried = await postBooking(u.user, body(0), "key-seat-0");
    assert.equal(retried.status, 201);
    assert.equal(retried.body.seatUid, seats[0]);
    assert.equal(retried.body.booking.attendees.length, 5);
    assert.equal(createRequests(stack, u.cal.apiKey).length, 5);
    const full = await postBooking(u.user, body(5));
    assert.equal(full.status, 409);
    assert.equal(full.body.error.code, "conflict");
    assert.equal(full.body.error.details.reason, "seats_full");
    assert.equal(full.body.error.message, "This slot has no seats left: pick another slot");
    const rows = await storedRows(stack, u.connectionId);
    assert.equal(rows.length, 1);
    assert.equal((rows[0].attendees as unknown[]).length, 5);
    sandbox.resetDeliveries();
  });

  await t.step("a recurring event type answers every occurrence, again on a retry", async () => {
    const u = await schedulingUser(stack);
    const body = { eventTypeId: u.types["weekly-sync"], start: at("09:30"), attendee };
    const res = await postBooking(u.user, body, "key-series");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const starts = res.body.occurrences.map((b: { startTime: string }) => b.startTime);
    assert.deepEqual(starts, [
      "2031-03-03T09:30:00.000Z",
      "2031-03-10T09:30:00.000Z",
      "2031-03-17T09:30:00.000Z",
      "2031-03-24T09:30:00.000Z",
    ]);
    assert.equal(res.body.booking.uid, res.body.occurrences[0].uid);
    assert.equal((await storedRows(stack, u.connectionId)).length, 4);
    const again = await postBooking(u.user, body, "key-series");
    assert.deepEqual(again.body, res.body);
    assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
    sandbox.resetDeliveries();
  });

  await t.step("a taken slot, a past start and a time outside the host's hours are refused", async () => {
    const u = await schedulingUser(stack);
    assert.equal(
      (await postBooking(u.user, { eventTypeId: u.types["30min"], start: at("10:00"), attendee })).status,
      201,
    );
    const taken = await postBooking(u.user, {
      eventTypeId: u.types["30min"],
      start: at("10:00"),
      attendee: { ...attendee, email: "other@example.org" },
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.details.reason, "slot_unavailable");
    assert.equal(taken.body.error.message, "This time is no longer available: pick another slot");
    assert.equal(
      taken.body.error.details.calcom.message,
      "User either already has booking at this time or is not available",
    );
    const past = await postBooking(u.user, {
      eventTypeId: u.types["30min"],
      start: "2031-03-02T10:00:00Z",
      attendee,
    });
    assert.equal(past.status, 400);
    assert.equal(past.body.error.code, "invalid_request");
    assert.equal(past.body.error.details.reason, "start_in_past");
    const night = await postBooking(u.user, { eventTypeId: u.types["30min"], start: at("20:00"), attendee });
    assert.equal(night.status, 409);
    assert.equal(night.body.error.details.reason, "slot_unavailable");
    assert.equal((await storedRows(stack, u.connectionId)).length, 1);
    sandbox.resetDeliveries();
  });

  await t.step("an event type of another account is not bookable", async () => {
    const u = await schedulingUser(stack);
    const other = await schedulingUser(stack);
    const res = await postBooking(u.user, {
      eventTypeId: other.types["30min"],
      start: at("11:00"),
      attendee,
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.error.details.reason, "event_type_not_found");
    assert.equal(createRequests(stack, u.cal.apiKey).length, 0);
  });

  await t.step("a retry with the same Idempotency-Key books once and answers the same booking", async () => {
    const u = await schedulingUser(stack);
    const body = { eventTypeId: u.types["30min"], start: at("12:00"), attendee };
    const first = await postBooking(u.user, body, "key-retry");
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await postBooking(u.user, { ...body, start: "2031-03-03T13:00:00+01:00" }, "key-retry");
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.body.booking.uid, first.body.booking.uid);
    assert.deepEqual(again.body.booking.id, first.body.booking.id);
    assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
    assert.equal(sandbox.bookings(u.cal.user.id).length, 1);
    assert.deepEqual(await requestRows(stack, u.connectionId), [
      { idempotency_key: "key-retry", booking_uid: first.body.booking.uid },
    ]);
    sandbox.resetDeliveries();
  });

  await t.step("the same key with another body is a 409 and books nothing", async () => {
    const u = await schedulingUser(stack);
    const body = { eventTypeId: u.types["30min"], start: at("13:00"), attendee };
    assert.equal((await postBooking(u.user, body, "key-body")).status, 201);
    const other = await postBooking(u.user, { ...body, start: at("14:00") }, "key-body");
    assert.equal(other.status, 409);
    assert.equal(other.body.error.details.reason, "idempotency_key_reused");
    assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
    // Keys are per user: another user may use the same one.
    const v = await schedulingUser(stack);
    assert.equal(
      (await postBooking(v.user, { ...body, eventTypeId: v.types["30min"] }, "key-body")).status,
      201,
    );
    sandbox.resetDeliveries();
  });

  await t.step(
    "two concurrent requests with the same key book once and both answer that booking",
    async () => {
      const u = await schedulingUser(stack);
      const body = { eventTypeId: u.types["30min"], start: at("14:30"), attendee };
      const { promise: released, resolve: release } = Promise.withResolvers<void>();
      sandbox.setFaults({ path: "/v2/bookings", holdUntil: released });
      const both = Promise.all([
        postBooking(u.user, body, "key-race"),
        postBooking(u.user, body, "key-race"),
      ]);
      // The first holds the key's lock while Cal.com holds its create; the second waits on that lock.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [{ waiting }] = await stack.db.sql<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted`;
        const held = sandbox.requests.filter((r) => r.fault === "hold" && r.method === "POST").length;
        if (waiting === 1 && held === 1) break;
        assert.ok(Date.now() < deadline, "one request is at Cal.com while the other waits for the key");
        await new Promise((r) => setTimeout(r, 5));
      }
      release();
      const [a, b] = await both;
      sandbox.setFaults({});
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal(a.body.booking.uid, b.body.booking.uid);
      assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
      assert.equal(sandbox.bookings(u.cal.user.id).length, 1);
      sandbox.resetDeliveries();
    },
  );

  await t.step("when Cal.com fails the create, the answer is 502 and nothing is written", async () => {
    const u = await schedulingUser(stack);
    sandbox.setFaults({ path: "/v2/bookings", errorRate: 1 });
    const body = { eventTypeId: u.types["30min"], start: at("15:00"), attendee };
    const res = await postBooking(u.user, body, "key-down");
    sandbox.setFaults({});
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, "calcom_unavailable");
    // Not retried: a failed create may have taken effect at Cal.com.
    assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
    assert.deepEqual(await storedRows(stack, u.connectionId), []);
    assert.deepEqual(await requestRows(stack, u.connectionId), []);
    // The key was not used up: the retry books.
    const retry = await postBooking(u.user, body, "key-down");
    assert.equal(retry.status, 201, JSON.stringify(retry.body));
    sandbox.resetDeliveries();
  });

  await t.step("invalid bodies and keys are 400s that reach no Cal.com", async () => {
    const u = await schedulingUser(stack);
    const valid = { eventTypeId: u.types["30min"], start: at("16:00"), attendee };
    const cases: [string, unknown, string?][] = [
      ["no event type", { start: valid.start, attendee }],
      ["an event type id as a string", { ...valid, eventTypeId: "12" }],
      ["a start without a zone", { ...valid, start: "2031-03-03T16:00:00" }],
      ["an attendee without e-mail", { ...valid, attendee: { name: "Sam", timeZone: "UTC" } }],
      ["a bad attendee e-mail", { ...valid, attendee: { ...attendee, email: "sam" } }],
      ["an unknown time zone", { ...valid, attendee: { ...attendee, timeZone: "Mars/Olympus" } }],
      ["an unknown language", { ...valid, attendee: { ...attendee, language: "xx" } }],
      ["a guest that is not an e-mail", { ...valid, guests: ["lee"] }],
      ["metadata that is not text", { ...valid, metadata: { n: 1 } }],
      ["an unknown key", { ...valid, end: at("16:30") }],
      ["a non-uuid connection", { ...valid, connectionId: "7" }],
      ["an empty Idempotency-Key", valid, ""],
      ["a key with spaces", valid, "two words"],
    ];
    for (const [name, body, key] of cases) {
      const res = await postBooking(u.user, body, key);
      assert.equal(res.status, 400, name);
      assert.equal(res.body.error.code, "invalid_request", name);
    }
    assert.equal(createRequests(stack, u.cal.apiKey).length, 0);
  });

  await t.step("without a valid token the route is 401", async () => {
    const res = await invokeFunction(stack.clientWith(), "calcom-bookings-sync/bookings", {
      method: "POST",
      body: { eventTypeId: 1, start: at("16:00"), attendee },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "unauthorized");
  });
});

Deno.test("a request that waits too long for its key's first request is a 409 to retry, booking nothing", async () => {
  // A short statement timeout ends the wait for the key's lock while the first request is held at Cal.com.
  let db: Db | undefined;
  await using stack = await startSchedulingStack({
    deps: (base) => ({ db: db = createDb(base.config.dbUrl, { max: 6, statementTimeoutMs: 1_000 }) }),
  });
  await using _db = { [Symbol.asyncDispose]: () => db!.end() };
  const { sandbox } = stack;
  const u = await schedulingUser(stack);
  const body = { eventTypeId: u.types["30min"], start: at("08:00"), attendee };
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  sandbox.setFaults({ path: "/v2/bookings", holdUntil: released });
  const first = postBooking(u.user, body, "key-slow");
  const deadline = Date.now() + 10_000;
  while (!sandbox.requests.some((r) => r.fault === "hold" && r.method === "POST")) {
    assert.ok(Date.now() < deadline, "the first request reaches Cal.com");
    await new Promise((r) => setTimeout(r, 5));
  }
  // Cal.com holds the first request until the second has its answer, so the second always times out.
  const second = await postBooking(u.user, body, "key-slow");
  release();
  sandbox.setFaults({});
  assert.equal(second.status, 409);
  assert.equal(second.body.error.details.reason, "idempotency_key_in_progress");
  const done = await first;
  assert.equal(done.status, 201, JSON.stringify(done.body));
  assert.equal(createRequests(stack, u.cal.apiKey).length, 1);
  const retry = await postBooking(u.user, body, "key-slow");
  assert.equal(retry.status, 201);
  assert.equal(retry.body.booking.uid, done.body.booking.uid);
});
