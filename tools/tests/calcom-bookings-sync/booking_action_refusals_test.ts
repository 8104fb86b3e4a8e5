/**
 * What the booking action routes refuse, through the real function and the sandbox: Cal.com's
 * refusals as 409/400 with a reason and a message a person can act on, Cal.com failures as 502, and
 * bookings that are not the caller's, bad bodies, missing tokens and paused connections, all with the
 * error envelope; and in every case nothing written to the mirror.
 */
import assert from "node:assert/strict";
import type { StackUser, TestStack } from "../../testing/test_stack.ts";
import { act, actionUser, readMirror, startActionStack } from "../../testing/booking_actions_support.ts";
import { insertConnection } from "../../testing/sync_test_support.ts";
import type { Sandbox } from "../../calcom_sandbox/mod.ts";
import { mapApiBooking } from "../../../supabase/functions/_shared/bookings/map_api_booking.ts";
import { upsertBookings } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import { ApiBookingSchema } from "../../../supabase/functions/_shared/calcom/schemas.ts";

/** The mirror of `user` and its webhook events, to compare before and after a refused action. */
async function snapshot(stack: TestStack<Sandbox>, user: StackUser) {
  const [{ events }] = await stack.db.sql<{ events: number }[]>`
    select count(*)::int as events from public.calcom_webhook_events where user_id = ${user.id}`;
  return { mirror: [...(await readMirror(user)).entries()], events };
}

function assertError(
  res: { status: number; body: { success: boolean; error: { code: string; details?: { reason?: string } } } },
  status: number,
  code: string,
  reason?: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.error.code, code);
  if (reason !== undefined) assert.equal(res.body.error.details?.reason, reason);
}

Deno.test("booking actions refuse with the error envelope and write nothing", async (t) => {
  const { stack } = await startActionStack();
  await using _ = stack;
  const { sandbox } = stack;
  const { user, cal } = await actionUser(stack);
  const types = Object.fromEntries(sandbox.eventTypes(cal.user.id).map((e) => [e.slug, e.id]));
  const booking = await sandbox.createBooking(cal.user.id, { start: "2030-03-05T10:00:00Z" });
  const writes = () =>
    sandbox.requests.filter((r) => r.method === "POST" && r.path.includes("/v2/bookings/"));

  /** Runs `fn` and checks the mirror, the event log and Cal.com's bookings are as they were. */
  async function unchanged(fn: () => Promise<void>) {
    const before = await snapshot(stack, user);
    const calBefore = JSON.stringify(sandbox.bookings(cal.user.id));
    await fn();
    assert.deepEqual(await snapshot(stack, user), before);
    assert.equal(JSON.stringify(sandbox.bookings(cal.user.id)), calBefore);
  }

  await t.step("another user's booking and an unknown uid are 404, and Cal.com is not called", async () => {
    const other = await actionUser(stack);
    const theirs = await sandbox.createBooking(other.cal.user.id, { start: "2030-03-05T12:00:00Z" });
    sandbox.resetRequests();
    await unchanged(async () => {
      assertError(await act(user, theirs.uid, "cancel", { reason: "mine now" }), 404, "not_found");
      assertError(await act(user, "no-such-uid", "confirm"), 404, "not_found");
      assertError(await act(user, "x".repeat(300), "decline"), 404, "not_found");
    });
    assert.deepEqual(writes(), []);
    assert.equal(sandbox.booking(theirs.uid)!.status, "accepted");
  });

  await t.step("without a user token the routes answer 401", async () => {
    for (const action of ["cancel", "reschedule", "confirm", "decline", "mark-absent"]) {
      const res = await fetch(`${stack.server.url}/calcom-bookings-sync/bookings/${booking.uid}/${action}`, {
        method: "POST",
        headers: { apikey: stack.anonKey, "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthorized");
    }
  });

  await t.step("bodies the routes do not take are 400 invalid_request naming the field", async () => {
    sandbox.resetRequests();
    const cases: [string, unknown, string][] = [
      ["reschedule", {}, "start"],
      ["reschedule", { start: "tomorrow" }, "start"],
      ["reschedule", { start: "2030-03-06T10:00:00Z", reasn: "typo" }, "(root)"],
      ["cancel", { reason: 42 }, "reason"],
      ["cancel", { seatUid: "s", cancelSubsequentBookings: true }, "cancelSubsequentBookings"],
      ["confirm", { anything: true }, "(root)"],
      ["decline", { reason: "" }, "reason"],
      ["mark-absent", {}, "attendees"],
      ["mark-absent", { host: false }, "host"],
      ["mark-absent", { attendees: [{ email: "not an email", absent: true }] }, "attendees.0.email"],
      ["mark-absent", { attendees: [] }, "attendees"],
    ];
    await unchanged(async () => {
      for (const [action, body, path] of cases) {
        const res = await act(user, booking.uid, action, body);
        assertError(res, 400, "invalid_request");
        assert.ok(
          res.body.error.details.issues.some((i: { path: string }) => i.path === path),
          `${action} ${JSON.stringify(body)}: ${JSON.stringify(res.body.error.details.issues)}`,
        );
      }
      const notJson = await act(user, booking.uid, "cancel", "{nope");
      assertError(notJson, 400, "invalid_request");
      assertError(await act(user, booking.uid, "cancel", {}, "?connectionId=42"), 400, "invalid_request");
    });
    assert.deepEqual(writes(), []);
  });

  await t.step("Cal.com's refusals become 409 or 400 with a reason and an actionable message", async () => {
    const busy = await sandbox.createBooking(cal.user.id, { start: "2030-03-06T10:00:00Z" });
    const pastStart = await sandbox.createBooking(cal.user.id, { start: "2030-03-04T08:00:00Z" });
    const cancelled = await sandbox.createBooking(cal.user.id, { start: "2030-03-06T14:00:00Z" });
    await sandbox.cancelBooking(cancelled.uid, "Gone");
    const rescheduled = await sandbox.createBooking(cal.user.id, { start: "2030-03-06T16:00:00Z" });
    const moved = await sandbox.rescheduleBooking(rescheduled.uid, "2030-03-07T16:00:00Z");
    const seated = await sandbox.createBooking(cal.user.id, {
      eventTypeId: types["group-class"],
      start: "2030-03-08T18:00:00Z",
    });
    const future = await sandbox.createBooking(cal.user.id, { start: "2030-03-09T10:00:00Z" });
    const cases: [string, string, unknown, number, string, string, RegExp][] = [
      [
        "cancel",
        cancelled.uid,
        { reason: "x" },
        409,
        "conflict",
        "already_cancelled",
        /already cancelled/,
      ],
      ["cancel", booking.uid, {}, 400, "invalid_request", "reason_required", /add a reason/],
      ["cancel", pastStart.uid, { reason: "x" }, 400, "invalid_request", "already_ended", /already ended/],
      [
        "reschedule",
        booking.uid,
        { start: "2030-03-01T10:00:00Z" },
        400,
        "invalid_request",
        "start_in_past",
        /future/,
      ],
      [
        "reschedule",
        booking.uid,
        { start: "2030-03-06T10:15:00Z" },
        409,
        "conflict",
        "slot_unavailable",
        /no longer available/,
      ],
      [
        "reschedule",
        rescheduled.uid,
        { start: "2030-03-10T10:00:00Z" },
        409,
        "conflict",
        "already_rescheduled",
        new RegExp(`rescheduled to booking ${moved.uid}`),
      ],
      [
        "reschedule",
        seated.uid,
        { start: "2030-03-10T18:00:00Z" },
        400,
        "invalid_request",
        "invalid_seat",
        /seatUid/,
      ],
      ["confirm", busy.uid, {}, 409, "conflict", "not_pending", /no longer waits for confirmation/],
      ["decline", busy.uid, { reason: "No" }, 409, "conflict", "not_pending", /no longer waits/],
      [
        "mark-absent",
        future.uid,
        { host: true },
        400,
        "invalid_request",
        "not_started",
        /once the booking has started/,
      ],
    ];
    await unchanged(async () => {
      for (const [action, uid, body, status, code, reason, message] of cases) {
        const res = await act(user, uid, action, body);
        assertError(res, status, code, reason);
        assert.match(res.body.error.message, message, `${action} ${reason}`);
      }
    });
  });

  await t.step(
    "Cal.com failing or unreachable is a 502 calcom_unavailable, sent once, nothing written",
    async () => {
      for (const fault of [{ errorRate: 1, errorStatus: 503 }, { dropConnection: true }]) {
        sandbox.resetRequests();
        sandbox.setFaults({ ...fault, path: "/v2/bookings/" });
        try {
          await unchanged(async () => {
            assertError(await act(user, booking.uid, "cancel", { reason: "x" }), 502, "calcom_unavailable");
          });
        } finally {
          sandbox.setFaults({});
        }
        if (fault.errorRate) {
          // A write is not retried after a failure that may have come after the change.
          assert.equal(writes().length, 1);
        } else {
          // Deno's fetch may itself resend a request whose reused connection closed before any answer;
          // every attempt was dropped, so none reached the handler.
          assert.ok(writes().every((r) => r.fault === "drop"), JSON.stringify(writes()));
        }
      }
      assert.equal(sandbox.booking(booking.uid)!.status, "accepted");
    },
  );

  await t.step("a revoked key is 400 invalid_api_key", async () => {
    const revoked = await actionUser(stack);
    const b = await sandbox.createBooking(revoked.cal.user.id, { start: "2030-03-05T16:00:00Z" });
    sandbox.revokeApiKey(revoked.cal.apiKey);
    assertError(await act(revoked.user, b.uid, "cancel", { reason: "x" }), 400, "invalid_api_key");
    assert.equal(sandbox.booking(b.uid)!.status, "accepted");
  });

  await t.step("a paused connection is a 409, and Cal.com is not called", async () => {
    const owner = await stack.signUp();
    const account = sandbox.addUser();
    await insertConnection(stack, owner, account, { isActive: false });
    const b = await sandbox.createBooking(account.user.id, { start: "2030-03-05T18:00:00Z" });
    // Mirror the booking the way a sync would have before the pause.
    const [{ id: connectionId }] = await stack.db.sql<{ id: string }[]>`
      select id from public.calcom_connections where user_id = ${owner.id}`;
    await stack.deps.db.asService((tx) =>
      upsertBookings(tx, {
        userId: owner.id,
        connectionId,
        rows: [mapApiBooking(ApiBookingSchema.parse(sandbox.booking(b.uid)))],
      })
    );
    sandbox.resetRequests();
    const res = await act(owner, b.uid, "cancel", { reason: "x" });
    assertError(res, 409, "conflict", "connection_paused");
    assert.match(res.body.error.message, /paused/);
    assert.deepEqual(writes(), []);
  });
});
