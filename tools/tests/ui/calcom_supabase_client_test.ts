/**
 * The typed client against the real functions (startTestStack: Postgres, the sandbox, the three apps
 * over HTTP), through supabase-js as an app would call it. A 1 ms sync deadline makes every sync call
 * of more than one Cal.com page answer `partial`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CalcomApiError, createCalcomClient } from "../../../ui/client/calcom_supabase_client.ts";
import { type Sandbox } from "../../calcom_sandbox/mod.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";

const stack: TestStack<Sandbox> = await startTestStack({
  apps: { connection: true, sync: { deadlineMs: 1 }, webhook: true },
});

async function caught(promise: Promise<unknown>): Promise<CalcomApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CalcomApiError, `not a CalcomApiError: ${err}`);
    return err;
  }
  assert.fail("the call did not fail");
}

async function connectedUser(bookings: number) {
  const user = await stack.signUp();
  const { user: host, apiKey } = stack.sandbox.addUser({ username: `host-${user.id.slice(0, 6)}` });
  stack.sandbox.seedBookings(host.id, bookings, { seed: 3 });
  const calcom = createCalcomClient(user.client);
  const { connection } = await calcom.connect({ apiKey, label: "Work" });
  return { user, host, apiKey, calcom, connection };
}

Deno.test({
  name: "calcom supabase client",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step("connect, list and disconnect round-trip with typed answers", async () => {
      const { calcom, connection, host } = await connectedUser(3);
      assert.equal(connection.label, "Work");
      assert.equal(connection.calcomUser.id, host.id);
      const list = await calcom.list();
      assert.equal(list.connected, true);
      assert.deepEqual(list.connections.map((c) => c.id), [connection.id]);
      const { message } = await calcom.disconnect(connection.id);
      assert.match(message, /^Disconnected Cal\.com account/);
      assert.deepEqual((await calcom.list()).connections, []);
    });

    await t.step("booking actions answer the booking as stored; a refusal is a typed error", async () => {
      const { calcom, host } = await connectedUser(0);
      // Times a week and eight days after the sandbox clock, on the hour.
      const day = (n: number) =>
        new Date(Math.ceil(stack.sandbox.now().getTime() / 3_600_000) * 3_600_000 + n * 86_400_000)
          .toISOString();
      const booking = await stack.sandbox.createBooking(host.id, { start: day(7) });
      await calcom.syncUntilDone();
      const moved = await calcom.rescheduleBooking(booking.uid, { start: day(8) });
      assert.equal(moved.booking.startTime, day(8));
      assert.equal(moved.previousBooking?.uid, booking.uid);
      const { booking: cancelled } = await calcom.cancelBooking(moved.booking.uid, { reason: "Ill" });
      assert.deepEqual([cancelled.status, cancelled.cancellationReason], ["CANCELLED", "Ill"]);
      const again = await caught(calcom.cancelBooking(moved.booking.uid, { reason: "Ill" }));
      assert.deepEqual([again.status, again.code], [409, "conflict"]);
      assert.equal((again.details as { reason: string }).reason, "already_cancelled");
    });

    await t.step("event types, slots and a create with an idempotency key that books once", async () => {
      const { calcom, host } = await connectedUser(0);
      const types = await calcom.eventTypes();
      const plain = types.find((e) => e.slug === "30min");
      assert.ok(plain, `no 30min event type in ${types.map((e) => e.slug)}`);
      assert.equal(plain.lengthInMinutes, 30);
      // A week from the sandbox clock holds five working days of the host.
      const from = stack.sandbox.now().getTime() + 86_400_000;
      const byDay = await calcom.slots({
        eventTypeId: plain.id,
        start: new Date(from).toISOString(),
        end: new Date(from + 7 * 86_400_000).toISOString(),
        timeZone: "Europe/Berlin",
      });
      const days = Object.keys(byDay);
      assert.ok(days.length >= 5, `slots on ${days.length} days`);
      const start = byDay[days[0]][0].start;
      assert.match(start, /[+-]\d{2}:\d{2}$/);
      const input = {
        eventTypeId: plain.id,
        start,
        attendee: { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" },
      };
      const key = crypto.randomUUID();
      const [first, second] = await Promise.all([
        calcom.createBooking(input, { idempotencyKey: key }),
        calcom.createBooking(input, { idempotencyKey: key }),
      ]);
      assert.equal(first.booking.uid, second.booking.uid);
      assert.equal(first.booking.startTime, new Date(start).toISOString());
      assert.equal(stack.sandbox.bookings(host.id).length, 1);
      // Without a key the client makes its own: another call books again, here refused as taken.
      const taken = await caught(calcom.createBooking(input));
      assert.deepEqual([taken.status, (taken.details as { reason: string }).reason], [
        409,
        "slot_unavailable",
      ]);
      const badZone = await caught(
        calcom.slots({
          eventTypeId: plain.id,
          start: "2031-03-03",
          end: "2031-03-04",
          timeZone: "Mars/Base",
        }),
      );
      assert.equal(badZone.code, "invalid_request");
    });

    await t.step("a malformed key is an invalid_request naming the apiKey field", async () => {
      const calcom = createCalcomClient((await stack.signUp()).client);
      const err = await caught(calcom.connect({ apiKey: "nope" }));
      assert.equal(err.code, "invalid_request");
      assert.equal(err.status, 400);
      assert.match(err.issuesFor("apiKey")[0], /must start with cal_/);
    });

    await t.step("a key Cal.com refuses is invalid_api_key", async () => {
      const calcom = createCalcomClient((await stack.signUp()).client);
      const err = await caught(calcom.connect({ apiKey: "cal_test_unknownkey123" }));
      assert.equal(err.code, "invalid_api_key");
      assert.equal(err.status, 400);
    });

    await t.step("Cal.com down is calcom_unavailable with HTTP 502", async () => {
      const { apiKey } = stack.sandbox.addUser();
      const calcom = createCalcomClient((await stack.signUp()).client);
      stack.sandbox.setFaults({ path: "/v2/me", errorRate: 1, errorStatus: 503 });
      try {
        const err = await caught(calcom.connect({ apiKey }));
        assert.equal(err.code, "calcom_unavailable");
        assert.equal(err.status, 502);
      } finally {
        stack.sandbox.setFaults({});
      }
    });

    await t.step("syncUntilDone keeps calling while partial and sums the calls", async () => {
      const { calcom } = await connectedUser(600);
      const seen: number[] = [];
      const done = await calcom.syncUntilDone({}, { onProgress: (p) => seen.push(p.fetched) });
      assert.equal(done.status, "succeeded");
      assert.equal(done.fetched, 600);
      assert.equal(done.created, 600);
      assert.ok(done.calls >= 3, `only ${done.calls} calls`);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
      assert.equal(seen.at(-1), 600);
    });

    await t.step("bookingPages walks the read API's cursor and returns each booking once", async () => {
      const { calcom, connection } = await connectedUser(30);
      await calcom.syncUntilDone();
      const uids: string[] = [];
      let pages = 0;
      for await (const page of calcom.bookingPages({ connectionId: connection.id, limit: 7 })) {
        pages++;
        uids.push(...page.bookings.map((b) => b.uid));
      }
      assert.equal(pages, 5);
      assert.equal(new Set(uids).size, 30);
      const cancelled = await calcom.bookings({ status: ["cancelled", "rejected"], limit: 250 });
      assert.ok(cancelled.bookings.every((b) => b.status === "CANCELLED" || b.status === "REJECTED"));
    });

    await t.step("replay answers the counts for the caller's connection", async () => {
      const { calcom, connection } = await connectedUser(1);
      assert.deepEqual(await calcom.replay(connection.id), {
        replayed: 0,
        processed: 0,
        failed: 0,
        remaining: 0,
      });
      const err = await caught(calcom.replay(crypto.randomUUID()));
      assert.equal(err.code, "not_found");
      assert.equal(err.status, 404);
    });

    await t.step("no token is an unauthorized error, not a thrown fetch error", async () => {
      const err = await caught(createCalcomClient(stack.clientWith()).list());
      assert.equal(err.code, "unauthorized");
      assert.equal(err.status, 401);
    });

    await stack.close();
  },
});
