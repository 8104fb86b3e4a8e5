/**
 * A sync that fails on a revoked key pauses the connection only while that key is still the
 * connection's: a reconnect with a valid key made while the failing request was in flight keeps the
 * connection active. The sandbox holds the sync's request until the test has reconnected, so the order
 * is fixed without timing.
 */
import assert from "node:assert/strict";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { insertConnection, postSync } from "../../testing/sync_test_support.ts";

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function connectionState(stack: TestStack, id: string) {
  const [row] = await stack.deps.db.sql`
    select is_active, api_key_hint from public.calcom_connections where id = ${id}`;
  return row;
}

Deno.test("a sync failing on a key revoked while it ran keeps a connection reconnected meanwhile active", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true, connection: true } });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;

  await t.step("the key changed by a reconnect: the run fails, the connection stays active", async () => {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    sandbox.seedBookings(cal.user.id, 5);
    const connectionId = await insertConnection(stack, user, cal);
    const { promise: reconnected, resolve: release } = Promise.withResolvers<void>();
    sandbox.setFaults({ path: "/v2/bookings", holdUntil: reconnected });
    try {
      const syncing = postSync(user);
      await until(() => sandbox.requests.some((r) => r.fault === "hold"), "the sync's held request");
      // The user revokes the key in Cal.com and reconnects with a new one while the sync still waits.
      sandbox.revokeApiKey(cal.apiKey);
      const newKey = sandbox.addApiKey(cal.user.id);
      const reconnect = await invokeFunction(user.client, "calcom-connection", {
        method: "POST",
        body: { apiKey: newKey, registerWebhook: false },
      });
      assert.equal(reconnect.status, 200, JSON.stringify(reconnect.body));
      assert.equal(reconnect.body.connection.id, connectionId);
      release();
      const res = await syncing;
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_api_key");
      const [run] = await sql`
        select status, error_code from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`;
      assert.deepEqual(run, { status: "failed", error_code: "invalid_api_key" });
      assert.deepEqual(await connectionState(stack, connectionId), {
        is_active: true,
        api_key_hint: newKey.slice(-4),
      });
    } finally {
      release();
      sandbox.setFaults({});
    }
    // The next sync uses the new key and succeeds.
    const next = await postSync(user);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.status, "succeeded");
  });

  await t.step("the key unchanged: the same failure pauses the connection", async () => {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    const connectionId = await insertConnection(stack, user, cal);
    sandbox.revokeApiKey(cal.apiKey);
    const res = await postSync(user);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_api_key");
    assert.equal((await connectionState(stack, connectionId)).is_active, false);
  });
});
