/**
 * POST /calcom-bookings-sync/scheduled: the due active connections, through its workers, for pg_cron,
 * behind the cron secret.
 */
import assert from "node:assert/strict";
import { defaultCadence } from "../../../supabase/functions/calcom-bookings-sync/connection_schedule.ts";
import { cronSecretHeader } from "../../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  connectedUser,
  insertConnection,
  syncClock,
} from "../../testing/sync_test_support.ts";

const REVOKED_KEY_MESSAGE =
  "Cal.com rejected the API key (HTTP 401): it was revoked or is not valid, so syncing is paused: " +
  "create a new API key in Cal.com (Settings, Developer, API keys) and connect again with it " +
  "(POST calcom-connection): the connection keeps its id, bookings and webhook";

const FN = "calcom-bookings-sync";
const CRON_SECRET = "test-cron-secret-0123456789abcdef0123456789";

Deno.test("calcom-bookings-sync syncs every active connection on schedule", async (t) => {
  await using stack = await startTestStack({ apps: { sync: { cronSecret: CRON_SECRET } }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;
  // The scheduler carries the anon key (what the gateway wants) and the cron secret.
  const scheduled = (secret?: string): Promise<FunctionResponse> =>
    invokeFunction(stack.clientWith(), `${FN}/scheduled`, {
      method: "POST",
      headers: secret === undefined ? {} : { [cronSecretHeader]: secret },
    });

  await t.step("without the cron secret, or with a wrong one, the scheduled route answers 401", async () => {
    await connectedUser(stack, 5);
    for (const secret of [undefined, "", "wrong", CRON_SECRET.slice(0, -1)]) {
      const res = await scheduled(secret);
      assert.equal(res.status, 401, String(secret));
      assert.equal(res.body.error.code, "unauthorized");
    }
    assert.equal((await sql`select count(*)::int as n from public.calcom_sync_runs`)[0].n, 0);
    await sql`delete from public.calcom_connections`;
  });

  const a = await connectedUser(stack, 400, 41);
  const b = await connectedUser(stack, 30, 42);
  const revoked = await stack.signUp();
  const revokedId = await insertConnection(stack, revoked, sandbox.addUser(), {
    apiKey: "cal_test_revoked1111111111111111",
  });
  const pausedUser = await stack.signUp();
  const pausedCal = sandbox.addUser();
  sandbox.seedBookings(pausedCal.user.id, 10);
  const pausedId = await insertConnection(stack, pausedUser, pausedCal, { isActive: false });

  await t.step("a scheduled call syncs every active connection and reports each", async () => {
    const res = await scheduled(CRON_SECRET);
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.equal(res.body.status, "partial", "one connection failed");
    assert.equal(res.body.connections, 3);
    assert.deepEqual(res.body.deferred, []);
    const byId = new Map(res.body.results.map((r: { connectionId: string }) => [r.connectionId, r]));
    assert.deepEqual(new Set(byId.keys()), new Set([a.connectionId, b.connectionId, revokedId]));
    const { reconciled, ...first } = byId.get(a.connectionId) as Record<string, unknown>;
    // A first sync that succeeded is followed by the connection's first reconciliation.
    assert.deepEqual(
      [(reconciled as { status: string }).status, (reconciled as { repaired: number }).repaired],
      ["succeeded", 0],
    );
    assert.deepEqual({ ...first, syncRunId: "…" }, {
      connectionId: a.connectionId,
      status: "succeeded",
      syncRunId: "…",
      count: 400,
      created: 400,
      updated: 0,
      pages: 2,
    });
    assert.deepEqual((byId.get(revokedId) as { error: unknown }).error, {
      code: "invalid_api_key",
      message: REVOKED_KEY_MESSAGE,
    });
    const runs =
      await sql`select trigger, status from public.calcom_sync_runs where calcom_connection_id = ${a.connectionId}`;
    assert.deepEqual([...runs], [{ trigger: "scheduled", status: "succeeded" }]);
    assert.equal(
      (await sql`select 1 from public.calcom_sync_runs where calcom_connection_id = ${pausedId}`).length,
      0,
    );
    await assertMirrors(stack, a.connectionId, a.cal);
    await assertMirrors(stack, b.connectionId, b.cal);
  });

  await t.step("the next scheduled call is incremental and leaves the paused connections alone", async () => {
    await sandbox.createBooking(b.cal.user.id);
    // Both received bookings, so they are due again after the active interval.
    stack.advanceClock(defaultCadence.activeIntervalMs);
    const res = await scheduled(CRON_SECRET);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.connections, 2);
    const counts = Object.fromEntries(
      res.body.results.map((r: { connectionId: string; count: number }) => [r.connectionId, r.count]),
    );
    assert.deepEqual(counts, { [a.connectionId]: 0, [b.connectionId]: 1 });
    await assertMirrors(stack, b.connectionId, b.cal);
  });

  await t.step("a connection whose sync is running is skipped, the others still run", async () => {
    stack.advanceClock(defaultCadence.idleIntervalMs);
    const [running] = await sql`
      insert into public.calcom_sync_runs (user_id, calcom_connection_id, trigger, mode, heartbeat_at)
      values (${a.user.id}, ${a.connectionId}, 'manual', 'incremental', ${stack.deps.now()})
      returning id`;
    const res = await scheduled(CRON_SECRET);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "partial");
    const skipped = res.body.results.find((r: { connectionId: string }) => r.connectionId === a.connectionId);
    assert.deepEqual(skipped, {
      connectionId: a.connectionId,
      status: "skipped",
      syncRunId: running.id,
      count: 0,
      created: 0,
      updated: 0,
      pages: 0,
    });
    const other = res.body.results.find((r: { connectionId: string }) => r.connectionId === b.connectionId);
    assert.equal(other.status, "succeeded");
  });

  await t.step("finished runs older than 30 days are pruned, each connection's latest one kept", async () => {
    // Ages are taken from the function's clock (this process), which decides what is pruned.
    const daysBefore = (days: number) => new Date(Date.now() - days * 86_400_000);
    const insertOld = (connectionId: string, userId: string, daysAgo: number) =>
      sql`
        insert into public.calcom_sync_runs (
          user_id, calcom_connection_id, trigger, mode, status, started_at, finished_at
        ) values (
          ${userId}, ${connectionId}, 'scheduled', 'incremental', 'succeeded',
          ${daysBefore(daysAgo)}, ${daysBefore(daysAgo)}
        ) returning id`;
    for (const days of [40, 41, 42]) await insertOld(b.connectionId, b.user.id, days);
    await insertOld(pausedId, pausedUser.id, 50);
    const [kept] = await insertOld(pausedId, pausedUser.id, 45);
    await sql`delete from public.calcom_sync_runs where status = 'running'`;
    stack.advanceClock(defaultCadence.idleIntervalMs);
    const res = await scheduled(CRON_SECRET);
    assert.equal(res.status, 200);
    assert.equal(res.body.prunedRuns, 4);
    const old = await sql`select id from public.calcom_sync_runs where started_at < ${daysBefore(30)}`;
    assert.deepEqual(old.map((r) => r.id), [kept.id]);
  });
});
