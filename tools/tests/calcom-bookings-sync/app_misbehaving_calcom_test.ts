/**
 * POST /calcom-bookings-sync against a misbehaving Cal.com (issue #14): an answer of any size or a
 * redirect to another origin fails the run with 502 calcom_unavailable and a message saying which, and
 * nothing is sent anywhere but Cal.com.
 */
import assert from "node:assert/strict";
import { maxResponseBytes } from "../../../supabase/functions/_shared/calcom/read_capped.ts";
import { startReceiver } from "../../calcom_sandbox/test_support.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { bookingRequests, connectedUser, postSync, syncClock } from "../../testing/sync_test_support.ts";

Deno.test("calcom-bookings-sync fails a run cleanly on an oversized answer or a redirect", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;
  const runError = async (connectionId: string) =>
    (await sql`
      select status, error_code, error from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`)
      .map((r) => ({ ...r }));

  await t.step("a page over 16 MB is cut off and the run fails with 502 calcom_unavailable", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 10);
    const size = 4 * maxResponseBytes;
    sandbox.setFaults({ oversizedBodyBytes: size, path: "/v2/bookings" });
    let res;
    try {
      res = await postSync(user);
    } finally {
      sandbox.setFaults({});
    }
    const message = "Cal.com GET /v2/bookings: the answer exceeded 16 MB and was not read";
    assert.equal(res.status, 502);
    assert.deepEqual([res.body.error.code, res.body.error.message], ["calcom_unavailable", message]);
    assert.deepEqual(await runError(connectionId), [
      { status: "failed", error_code: "calcom_unavailable", error: message },
    ]);
    const requests = bookingRequests(stack, cal.apiKey);
    assert.equal(requests.length, 1, "not retried");
    assert.ok(requests[0].bytesSent! < size, `${requests[0].bytesSent} bytes sent of ${size}`);
  });

  await t.step(
    "a redirect is not followed: the run fails with 502 and the target receives nothing",
    async () => {
      await using elsewhere = startReceiver();
      const { user, cal, connectionId } = await connectedUser(stack, 10);
      sandbox.setFaults({ redirectTo: new URL(elsewhere.url).origin, path: "/v2/bookings" });
      let res;
      try {
        res = await postSync(user);
      } finally {
        sandbox.setFaults({});
      }
      const message = "Cal.com GET /v2/bookings answered 307 (a redirect): redirects are not followed";
      assert.equal(res.status, 502);
      assert.deepEqual([res.body.error.code, res.body.error.message], ["calcom_unavailable", message]);
      assert.deepEqual(await runError(connectionId), [
        { status: "failed", error_code: "calcom_unavailable", error: message },
      ]);
      assert.deepEqual(elsewhere.received, []);
      assert.equal(bookingRequests(stack, cal.apiKey).length, 1);
    },
  );
});
