/**
 * A booking Cal.com sends in a shape the mirror cannot store never blocks the rest: the sync sets it
 * aside with its reason, stores the rest of its page, reports the count and moves the watermark on; the
 * owner reads what was set aside through `GET ?setAside=true`. The sandbox serves such bookings through
 * `setApiFields`, as Cal.com's database can hold them.
 */
import assert from "node:assert/strict";
import { SetAsidePageSchema } from "../../../supabase/functions/calcom-bookings-sync/responses.ts";
import { rawJsonNumber } from "../../calcom_sandbox/mod.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { connectedUser, postSync, syncClock } from "../../testing/sync_test_support.ts";

const FN = "calcom-bookings-sync";

Deno.test("bookings that cannot be stored are set aside and the sync goes on", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;
  const { user, cal, connectionId } = await connectedUser(stack, 12, 3);
  const uids = sandbox.bookings(cal.user.id).map((b) => b.uid);
  // The one fixed later is cancelled then, and Cal.com cancels only bookings that have not ended.
  const endFirst = sandbox.bookings(cal.user.id)
    .find((b) => b.status === "accepted" && Date.parse(b.end) > sandbox.now().getTime())!.uid;
  const [surrogateTitle, surrogateName, yearZero, yearZeroInUtc, hugeEventType, hugeId] = uids
    .filter((uid) => uid !== endFirst);
  const booking = (uid: string) => sandbox.booking(uid)!;
  const startOf = (uid: string) => Date.parse(booking(uid).start);

  sandbox.setApiFields(surrogateTitle, { title: "Lunch \ud83d" });
  sandbox.setApiFields(surrogateName, {
    attendees: booking(surrogateName).attendees.map((a) => ({ ...a, name: "Ana \ud83d" })),
  });
  sandbox.setApiFields(yearZero, { start: "0000-06-01T10:00:00.000Z" });
  sandbox.setApiFields(yearZeroInUtc, { start: "0001-01-01T05:00+14:00" });
  sandbox.setApiFields(endFirst, { end: new Date(startOf(endFirst) - 3_600_000).toISOString() });
  sandbox.setApiFields(hugeEventType, { eventType: { id: 1e19, slug: "30min" } });
  sandbox.setApiFields(hugeId, { id: rawJsonNumber("9007199254740993") });
  const unstorable = [yearZero, yearZeroInUtc, endFirst, hugeEventType, hugeId];

  await t.step(
    "a full sync stores the rest, reports the set-aside count and sets the watermark",
    async () => {
      const res = await postSync(user, { full: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "succeeded");
      assert.equal(res.body.count, 12);
      assert.equal(res.body.created, 7);
      assert.equal(res.body.setAside, 5);
      const stored = await sql<{ booking_uid: string; title: string; attendees: { name: string }[] }[]>`
      select booking_uid, title, attendees from public.calcom_bookings
      where calcom_connection_id = ${connectionId}`;
      const storedUids = new Set(stored.map((r) => r.booking_uid));
      assert.deepEqual(
        uids.filter((uid) => !storedUids.has(uid)).sort(),
        [...unstorable].sort(),
        "exactly the unstorable bookings are left out",
      );
      // Half an emoji is stored as U+FFFD, as the webhook path stores it.
      assert.equal(stored.find((r) => r.booking_uid === surrogateTitle)!.title, "Lunch \ufffd");
      assert.ok(
        stored.find((r) => r.booking_uid === surrogateName)!.attendees.every((a) => a.name === "Ana \ufffd"),
      );
      const [run] = await sql`select set_aside from public.calcom_sync_runs where id = ${res.body.syncRunId}`;
      assert.equal(run.set_aside, 5);
      const [connection] = await sql`
      select sync_watermark from public.calcom_connections where id = ${connectionId}`;
      assert.notEqual(connection.sync_watermark, null, "the watermark moved on");
    },
  );

  await t.step("the owner reads each set-aside booking with its reason", async () => {
    const res = await invokeFunction(user.client, `${FN}?setAside=true`, { method: "GET" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      SetAsidePageSchema.parse(res.body),
      res.body,
      "the answer is what docs/openapi.json says",
    );
    assert.equal(res.body.count, 5);
    const reasons = new Map<string, string>(
      res.body.setAside.map((r: { bookingUid: string; reason: string }) => [r.bookingUid, r.reason]),
    );
    assert.match(reasons.get(yearZero)!, /^start_time .* outside the years 0001 to 9999/);
    assert.match(reasons.get(yearZeroInUtc)!, /^Invalid source time: "0001-01-01T05:00\+14:00"/);
    assert.match(reasons.get(endFirst)!, /^end_time .* is before start_time/);
    assert.match(reasons.get(hugeEventType)!, /^event_type_id 10000000000000000000 is beyond/);
    assert.match(reasons.get(hugeId)!, /^id: /);
    for (const item of res.body.setAside) {
      assert.equal(item.source, "sync");
      assert.equal(item.connectionId, connectionId);
      assert.ok(item.rawExcerpt.includes(item.bookingUid), "the excerpt shows the booking");
    }
  });

  await t.step("a stranger sees none of them", async () => {
    const stranger = await stack.signUp();
    const res = await invokeFunction(stranger.client, `${FN}?setAside=true`, { method: "GET" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.setAside, []);
  });

  await t.step("the next incremental sync is not stuck on them", async () => {
    const fresh = await sandbox.createBooking(cal.user.id);
    const res = await postSync(user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.mode, "incremental");
    const [row] = await sql`
      select 1 from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${fresh.uid}`;
    assert.ok(row, "a booking made after them is stored");
  });

  await t.step(
    "a set-aside booking Cal.com later sends in a storable shape is stored and cleared",
    async () => {
      sandbox.setApiFields(endFirst, null);
      await sandbox.cancelBooking(endFirst, "moved"); // moves updatedAt, so the incremental sync reads it
      const res = await postSync(user);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [row] = await sql`
      select status from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${endFirst}`;
      assert.equal(row?.status, "CANCELLED");
      const left = await sql`
      select booking_uid from public.calcom_booking_rejects where calcom_connection_id = ${connectionId}`;
      assert.deepEqual(
        left.map((r) => r.booking_uid).sort(),
        unstorable.filter((u) => u !== endFirst).sort(),
      );
    },
  );
});
