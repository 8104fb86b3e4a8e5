/**
 * The booking action routes through the real function and the sandbox's real webhook deliveries: each
 * action answers the booking as now stored, the mirror holds it at once, and the webhook Cal.com sends
 * for the same change, whether it arrives before the answer or after it, changes nothing further.
 */
import assert from "node:assert/strict";
import { BookingActionResponseSchema } from "../../../supabase/functions/calcom-bookings-sync/booking_action_request.ts";
import {
  act,
  actionUser,
  readMirror,
  rowCount,
  startActionStack,
  webhookEvents,
} from "../../testing/booking_actions_support.ts";
import { postSync } from "../../testing/sync_test_support.ts";

/** The read API's view without the two bookkeeping times the database sets on every write. */
function state(view: Record<string, unknown> | undefined) {
  assert.ok(view, "booking is mirrored");
  const { updatedAt: _u, createdAt: _c, ...rest } = view;
  return rest;
}

Deno.test("booking actions change Cal.com and the mirror at once, and their webhooks change nothing further", async (t) => {
  const { stack, held } = await startActionStack();
  await using _ = stack;
  const { sandbox } = stack;
  const { user, cal, connectionId } = await actionUser(stack);
  const types = Object.fromEntries(sandbox.eventTypes(cal.user.id).map((e) => [e.slug, e.id]));

  /** Runs an action with the webhook held, then delivers the webhook and checks it changed nothing. */
  async function actThenEcho(uid: string, action: string, body: unknown, triggers: string[]) {
    const rowsBefore = await rowCount(stack, connectionId);
    const eventsBefore = (await webhookEvents(stack, connectionId)).length;
    held.hold = true;
    let res;
    try {
      res = await act(user, uid, action, body);
    } finally {
      held.hold = false;
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    BookingActionResponseSchema.parse(res.body);
    const answered = await readMirror(user);
    assert.deepEqual(state(answered.get(res.body.booking.uid)), state(res.body.booking));
    assert.deepEqual(await held.release(), triggers.map(() => 200));
    const events = (await webhookEvents(stack, connectionId)).slice(eventsBefore);
    assert.deepEqual(events.map((e) => [e.trigger_event, e.processed]), triggers.map((tr) => [tr, true]));
    const echoed = await readMirror(user);
    assert.deepEqual([...echoed.keys()].sort(), [...answered.keys()].sort());
    // Nothing at all: not a column, not even the row's own updatedAt.
    for (const [uidNow, view] of answered) assert.deepEqual(echoed.get(uidNow), view, uidNow);
    return { res, rowsBefore };
  }

  await t.step("cancel: the booking is cancelled with its reason, and the echo changes nothing", async () => {
    const booking = await sandbox.createBooking(cal.user.id, { start: "2030-03-05T10:00:00Z" });
    const { res, rowsBefore } = await actThenEcho(booking.uid, "cancel", { reason: "Out sick" }, [
      "BOOKING_CANCELLED",
    ]);
    assert.equal(res.body.booking.uid, booking.uid);
    assert.equal(res.body.booking.status, "CANCELLED");
    assert.equal(res.body.booking.cancellationReason, "Out sick");
    assert.equal(sandbox.booking(booking.uid)!.status, "cancelled");
    assert.equal(await rowCount(stack, connectionId), rowsBefore);
  });

  await t.step("an action in the same instant as the sync that read the booking still lands", async () => {
    // The sandbox clock is frozen (startActionStack). A sync stamps what it reads with Cal.com's answer
    // time (plus the header's lost milliseconds); an action's answer is stamped the same way, so it is as
    // new as that read and replaces it.
    const booking = await sandbox.createBooking(cal.user.id, { start: "2030-03-06T10:00:00Z" });
    assert.equal((await postSync(user)).status, 200);
    assert.equal((await readMirror(user)).get(booking.uid)!.status, "ACCEPTED");
    const res = await act(user, booking.uid, "cancel", { reason: "Same second" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.booking.status, "CANCELLED");
    assert.equal((await readMirror(user)).get(booking.uid)!.status, "CANCELLED");
  });

  await t.step("cancel with the webhook first (as the sandbox sends it): one row, cancelled", async () => {
    const booking = await sandbox.createBooking(cal.user.id, { start: "2030-03-05T12:00:00Z" });
    const rowsBefore = await rowCount(stack, connectionId);
    const res = await act(user, booking.uid, "cancel", { reason: "Double booked" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(sandbox.deliveries.slice(-1).map((d) => [d.trigger, d.status]), [[
      "BOOKING_CANCELLED",
      200,
    ]]);
    const mirror = await readMirror(user);
    assert.deepEqual(state(mirror.get(booking.uid)), state(res.body.booking));
    assert.equal(mirror.get(booking.uid)!.status, "CANCELLED");
    assert.equal(await rowCount(stack, connectionId), rowsBefore);
  });

  await t.step(
    "reschedule: the new booking, the old one cancelled and linked, and no duplicate",
    async () => {
      const booking = await sandbox.createBooking(cal.user.id, { start: "2030-03-06T10:00:00Z" });
      const { res, rowsBefore } = await actThenEcho(
        booking.uid,
        "reschedule",
        { start: "2030-03-07T11:00:00+01:00", reason: "Clash" },
        ["BOOKING_RESCHEDULED"],
      );
      const moved = res.body.booking;
      assert.notEqual(moved.uid, booking.uid);
      assert.equal(moved.status, "ACCEPTED");
      assert.equal(moved.startTime, "2030-03-07T10:00:00.000Z");
      assert.equal(moved.rescheduledFromUid, booking.uid);
      assert.equal(res.body.previousBooking.uid, booking.uid);
      assert.equal(res.body.previousBooking.status, "CANCELLED");
      assert.equal(res.body.previousBooking.rescheduledToUid, moved.uid);
      assert.equal(await rowCount(stack, connectionId), rowsBefore + 1);
      assert.equal(sandbox.booking(moved.uid)!.rescheduledFromUid, booking.uid);
    },
  );

  await t.step(
    "confirm: a pending booking is accepted, and the echoed BOOKING_CREATED changes nothing",
    async () => {
      const pending = await sandbox.createBooking(cal.user.id, {
        eventTypeId: types.consult,
        start: "2030-03-08T10:00:00Z",
      });
      assert.equal((await readMirror(user)).get(pending.uid)!.status, "PENDING");
      const { res } = await actThenEcho(pending.uid, "confirm", {}, ["BOOKING_CREATED"]);
      assert.equal(res.body.booking.status, "ACCEPTED");
      assert.equal(sandbox.booking(pending.uid)!.status, "accepted");
    },
  );

  await t.step("decline: a pending booking is rejected with the reason", async () => {
    const pending = await sandbox.createBooking(cal.user.id, {
      eventTypeId: types.consult,
      start: "2030-03-08T14:00:00Z",
    });
    const { res } = await actThenEcho(pending.uid, "decline", { reason: "Fully booked" }, [
      "BOOKING_REJECTED",
    ]);
    assert.equal(res.body.booking.status, "REJECTED");
    assert.equal(res.body.booking.rejectionReason, "Fully booked");
  });

  await t.step(
    "mark-absent: attendees and the host are marked, and the no-show echo changes nothing",
    async () => {
      const booking = await sandbox.createBooking(cal.user.id, {
        start: "2030-03-04T08:00:00Z",
        attendee: { name: "Sam", email: "sam@example.org" },
      });
      const { res } = await actThenEcho(booking.uid, "mark-absent", {
        attendees: [{ email: "sam@example.org", absent: true }],
      }, ["BOOKING_NO_SHOW_UPDATED"]);
      assert.deepEqual(res.body.booking.attendees.map((a: { absent: boolean }) => a.absent), [true]);
      const host = await act(user, booking.uid, "mark-absent", { host: true });
      assert.equal(host.status, 200, JSON.stringify(host.body));
      assert.equal(host.body.booking.absentHost, true);
      assert.deepEqual(host.body.booking.attendees.map((a: { absent: boolean }) => a.absent), [true]);
      const back = await act(user, booking.uid, "mark-absent", {
        attendees: [{ email: "SAM@example.org", absent: false }],
      });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.deepEqual(back.body.booking.attendees.map((a: { absent: boolean }) => a.absent), [false]);
      assert.equal(sandbox.booking(booking.uid)!.attendees[0].absent, false);
    },
  );

  await t.step(
    "cancel of one seat: the booking stays with the others, and the seat's echo changes nothing",
    async () => {
      const start = "2030-03-09T18:00:00Z";
      const seat = (name: string) =>
        sandbox.createBooking(cal.user.id, {
          eventTypeId: types["group-class"],
          start,
          attendee: { name, email: `${name}@example.org` },
        });
      const first = await seat("ana");
      await seat("ben");
      const seatUid = sandbox.booking(first.uid)!.attendees.find((a) => a.email === "ana@example.org")!
        .seatUid as string;
      const { res } = await actThenEcho(first.uid, "cancel", { seatUid }, ["BOOKING_CANCELLED"]);
      assert.equal(res.body.booking.status, "ACCEPTED");
      assert.deepEqual(res.body.booking.attendees.map((a: { email: string }) => a.email), [
        "ben@example.org",
      ]);
    },
  );

  await t.step("cancel of one occurrence and those after it answers every occurrence", async () => {
    const series = await sandbox.createRecurringBooking(cal.user.id, { start: "2030-03-11T10:00:00Z" });
    const res = await act(user, series[1].uid, "cancel", {
      reason: "Course ends",
      cancelSubsequentBookings: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.booking.uid, series[1].uid);
    assert.deepEqual(
      res.body.bookings.map((b: { uid: string; status: string }) => [b.uid, b.status]),
      series.map((b, i) => [b.uid, i === 0 ? "ACCEPTED" : "CANCELLED"]),
    );
    const mirror = await readMirror(user);
    assert.deepEqual(series.map((b) => mirror.get(b.uid)!.status), [
      "ACCEPTED",
      "CANCELLED",
      "CANCELLED",
      "CANCELLED",
    ]);
  });
});
