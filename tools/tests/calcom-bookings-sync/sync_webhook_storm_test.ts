/**
 * Syncs and reschedule webhooks writing the same bookings at the same time. A sync's page upsert and a
 * reschedule's two writes (the new booking, then the old one it replaces) lock the same rows; taken in
 * opposite orders they deadlocked (Postgres 40P01): the sync answered 500 and the delivery was logged
 * unprocessed. Real HTTP, a real database and the sandbox's own signed deliveries. Each round's syncs
 * are held at Cal.com until that round's deliveries are on their way, so the two meet in every round
 * without any timing: before the fix every run failed.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { createDb, type Db } from "../../../supabase/functions/_shared/platform/db.ts";
import type { Deps } from "../../../supabase/functions/_shared/platform/deps.ts";
import type { FunctionResponse } from "../../testing/invoke_function.ts";
import { NO_WEBHOOK_QUOTA, startTestStack } from "../../testing/test_stack.ts";
import { insertConnection, postSync, syncClock } from "../../testing/sync_test_support.ts";

/** Accounts storming at once, each with its own connection, syncs and reschedules. */
const accounts = 4;
/** Bookings seeded per account; those not cancelled or rejected are rescheduled. */
const bookingsPerAccount = 60;
/** Times each booking is rescheduled. */
const rounds = 3;

Deno.test("syncs alongside reschedule webhooks over the same bookings never deadlock and converge", async () => {
  // Each function has its own pool, as its own Edge Function has: the syncs do not queue behind deliveries.
  const pools: Db[] = [];
  const ownPool = (deps: Deps): Deps => {
    const db = createDb(deps.config.dbUrl, { max: 8 });
    pools.push(db);
    return { ...deps, db };
  };
  await using stack = await startTestStack({
    // Thousands of deliveries to few connections: lift the quota (webhook_quota_test.ts tests it).
    apps: { sync: true, webhook: { quota: NO_WEBHOOK_QUOTA } },
    appDeps: ownPool,
    clock: syncClock,
    sandbox: {
      // Deliveries are only recorded here (signed, as Cal.com sends them) and sent below, all at once,
      // while the syncs read the same bookings: as after an outage of the webhook endpoint.
      fetch: () => Promise.resolve(new Response(null, { status: 202 })),
    },
  });
  await using _pools = {
    async [Symbol.asyncDispose]() {
      await Promise.all(pools.map((db) => db.end()));
    },
  };
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;

  const members = await Promise.all(Array.from({ length: accounts }, async (_, i) => {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    const seeded = sandbox.seedBookings(cal.user.id, bookingsPerAccount, { seed: 80 + i });
    // Live bookings that are not seated: a seated booking is rescheduled one seat at a time.
    const uids = seeded.filter((uid) => {
      const booking = sandbox.booking(uid)!;
      const seated = booking.attendees.some((a) => "seatUid" in a);
      return ["accepted", "pending"].includes(booking.status) && !seated;
    });
    const webhookSecret = `whsec_storm_${i}`;
    const connectionId = await insertConnection(stack, user, cal, { webhookSecret });
    await createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url }).createWebhook({
      subscriberUrl: `${stack.server.url}/calcom-webhook/${connectionId}`,
      triggers: ["BOOKING_RESCHEDULED"],
      secret: webhookSecret,
    });
    return { user, cal, uids, connectionId };
  }));
  for (const { user } of members) assert.equal((await postSync(user, { full: true })).status, 200);
  const syncAnswers: FunctionResponse[] = [];
  const delivered: { status: number; body: string }[] = [];
  for (let round = 0; round < rounds; round++) {
    // Every booking is moved a day on; Cal.com's deliveries are recorded, not sent yet.
    for (const member of members) {
      member.uids = await Promise.all(member.uids.map(async (uid) => {
        const start = Date.parse(sandbox.booking(uid)!.start) + 86_400_000;
        return (await sandbox.rescheduleBooking(uid, new Date(start))).uid;
      }));
    }
    const recorded = sandbox.deliveries.splice(0);
    // Each account's incremental sync asks for the changes (oldest first: the old bookings of the
    // reschedules, then the new ones) and is held until the deliveries are on their way, so its page
    // statement writes the same rows as they do, at the same time.
    const { promise: sent, resolve: release } = Promise.withResolvers<void>();
    sandbox.setFaults({ path: "/v2/bookings", holdUntil: sent });
    const held = sandbox.requests.length;
    const syncs = Promise.all(members.map(({ user }) => postSync(user)));
    const deadline = Date.now() + 10_000;
    while (sandbox.requests.slice(held).filter((r) => r.fault === "hold").length < accounts) {
      assert.ok(Date.now() < deadline, "every sync asks Cal.com for its page");
      await new Promise((r) => setTimeout(r, 5));
    }
    const deliveries = Promise.all(recorded.map(async (d) => {
      const res = await fetch(d.url, { method: "POST", headers: d.headers, body: d.body });
      return { status: res.status, body: await res.text() };
    }));
    release();
    syncAnswers.push(...await syncs);
    delivered.push(...await deliveries);
    sandbox.setFaults({});
  }
  // (A pending booking's reschedule is BOOKING_REQUESTED, which the webhook does not subscribe to.)
  assert.ok(delivered.length > 100 * rounds, `${delivered.length} deliveries`);
  const failedSyncs = syncAnswers.filter((r) => r.status !== 200).map((r) => [r.status, r.body]);
  assert.deepEqual(failedSyncs, [], "every sync succeeds");
  assert.deepEqual(delivered.filter((d) => d.status !== 200), [], "every delivery is acknowledged");
  const unprocessed = await sql`select error_message from public.calcom_webhook_events where not processed`;
  assert.deepEqual([...unprocessed], [], "every delivery is applied");

  for (const { user, cal, connectionId } of members) {
    // One more sync, and the mirror holds every Cal.com booking once, in its state.
    assert.equal((await postSync(user, { full: true })).status, 200);
    const truth = sandbox.bookings(cal.user.id).map((b) => [b.uid, b.status.toUpperCase()]).sort();
    const rows = await sql<{ booking_uid: string; status: string }[]>`
      select booking_uid, status from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
    assert.deepEqual(rows.map((r) => [r.booking_uid, r.status]).sort(), truth);
  }
});
