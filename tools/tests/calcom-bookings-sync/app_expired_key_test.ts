/**
 * Cal.com API keys expire. A sync that Cal.com answers 401 pauses the connection with a message that says
 * whether the key expired or was revoked and how to reconnect; reconnecting with a new key of the same
 * Cal.com account keeps the connection's id, its bookings and its webhook. The sandbox expires keys on its
 * clock and answers Cal.com's own messages.
 */
import assert from "node:assert/strict";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { postSync } from "../../testing/sync_test_support.ts";

const PUBLIC_URL = "https://proj.example.com/functions/v1";

const connect = (user: StackUser, apiKey: string) =>
  invokeFunction(user.client, "calcom-connection", { method: "POST", body: { apiKey } });

async function connection(stack: TestStack, id: string) {
  const [row] = await stack.deps.db.sql`
    select is_active, last_sync_error, calcom_webhook_id from public.calcom_connections where id = ${id}`;
  return row;
}

async function bookingIds(stack: TestStack, connectionId: string): Promise<string[]> {
  const rows = await stack.deps.db.sql<{ id: string }[]>`
    select id from public.calcom_bookings where calcom_connection_id = ${connectionId} order by id`;
  return rows.map((r) => r.id);
}

Deno.test("an expired or revoked key pauses syncing with how to reconnect, and a reconnect keeps everything", async (t) => {
  await using stack = await startTestStack({
    apps: { sync: true, connection: true },
    env: { PUBLIC_FUNCTIONS_URL: PUBLIC_URL },
  });
  const { sandbox } = stack;
  const user = await stack.signUp();
  const cal = sandbox.addUser();
  const expiringKey = sandbox.addApiKey(cal.user.id, {
    expiresAt: new Date(sandbox.now().getTime() + 3_600_000),
  });
  // Seeded, so no delivery goes to the (unreachable) public URL.
  sandbox.seedBookings(cal.user.id, 6, { seed: 4 });

  const first = await connect(user, expiringKey);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const connectionId: string = first.body.connection.id;
  assert.equal(first.body.connection.webhookRegistered, true);
  const [webhook] = sandbox.webhooks(cal.user.id);
  assert.equal((await postSync(user)).body.created, 6);
  const stored = await bookingIds(stack, connectionId);

  await t.step("an expired key: the sync fails, says so and how to reconnect, and pauses", async () => {
    sandbox.advanceTime(2 * 3_600_000);
    const res = await postSync(user);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "invalid_api_key");
    assert.match(res.body.error.message, /^Your Cal\.com API key has expired, so syncing is paused: /);
    assert.match(res.body.error.message, /connect again with it \(POST calcom-connection\)/);
    const row = await connection(stack, connectionId);
    assert.equal(row.is_active, false);
    assert.equal(row.last_sync_error, res.body.error.message);
    const listed = await invokeFunction(user.client, "calcom-connection", { method: "GET" });
    const view = listed.body.connections.find((c: { id: string }) => c.id === connectionId);
    assert.deepEqual([view.isActive, view.lastSyncError], [false, res.body.error.message]);
  });

  const newKey = sandbox.addApiKey(cal.user.id);
  await t.step("reconnecting with a new key keeps the connection's id, bookings and webhook", async () => {
    const res = await connect(user, newKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.connection.id, connectionId);
    assert.equal(res.body.connection.isActive, true);
    // the failure of the old key no longer describes the connection
    assert.deepEqual([res.body.connection.lastSyncError, res.body.connection.lastSyncStatus], [null, null]);
    assert.deepEqual(sandbox.webhooks(cal.user.id).map((w) => w.id), [webhook.id], "the same webhook");
    assert.equal((await connection(stack, connectionId)).calcom_webhook_id, webhook.id);
    assert.deepEqual(await bookingIds(stack, connectionId), stored, "the same booking rows");
    const sync = await postSync(user);
    assert.equal(sync.status, 200, JSON.stringify(sync.body));
    assert.deepEqual([sync.body.status, sync.body.created], ["succeeded", 0]);
    assert.deepEqual(await bookingIds(stack, connectionId), stored);
  });

  await t.step("a revoked key: the message says revoked or not valid", async () => {
    sandbox.revokeApiKey(newKey);
    const revoked = await postSync(user);
    assert.equal(revoked.status, 400);
    assert.match(revoked.body.error.message, /^Cal\.com rejected the API key \(HTTP 401\): it was revoked/);
    assert.equal((await connection(stack, connectionId)).is_active, false);
  });
});
