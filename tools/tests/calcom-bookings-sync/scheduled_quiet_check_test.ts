/**
 * The scheduled sweep's quiet check, over real HTTP, Postgres and the sandbox: an unchanged connection
 * is brought current with one request and no run; a changed one is synced from the check's page without
 * asking twice; the connections the check may not stand for (a stopped run, deferred webhook deliveries,
 * a failed last sync) are synced as before, and a due reconciliation follows the check; a refused check is the run's failure;
 * an OAuth connection's check renews its expired token first; and a worker past its deadline gives back
 * the connections of its batch it did not start.
 */
import assert from "node:assert/strict";
import { defaultCadence } from "../../../supabase/functions/calcom-bookings-sync/connection_schedule.ts";
import {
  CRON_SECRET,
  scheduleRow,
  setSchedule,
  startScheduledStack,
  until,
  work,
} from "../../testing/scheduled_test_support.ts";
import { connectWithOAuth, startOAuthStack } from "../../testing/oauth_test_support.ts";
import { assertMirrors, bookingRequests, connectedUser, syncClock } from "../../testing/sync_test_support.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";
import type { Sandbox } from "../../calcom_sandbox/mod.ts";

interface Result {
  connectionId: string;
  status: string;
  syncRunId: string | null;
  count: number;
  pages: number;
  quiet?: true;
  error?: { code: string };
  reconciled?: { status: string };
}

type Account = Awaited<ReturnType<typeof connectedUser>>;

/** Connects `n` users with `bookings` each and brings them current once (full sync and reconcile). */
async function syncedAccounts(stack: TestStack<Sandbox>, n: number, bookings = 4): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < n; i++) accounts.push(await connectedUser(stack, bookings, 300 + i));
  // The dispatcher makes the schedule rows; these tests call workers directly.
  for (const a of accounts) await setSchedule(stack, a.connectionId, { next_due_at: stack.deps.now() });
  const first = await work(stack);
  assert.equal(first.status, 200);
  assert.equal(first.body.results.length, n);
  assert.ok(first.body.results.every((r: Result) => r.status === "succeeded" && !r.quiet));
  // Due again: the active interval after a sync that received bookings.
  stack.advanceClock(defaultCadence.activeIntervalMs);
  return accounts;
}

async function runCount(stack: TestStack, connectionId: string): Promise<number> {
  const [{ n }] = await stack.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`;
  return n;
}

async function connectionRow(stack: TestStack, connectionId: string) {
  const [row] = await stack.db.sql<
    { last_synced_at: Date; sync_watermark: Date; is_active: boolean; last_sync_status: string }[]
  >`
    select last_synced_at, sync_watermark, is_active, last_sync_status
    from public.calcom_connections where id = ${connectionId}`;
  return row;
}

const byConnection = (results: Result[]) => new Map(results.map((r) => [r.connectionId, r]));

Deno.test("an unchanged connection is brought current with one request and no run", async () => {
  await using stack = await startScheduledStack();
  const accounts = await syncedAccounts(stack, 3);
  const before = await Promise.all(accounts.map(async (a) => ({
    requests: bookingRequests(stack, a.cal.apiKey).length,
    runs: await runCount(stack, a.connectionId),
    connection: await connectionRow(stack, a.connectionId),
  })));
  const checkedAt = stack.deps.now();

  const res = await work(stack);
  assert.equal(res.status, 200);
  const results = byConnection(res.body.results);
  for (const [i, a] of accounts.entries()) {
    assert.deepEqual(results.get(a.connectionId), {
      connectionId: a.connectionId,
      status: "succeeded",
      syncRunId: null,
      count: 0,
      created: 0,
      updated: 0,
      pages: 1,
      quiet: true,
    });
    assert.equal(bookingRequests(stack, a.cal.apiKey).length, before[i].requests + 1, "one request");
    assert.equal(await runCount(stack, a.connectionId), before[i].runs, "no run recorded");
    const connection = await connectionRow(stack, a.connectionId);
    assert.ok(connection.last_synced_at.getTime() >= checkedAt.getTime(), "current as of the check");
    assert.deepEqual(connection.sync_watermark, before[i].connection.sync_watermark, "watermark kept");
    const row = await scheduleRow(stack, a.connectionId);
    assert.ok(row?.last_run_at);
    assert.deepEqual(
      [row.last_outcome, row.lease_owner, row.leased_until, row.consecutive_failures],
      ["succeeded", null, null, 0],
    );
    // Nothing changed: its last change stays, so it stays on the active interval within the window.
    assert.ok(row.last_change_at && row.last_change_at < checkedAt);
    assert.equal(row.next_due_at.getTime() - row.last_run_at.getTime(), defaultCadence.activeIntervalMs);
    await assertMirrors(stack, a.connectionId, a.cal, 3);
  }
});

Deno.test("a changed connection is synced from the check's page, never asking for it twice", async () => {
  await using stack = await startScheduledStack();
  const [few, many] = await syncedAccounts(stack, 2);
  for (let i = 0; i < 2; i++) await stack.sandbox.createBooking(few.cal.user.id);
  // more changes than a page holds: the run goes on after the check's page
  for (let i = 0; i < 260; i++) await stack.sandbox.createBooking(many.cal.user.id);
  const requestsBefore = [few, many].map((a) => bookingRequests(stack, a.cal.apiKey).length);

  const res = await work(stack);
  assert.equal(res.status, 200);
  const results = byConnection(res.body.results);
  const fewResult = results.get(few.connectionId)!;
  const manyResult = results.get(many.connectionId)!;
  assert.deepEqual([fewResult.status, fewResult.count, fewResult.pages, fewResult.quiet], [
    "succeeded",
    2,
    1,
    undefined,
  ]);
  assert.ok(fewResult.syncRunId);
  assert.deepEqual([manyResult.status, manyResult.count, manyResult.pages], ["succeeded", 260, 2]);
  assert.deepEqual(
    [few, many].map((a, i) => bookingRequests(stack, a.cal.apiKey).length - requestsBefore[i]),
    [1, 2],
    "the run's first page is the check's",
  );
  await assertMirrors(stack, few.connectionId, few.cal, 3);
  await assertMirrors(stack, many.connectionId, many.cal, 3);
});

Deno.test("connections the check may not stand for are synced as before; a reconciliation follows", async () => {
  await using stack = await startScheduledStack();
  const [stopped, deferred, reconcileDue, failed, plain] = await syncedAccounts(stack, 5);
  const sql = stack.db.sql;
  // The latest run stopped (as a partial run does): the next sync must be a run.
  await sql`
    update public.calcom_sync_runs set status = 'partial'
    where id = (select id from public.calcom_sync_runs where calcom_connection_id = ${stopped.connectionId}
                order by started_at desc limit 1)`;
  // A webhook delivery beyond the quota left a booking to read again.
  const [uid] = stack.sandbox.seedBookings(deferred.cal.user.id, 1, { seed: 99 });
  await sql`
    insert into public.calcom_webhook_deferrals (user_id, calcom_connection_id, booking_uid, trigger_event,
                                                 received_at)
    select user_id, id, ${uid}, 'BOOKING_CREATED', now() from public.calcom_connections
    where id = ${deferred.connectionId}`;
  await sql`update public.calcom_connections set last_reconciled_at = null where id = ${reconcileDue.connectionId}`;
  await sql`update public.calcom_connections set last_sync_status = 'failed' where id = ${failed.connectionId}`;

  const res = await work(stack);
  assert.equal(res.status, 200);
  const results = byConnection(res.body.results);
  for (const a of [stopped, deferred, failed]) {
    const r = results.get(a.connectionId)!;
    assert.equal(r.status, "succeeded", a.connectionId);
    assert.equal(r.quiet, undefined, "synced by a run");
    assert.ok(r.syncRunId, "a run was recorded");
  }
  assert.equal(results.get(plain.connectionId)?.quiet, true);
  // A due reconciliation follows the quiet check as it follows a run.
  const reconciled = results.get(reconcileDue.connectionId)!;
  assert.deepEqual([reconciled.quiet, reconciled.reconciled?.status], [true, "succeeded"]);
  assert.equal(results.get(plain.connectionId)?.reconciled, undefined);
  assert.equal(results.get(deferred.connectionId)?.count, 1, "the deferred booking was read again");
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.calcom_webhook_deferrals where calcom_connection_id = ${deferred.connectionId}`;
  assert.equal(n, 0);
  await assertMirrors(stack, deferred.connectionId, deferred.cal, 3);
  assert.equal((await connectionRow(stack, failed.connectionId)).last_sync_status, "succeeded");
});

Deno.test("a check Cal.com refuses is the run's failure, recorded without asking again", async () => {
  await using stack = await startScheduledStack();
  const [revoked, fine] = await syncedAccounts(stack, 2);
  stack.sandbox.revokeApiKey(revoked.cal.apiKey);
  const before = bookingRequests(stack, revoked.cal.apiKey).length;
  const runsBefore = await runCount(stack, revoked.connectionId);

  const res = await work(stack);
  assert.equal(res.status, 200);
  const results = byConnection(res.body.results);
  const r = results.get(revoked.connectionId)!;
  assert.deepEqual([r.status, r.error?.code, r.quiet], ["failed", "invalid_api_key", undefined]);
  assert.equal(bookingRequests(stack, revoked.cal.apiKey).length, before + 1, "the check's request only");
  assert.equal(await runCount(stack, revoked.connectionId), runsBefore + 1, "the failure is a run");
  const connection = await connectionRow(stack, revoked.connectionId);
  assert.deepEqual([connection.is_active, connection.last_sync_status], [false, "failed"]);
  assert.equal((await scheduleRow(stack, revoked.connectionId))?.consecutive_failures, 1);
  assert.equal(results.get(fine.connectionId)?.quiet, true);
});

Deno.test("a worker past its deadline gives back the connections of its batch it did not start", async () => {
  await using stack = await startScheduledStack();
  const accounts = await syncedAccounts(stack, 3);
  const due = await Promise.all(accounts.map((a) => scheduleRow(stack, a.connectionId)));
  const { promise: held, resolve: release } = Promise.withResolvers<void>();
  const requests = stack.sandbox.requests.length;
  stack.sandbox.setFaults({ path: "/v2/bookings", holdUntil: held });
  const worker = work(stack);
  try {
    // The worker claimed all three and checks the first; meanwhile its whole budget passes.
    await until(() => stack.sandbox.requests.length > requests, "the first check to reach Cal.com");
    stack.advanceClock(stack.deps.config.syncDeadlineSeconds * 1000 + 1000);
  } finally {
    release();
    stack.sandbox.setFaults({});
  }
  const res = await worker;
  assert.equal(res.status, 200);
  assert.equal(res.body.results.length, 1, "only the connection it started");
  const [started] = res.body.results as Result[];
  for (const [i, a] of accounts.entries()) {
    const row = await scheduleRow(stack, a.connectionId);
    assert.deepEqual([row?.lease_owner, row?.leased_until], [null, null], "no lease kept");
    if (a.connectionId === started.connectionId) continue;
    assert.deepEqual(
      [row?.next_due_at, row?.last_run_at],
      [due[i]?.next_due_at, due[i]?.last_run_at],
      "due as it was",
    );
  }
  // The next worker takes them at once.
  const next = await work(stack);
  assert.deepEqual(
    next.body.results.map((r: Result) => r.connectionId).sort(),
    accounts.map((a) => a.connectionId).filter((id) => id !== started.connectionId).sort(),
  );
});

Deno.test("an OAuth connection's check renews its expired access token once, then asks", async () => {
  await using stack = await startOAuthStack({
    apps: { connection: true, sync: { cronSecret: CRON_SECRET }, webhook: true },
  });
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser({ username: "grace" });
  stack.sandbox.seedBookings(cal.user.id, 4, { seed: 7 });
  const landed = await connectWithOAuth(user, "grace");
  const connectionId = landed.searchParams.get("calcom_connection_id")!;
  await setSchedule(stack, connectionId, { next_due_at: stack.deps.now() });
  const first = await work(stack);
  assert.deepEqual(first.body.results.map((r: Result) => [r.status, r.count]), [["succeeded", 4]]);
  // Past the access token's 30 minutes, on both clocks.
  stack.advanceClock(3_600_000);
  stack.sandbox.advanceTime(3_600_000);
  const tokenCalls = () => stack.sandbox.requests.filter((r) => r.path === "/v2/auth/oauth2/token").length;
  const bookingCalls = () => stack.sandbox.requests.filter((r) => r.path === "/v2/bookings").length;
  const [tokensBefore, bookingsBefore] = [tokenCalls(), bookingCalls()];

  const res = await work(stack);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.results.map((r: Result) => [r.status, r.quiet, r.syncRunId]), [[
    "succeeded",
    true,
    null,
  ]]);
  assert.deepEqual([tokenCalls() - tokensBefore, bookingCalls() - bookingsBefore], [1, 1]);
  assert.equal((await connectionRow(stack, connectionId)).is_active, true);
});

Deno.test("a worker claims the batch it is told, so workers started together share the due", async () => {
  await using stack = await startScheduledStack({ workers: 2 });
  await syncedAccounts(stack, 4);
  // Answers take a while, so both workers are claiming while the other one checks.
  stack.sandbox.setFaults({ latencyMs: 20, path: "/v2/bookings" });
  const together = await Promise.all([work(stack, { batch: 1 }), work(stack, { batch: 1 })]);
  stack.sandbox.setFaults({});
  const counts = together.map((a) => a.body.results.length);
  assert.equal(counts[0] + counts[1], 4);
  assert.ok(counts.every((n) => n >= 1), `both workers got a share: ${counts}`);
  // With batches of 20, whichever worker claims first takes all four.
  stack.advanceClock(defaultCadence.activeIntervalMs);
  const whole = await Promise.all([work(stack, { batch: 20 }), work(stack, { batch: 20 })]);
  assert.deepEqual(whole.map((a) => a.body.results.length).sort(), [0, 4]);
});

Deno.test("with cursor paging the check is the run's first cursor page, quiet or not", async () => {
  await using stack = await startTestStack({
    apps: { sync: { cronSecret: CRON_SECRET } },
    clock: syncClock,
    env: { CALCOM_DB_POOL_MAX: "12", CALCOM_BOOKINGS_PAGING: "auto" },
  });
  const [quiet, changed] = await syncedAccounts(stack, 2);
  await stack.sandbox.createBooking(changed.cal.user.id);
  const before = [quiet, changed].map((a) => bookingRequests(stack, a.cal.apiKey).length);

  const res = await work(stack);
  assert.equal(res.status, 200);
  const results = byConnection(res.body.results);
  assert.equal(results.get(quiet.connectionId)?.quiet, true);
  const run = results.get(changed.connectionId)!;
  assert.deepEqual([run.status, run.count, run.quiet], ["succeeded", 1, undefined]);
  for (const [i, a] of [quiet, changed].entries()) {
    const asked = bookingRequests(stack, a.cal.apiKey).slice(before[i]);
    assert.deepEqual(asked.map((r) => r.version), ["2026-05-01"], "one cursor request each");
  }
  await assertMirrors(stack, changed.connectionId, changed.cal, 3);
});
