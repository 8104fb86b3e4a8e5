/**
 * The sync reads again the bookings whose webhook deliveries were beyond the connection's quota: a real
 * database, the functions over real HTTP and the Cal.com sandbox.
 */
import assert from "node:assert/strict";
import { startTestStack } from "../../testing/test_stack.ts";
import { assertMirrors, connectedUser, postSync, syncClock } from "../../testing/sync_test_support.ts";

Deno.test("a sync reads again the bookings deferred beyond the webhook quota", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const sql = stack.deps.db.sql;

  async function defer(connectionId: string, bookingUid: string | null) {
    await sql`
      insert into public.calcom_webhook_deferrals (user_id, calcom_connection_id, booking_uid, trigger_event,
        received_at)
      select user_id, id, ${bookingUid}, 'BOOKING_CANCELLED', now() from public.calcom_connections
      where id = ${connectionId}`;
  }
  async function deferred(connectionId: string) {
    const rows = await sql<{ booking_uid: string | null }[]>`
      select booking_uid from public.calcom_webhook_deferrals where calcom_connection_id = ${connectionId}`;
    return rows.map((r) => r.booking_uid);
  }
  const mirroredUids = async (connectionId: string) =>
    (await sql<{ booking_uid: string }[]>`
      select booking_uid from public.calcom_bookings where calcom_connection_id = ${connectionId}`)
      .map((r) => r.booking_uid);

  await t.step("an incremental sync mirrors each deferred booking and clears its record", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 3, 7);
    assert.equal((await postSync(user)).status, 200);
    // the change a deferred delivery carried never reached the mirror: the row is missing here
    const [lost, kept] = stack.sandbox.bookings(cal.user.id).map((b) => b.uid);
    await sql`delete from public.calcom_bookings where calcom_connection_id = ${connectionId} and booking_uid = ${lost}`;
    await defer(connectionId, lost);
    await defer(connectionId, "uid-that-cal-com-does-not-have");
    stack.sandbox.resetRequests();
    const res = await postSync(user);
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.mode, res.body.status, res.body.created], ["incremental", "succeeded", 1]);
    const reads = stack.sandbox.requests.filter((r) =>
      r.method === "GET" && r.path.startsWith("/v2/bookings/")
    );
    assert.deepEqual(
      reads.map((r) => r.path).toSorted(),
      [
        `/v2/bookings/${lost}`,
        "/v2/bookings/uid-that-cal-com-does-not-have",
      ].toSorted(),
    );
    assert.ok((await mirroredUids(connectionId)).includes(lost));
    assert.ok((await mirroredUids(connectionId)).includes(kept));
    assert.deepEqual(await deferred(connectionId), []);
    await assertMirrors(stack, connectionId, cal);
  });

  await t.step("the record that asks for everything waits for a full sync", async () => {
    const { user, connectionId } = await connectedUser(stack, 2, 8);
    assert.equal((await postSync(user)).status, 200);
    await defer(connectionId, null);
    assert.equal((await postSync(user)).body.mode, "incremental");
    assert.deepEqual(await deferred(connectionId), [null]);
    const full = await postSync(user, { full: true });
    assert.deepEqual([full.status, full.body.mode, full.body.status], [200, "full", "succeeded"]);
    assert.deepEqual(await deferred(connectionId), []);
  });
});
