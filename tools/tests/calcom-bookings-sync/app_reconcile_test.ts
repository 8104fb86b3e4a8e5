/**
 * POST /calcom-bookings-sync {"mode": "reconcile"} and the scheduled reconciliation, over real HTTP, a
 * real database and the Cal.com sandbox with both clocks pinned. No webhook is registered, so every
 * webhook Cal.com would send is lost: what the mirror learns, it learns by reading.
 */
import assert from "node:assert/strict";
import { ReconcileResultSchema } from "../../../supabase/functions/calcom-bookings-sync/responses.ts";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { testBookingRow } from "../../testing/booking_test_data.ts";
import { setSchedule } from "../../testing/scheduled_test_support.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import {
  bookingRequests,
  type CalAccount,
  insertConnection,
  postSync,
  rowVersions,
} from "../../testing/sync_test_support.ts";
import { upsertBookings } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import type { Sandbox } from "../../calcom_sandbox/mod.ts";

const FN = "calcom-bookings-sync";
const cronSecret = "reconcile-cron-secret-0123456789abcdef0123456789";
/** The functions' clock; the sandbox's runs a day behind it. */
const functionsNow = new Date("2031-03-10T12:00:00.000Z");
const sandboxStart = new Date("2031-03-09T12:00:00.000Z");
const hour = 3_600_000;

type Attendee = { name: string; email: string; absent?: boolean; seatUid?: string };

interface Account {
  user: StackUser;
  cal: CalAccount;
  connectionId: string;
  webhookSecret: string;
}

async function account(stack: TestStack<Sandbox>): Promise<Account> {
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser({ name: "Dana Host" });
  const webhookSecret = `whsec_${crypto.randomUUID()}`;
  const connectionId = await insertConnection(stack, user, cal, { webhookSecret });
  return { user, cal, connectionId, webhookSecret };
}

function reconcile(user: StackUser, body: Record<string, unknown> = {}) {
  return postSync(user, { mode: "reconcile", ...body });
}

async function mirrored(stack: TestStack, connectionId: string, uid: string) {
  const [row] = await stack.db.sql`
    select status, attendees from public.calcom_bookings
    where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
  return row &&
    {
      status: row.status as string,
      attendees: (row.attendees as Attendee[]).map((a) => `${a.name}${a.absent ? " (absent)" : ""}`),
    };
}

function truth(stack: TestStack<Sandbox>, uid: string) {
  const b = stack.sandbox.booking(uid)!;
  return {
    status: b.status.toUpperCase(),
    attendees: (b.attendees as Attendee[]).map((a) => `${a.name}${a.absent ? " (absent)" : ""}`),
  };
}

Deno.test("a reconciliation repairs what polling cannot see, cheaply and behind newer webhooks", async (t) => {
  await using stack = await startTestStack({
    apps: { sync: { cronSecret }, webhook: true },
    clock: { now: () => functionsNow },
    sandbox: { now: () => sandboxStart },
  });
  const { sandbox } = stack;
  sandbox.setNow(sandboxStart);
  const sql = stack.db.sql;

  const dana = await account(stack);
  const seated = sandbox.eventTypes(dana.cal.user.id).find((e) => e.seatsPerTimeSlot !== null)!;
  const bookSeat = (name: string, start: string) =>
    sandbox.createBooking(dana.cal.user.id, {
      eventTypeId: seated.id,
      start,
      attendee: { name, email: `${name.toLowerCase()}@example.org` },
    });
  // An hour ago (sandbox time), so its attendee can be marked absent; two seated bookings ahead.
  const past = await sandbox.createBooking(dana.cal.user.id, {
    start: new Date(sandboxStart.getTime() - hour).toISOString(),
    attendee: { name: "Sam", email: "sam@example.org" },
  });
  const seatsAt = new Date(sandboxStart.getTime() + 48 * hour).toISOString();
  const grows = await bookSeat("Ana", seatsAt);
  const shrinksAt = new Date(sandboxStart.getTime() + 72 * hour).toISOString();
  const shrinks = await bookSeat("Cy", shrinksAt);
  await bookSeat("Dee", shrinksAt);
  const changed = [past.uid, grows.uid, shrinks.uid];

  await t.step("a no-show mark and seat changes leave updatedAt alone in the sandbox", async () => {
    assert.equal((await postSync(dana.user)).status, 200, "the first (full) sync");
    const before = changed.map((uid) => sandbox.booking(uid)!.updatedAt);
    sandbox.advanceTime(60_000);
    await sandbox.markAbsent(past.uid, { attendees: [{ email: "sam@example.org", absent: true }] });
    await bookSeat("Ben", seatsAt);
    const dee = (sandbox.booking(shrinks.uid)!.attendees as Attendee[]).find((a) => a.name === "Dee")!;
    await sandbox.cancelBooking(shrinks.uid, "Cannot come", { seatUid: dee.seatUid });
    assert.deepEqual(changed.map((uid) => sandbox.booking(uid)!.updatedAt), before);
    assert.deepEqual(truth(stack, past.uid), { status: "ACCEPTED", attendees: ["Sam (absent)"] });
    assert.deepEqual(truth(stack, grows.uid).attendees, ["Ana", "Ben"]);
    assert.deepEqual(truth(stack, shrinks.uid).attendees, ["Cy"]);
  });

  await t.step("an incremental sync does not see them", async () => {
    const res = await postSync(dana.user);
    assert.equal(res.status, 200);
    assert.equal(res.body.mode, "incremental");
    assert.deepEqual([res.body.count, res.body.created, res.body.updated], [0, 0, 0]);
    assert.deepEqual(await mirrored(stack, dana.connectionId, past.uid), {
      status: "ACCEPTED",
      attendees: ["Sam"],
    });
    assert.deepEqual((await mirrored(stack, dana.connectionId, grows.uid)).attendees, ["Ana"]);
    assert.deepEqual((await mirrored(stack, dana.connectionId, shrinks.uid)).attendees, ["Cy", "Dee"]);
  });

  await t.step("a reconciliation repairs them in one request", async () => {
    sandbox.resetRequests();
    const res = await reconcile(dana.user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(ReconcileResultSchema.parse(res.body), res.body, "the answer is the documented one");
    const [connection] = await sql`
      select last_reconciled_at from public.calcom_connections where id = ${dana.connectionId}`;
    assert.deepEqual(res.body, {
      success: true,
      source: "api",
      mode: "reconcile",
      status: "succeeded",
      window: { afterStart: "2031-03-03T12:00:00.000Z", beforeEnd: "2031-06-08T12:00:00.000Z" },
      count: 3,
      compared: 3,
      created: 0,
      updated: 3,
      removed: 0,
      repaired: 3,
      kept: 0,
      pages: 1,
      lookups: 0,
      lastReconciled: connection.last_reconciled_at.toISOString(),
    });
    const requests = bookingRequests(stack, dana.cal.apiKey);
    assert.equal(sandbox.requests.length, 1, "nothing but the one listing request");
    assert.equal(requests.length, 1);
    assert.deepEqual(
      [requests[0].query.afterStart, requests[0].query.beforeEnd, requests[0].query.take],
      ["2031-03-03T12:00:00.000Z", "2031-06-08T12:00:00.000Z", "250"],
    );
    assert.equal(requests[0].query.afterUpdatedAt, undefined, "the window is read whatever updatedAt says");
    for (const uid of changed) {
      assert.deepEqual(await mirrored(stack, dana.connectionId, uid), truth(stack, uid));
    }
  });

  await t.step("a reconciliation with nothing changed makes one request and writes nothing", async () => {
    const before = await rowVersions(stack, dana.connectionId);
    sandbox.resetRequests();
    const res = await reconcile(dana.user);
    assert.equal(res.status, 200);
    assert.deepEqual(
      [res.body.count, res.body.compared, res.body.repaired, res.body.kept, res.body.pages, res.body.lookups],
      [3, 3, 0, 0, 1, 0],
    );
    assert.equal(bookingRequests(stack, dana.cal.apiKey).length, 1);
    assert.deepEqual(await rowVersions(stack, dana.connectionId), before, "no row's updated_at moved");
  });

  await t.step("a booking missing from the mirror is stored again", async () => {
    await sql`
      delete from public.calcom_bookings
      where calcom_connection_id = ${dana.connectionId} and booking_uid = ${grows.uid}`;
    const res = await reconcile(dana.user);
    assert.deepEqual([res.body.count, res.body.compared, res.body.created, res.body.updated], [3, 2, 1, 0]);
    assert.deepEqual(await mirrored(stack, dana.connectionId, grows.uid), truth(stack, grows.uid));
  });

  await t.step("a stored booking in the window that Cal.com no longer has is removed", async () => {
    const gone = testBookingRow({
      booking_uid: "gone-from-calcom",
      start_time: "2031-03-12T10:00:00.000Z",
      end_time: "2031-03-12T10:30:00.000Z",
    });
    const outside = testBookingRow({
      booking_uid: "outside-the-window",
      booking_id: gone.booking_id + 1,
      start_time: "2031-09-12T10:00:00.000Z",
      end_time: "2031-09-12T10:30:00.000Z",
    });
    await stack.deps.db.asService((tx) =>
      upsertBookings(tx, { userId: dana.user.id, connectionId: dana.connectionId, rows: [gone, outside] })
    );
    sandbox.resetRequests();
    const res = await reconcile(dana.user);
    assert.deepEqual([res.body.removed, res.body.lookups, res.body.repaired], [1, 1, 1]);
    assert.deepEqual(
      sandbox.requests.map((r) => `${r.method} ${r.path}`),
      ["GET /v2/bookings", "GET /v2/bookings/gone-from-calcom"],
      "the listing, then the one booking it left out, by uid",
    );
    assert.equal(await mirrored(stack, dana.connectionId, "gone-from-calcom"), undefined);
    assert.ok(await mirrored(stack, dana.connectionId, "outside-the-window"), "outside the window: kept");
  });

  await t.step("a webhook state newer than the read is not overwritten", async () => {
    const body = webhookFixture("BOOKING_CANCELLED");
    const payload = body.payload as Record<string, unknown>;
    const cal = sandbox.booking(grows.uid)!;
    Object.assign(payload, {
      uid: cal.uid,
      bookingId: cal.id,
      startTime: cal.start,
      endTime: cal.end,
      attendees: (cal.attendees as Attendee[]).map((a) => ({
        name: a.name,
        email: a.email,
        timeZone: "UTC",
        language: { locale: "en" },
      })),
    });
    // Generated after any read this test makes, on Cal.com's clock.
    body.createdAt = new Date(sandbox.now().getTime() + 24 * hour).toISOString();
    const text = JSON.stringify(body);
    const delivered = await stack.deliver(dana.connectionId, text, { secret: dana.webhookSecret });
    assert.equal(delivered.status, 200);
    assert.equal((await mirrored(stack, dana.connectionId, grows.uid)).status, "CANCELLED");
    const res = await reconcile(dana.user);
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.kept, res.body.updated], [1, 0]);
    assert.equal((await mirrored(stack, dana.connectionId, grows.uid)).status, "CANCELLED");
  });

  await t.step("a window of 600 bookings takes three requests, and none is written again", async () => {
    const fay = await account(stack);
    for (let i = 0; i < 600; i++) {
      await sandbox.createBooking(fay.cal.user.id, {
        start: new Date(sandboxStart.getTime() + (24 + 2 * i) * hour).toISOString(),
      });
    }
    assert.equal((await postSync(fay.user)).status, 200);
    const before = await rowVersions(stack, fay.connectionId);
    sandbox.resetRequests();
    const res = await reconcile(fay.user);
    assert.deepEqual(
      [res.body.status, res.body.count, res.body.compared, res.body.repaired, res.body.pages],
      ["succeeded", 600, 600, 0, 3],
    );
    assert.deepEqual(bookingRequests(stack, fay.cal.apiKey).map((r) => r.query.skip), ["0", "250", "500"]);
    assert.equal(sandbox.requests.length, 3);
    assert.deepEqual(await rowVersions(stack, fay.connectionId), before);
  });

  await t.step("the scheduled sync reconciles a connection at most once per cadence", async () => {
    const eve = await account(stack);
    const b = await sandbox.createBooking(eve.cal.user.id, {
      start: new Date(sandbox.now().getTime() - hour).toISOString(),
      attendee: { name: "Sam", email: "sam@example.org" },
    });
    const scheduled = () =>
      invokeFunction(stack.clientWith(), `${FN}/scheduled`, {
        method: "POST",
        headers: { "x-calcom-cron-secret": cronSecret },
      });
    const lineOf = (res: { body: { results: { connectionId: string; reconciled?: unknown }[] } }) =>
      res.body.results.find((r) => r.connectionId === eve.connectionId)!;
    const first = await scheduled();
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(lineOf(first).reconciled, {
      status: "succeeded",
      count: 1,
      compared: 1,
      created: 0,
      updated: 0,
      removed: 0,
      repaired: 0,
      kept: 0,
      pages: 1,
      lookups: 0,
    });
    sandbox.advanceTime(60_000);
    await sandbox.markAbsent(b.uid, { attendees: [{ email: "sam@example.org", absent: true }] });
    sandbox.resetRequests();
    // Due again for its sync (the schedule's cadence), not for its reconciliation.
    await setSchedule(stack, eve.connectionId, { next_due_at: stack.deps.now() });
    const second = await scheduled();
    assert.equal(lineOf(second).reconciled, undefined, "not due again within six hours");
    assert.deepEqual(
      bookingRequests(stack, eve.cal.apiKey).map((r) => r.query.afterStart),
      [undefined],
      "only the incremental sync's request",
    );
    assert.deepEqual((await mirrored(stack, eve.connectionId, b.uid)).attendees, ["Sam"]);
    await sql`
      update public.calcom_connections set last_reconciled_at = now() - interval '6 hours 1 minute'
      where id = ${eve.connectionId}`;
    await setSchedule(stack, eve.connectionId, { next_due_at: stack.deps.now() });
    const third = await scheduled();
    assert.equal((lineOf(third).reconciled as { updated: number }).updated, 1);
    assert.deepEqual((await mirrored(stack, eve.connectionId, b.uid)).attendees, ["Sam (absent)"]);
  });

  await t.step("a reconcile body with a bad mode, full, status or window is refused with 400", async () => {
    for (
      const [body, path] of [
        [{ mode: "repair" }, "mode"],
        [{ mode: 1 }, "mode"],
        [{ mode: "reconcile", full: true }, "full"],
        [{ mode: "reconcile", status: "past" }, "status"],
        [
          { mode: "reconcile", afterStart: "2031-03-10T00:00:00Z", beforeEnd: "2031-03-09T00:00:00Z" },
          "beforeEnd",
        ],
        [{ mode: "reconcile", afterStart: "2029-01-01T00:00:00Z" }, "beforeEnd"],
      ] as const
    ) {
      sandbox.resetRequests();
      const res = await postSync(dana.user, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, "invalid_request");
      assert.equal(res.body.error.message, "Invalid request body");
      assert.deepEqual(res.body.error.details.issues.map((i: { path: string }) => i.path), [path]);
      assert.equal(sandbox.requests.length, 0, "Cal.com is not asked");
    }
  });
});

Deno.test("a reconciliation the deadline stops is partial and not recorded as done", async () => {
  await using stack = await startTestStack({
    apps: { sync: { deadlineMs: 0 } },
    clock: { now: () => functionsNow },
    sandbox: { now: () => sandboxStart },
  });
  const dana = await account(stack);
  for (let i = 0; i < 251; i++) {
    await stack.sandbox.createBooking(dana.cal.user.id, {
      start: new Date(sandboxStart.getTime() + (24 + i) * hour).toISOString(),
    });
  }
  const res = await reconcile(dana.user);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(
    [res.body.status, res.body.pages, res.body.count, res.body.created, res.body.lastReconciled],
    ["partial", 1, 250, 250, null],
    "the first page is always read and stored",
  );
  const [connection] = await stack.db.sql`
    select last_reconciled_at from public.calcom_connections where id = ${dana.connectionId}`;
  assert.equal(connection.last_reconciled_at, null);
});
