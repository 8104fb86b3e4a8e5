/**
 * One clock for the order guard: a booking read from the API is stamped with the time of the read on
 * Cal.com's clock (its answer's Date header), so it is at least as new as every webhook Cal.com generated
 * before the read, and older than every webhook generated after it. The race both ways, through the sync
 * and the webhook functions, on the sandbox clock. Deliveries are built and posted by the test (no
 * webhook is registered in the sandbox), so each one arrives exactly when the race needs it.
 */
import assert from "node:assert/strict";
import { startTestStack } from "../../testing/test_stack.ts";
import { insertConnection, postSync, syncClock } from "../../testing/sync_test_support.ts";

const at = (time: string) => `2030-05-06T${time}Z`;

Deno.test("a sync converges to what Cal.com says when it reads, whatever webhooks came before", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true, webhook: true }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;

  async function setUp() {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    const webhookSecret = `whsec_${crypto.randomUUID()}`;
    const connectionId = await insertConnection(stack, user, cal, { webhookSecret });
    const build = (trigger: string, uid: string, payload?: Record<string, unknown>) =>
      sandbox.buildWebhook(trigger, uid, payload ? { payload } : undefined).body;
    const post = async (body: string) => {
      const res = await stack.deliver(connectionId, body, { secret: webhookSecret });
      const answer = await res.json();
      assert.equal(res.status, 200, JSON.stringify(answer));
      return answer;
    };
    const deliver = (trigger: string, uid: string, payload?: Record<string, unknown>) =>
      post(build(trigger, uid, payload));
    const status = async (uid: string) =>
      (await sql`
        select status from public.calcom_bookings
        where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`)[0]?.status;
    return { user, cal, build, post, deliver, status };
  }

  for (const full of [false, true]) {
    await t.step(
      `a ${full ? "full" : "incremental"} sync replaces a webhook's state generated before its read`,
      async () => {
        const { user, cal, build, post, status } = await setUp();
        sandbox.setNow(at("09:00:00"));
        sandbox.seedBookings(cal.user.id, 3, { now: at("08:00:00") });
        // The first (full) run sets the watermark, so the next run without `full` is incremental.
        assert.equal((await postSync(user)).body.status, "succeeded");
        const consult = sandbox.eventTypes(cal.user.id).find((e) => e.requiresConfirmation)!;
        sandbox.setNow(at("10:00:00"));
        const booking = await sandbox.createBooking(cal.user.id, { eventTypeId: consult.id });
        sandbox.setNow(at("10:00:01"));
        await sandbox.confirmBooking(booking.uid); // ACCEPTED, updatedAt 10:00:01
        // Cal.com generates the BOOKING_REQUESTED delivery late: createdAt 10:00:03, still PENDING.
        sandbox.setNow(at("10:00:03"));
        const requested = build("BOOKING_REQUESTED", booking.uid, { status: "PENDING" });
        // A second delivery generated at the same time (another webhook of the user), delivered later.
        const copy = build("BOOKING_REQUESTED", booking.uid, { status: "PENDING", title: "Late copy" });
        await post(requested);
        assert.equal(await status(booking.uid), "PENDING");

        sandbox.setNow(at("10:00:05"));
        const res = await postSync(user, { full });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.mode, full ? "full" : "incremental");
        assert.equal(res.body.updated, 1, JSON.stringify(res.body));
        assert.equal(await status(booking.uid), "ACCEPTED");

        // A delivery generated before the read but arriving after it still loses.
        await post(copy);
        assert.equal(await status(booking.uid), "ACCEPTED");
      },
    );
  }

  await t.step("a webhook generated after the sync's read replaces what the sync stored", async () => {
    const { user, cal, deliver, status } = await setUp();
    sandbox.setNow(at("11:00:00"));
    const booking = await sandbox.createBooking(cal.user.id);
    sandbox.setNow(at("11:00:05"));
    assert.equal((await postSync(user)).body.status, "succeeded");
    assert.equal(await status(booking.uid), "ACCEPTED");

    // Cancelled 2 s after the read (the read's stamp is the end of its Date header's second).
    sandbox.setNow(at("11:00:07"));
    await sandbox.cancelBooking(booking.uid, "Out sick");
    await deliver("BOOKING_CANCELLED", booking.uid);
    assert.equal(await status(booking.uid), "CANCELLED");

    // A later sync reads the same cancellation: it stays.
    sandbox.setNow(at("11:00:09"));
    const res = await postSync(user);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await status(booking.uid), "CANCELLED");
  });
});
