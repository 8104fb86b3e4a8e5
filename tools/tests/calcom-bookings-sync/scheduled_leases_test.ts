/**
 * The scheduled sync's workers and their leases, with real concurrency: workers running at the same
 * time over real HTTP and Postgres never sync a connection twice, an expired lease is taken over and a
 * live one is not, paused connections are never claimed, the oldest due come first across sweeps, and a
 * user's own sync and a worker never run on one connection at once.
 */
import assert from "node:assert/strict";
import { defaultCadence } from "../../../supabase/functions/calcom-bookings-sync/connection_schedule.ts";
import {
  dispatch,
  scheduleRow,
  setSchedule,
  startScheduledStack,
  until,
  work,
} from "../../testing/scheduled_test_support.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  fullSyncPages,
  postSync,
} from "../../testing/sync_test_support.ts";

interface Result {
  connectionId: string;
  status: string;
  count: number;
  quiet?: true;
  reconciled?: { status: string };
}

const minute = 60_000;

Deno.test("workers running at the same time sync every due connection exactly once", async (t) => {
  await using stack = await startScheduledStack({ workers: 4 });
  const { sandbox } = stack;
  const sql = stack.db.sql;
  // Answers take a while, so the workers' claims interleave.
  sandbox.setFaults({ latencyMs: 15, path: "/v2/bookings" });
  const accounts: Awaited<ReturnType<typeof connectedUser>>[] = [];
  for (let i = 0; i < 12; i++) accounts.push(await connectedUser(stack, 300, 100 + i));
  const ids = accounts.map((a) => a.connectionId).sort();

  await t.step("six workers started at once over twelve connections claim each one once", async () => {
    // The dispatcher creates the schedule rows; here the workers are called directly, so make them.
    for (const id of ids) await setSchedule(stack, id, { next_due_at: stack.deps.now() });
    const answers = await Promise.all(Array.from({ length: 6 }, () => work(stack)));
    for (const answer of answers) assert.equal(answer.status, 200);
    const results: Result[] = answers.flatMap((a) => a.body.results);
    assert.deepEqual(results.map((r) => r.connectionId).sort(), ids, "every connection once");
    assert.ok(results.every((r) => r.status === "succeeded" && r.count === 300));
    const runs = await sql`
      select calcom_connection_id as id, count(*)::int as n from public.calcom_sync_runs group by 1`;
    assert.deepEqual(runs.map((r) => [r.id, r.n]).sort(), ids.map((id) => [id, 1]));
    // After its first sync each connection is reconciled too: a read of its start-time window (afterStart).
    assert.ok(results.every((r) => r.reconciled?.status === "succeeded"), "each connection reconciled once");
    for (const a of accounts) {
      const syncReads = bookingRequests(stack, a.cal.apiKey).filter((r) => r.query.afterStart === undefined);
      assert.equal(syncReads.length, fullSyncPages(300));
      await assertMirrors(stack, a.connectionId, a.cal, 3);
    }
  });

  await t.step("each released lease is due again after the active interval", async () => {
    for (const id of ids) {
      const row = await scheduleRow(stack, id);
      assert.ok(row?.last_run_at);
      assert.deepEqual({ ...row, next_due_at: row.next_due_at.getTime() - row.last_run_at.getTime() }, {
        ...row,
        next_due_at: defaultCadence.activeIntervalMs,
        consecutive_failures: 0,
        last_outcome: "succeeded",
        last_change_at: row.last_run_at,
        leased_until: null,
        lease_owner: null,
      });
    }
  });

  await t.step("nothing is due until the interval passes: a sweep then claims nothing", async () => {
    const res = await dispatch(stack);
    assert.equal(res.status, 200);
    assert.deepEqual(
      [res.body.status, res.body.connections, res.body.due, res.body.workers, res.body.claimed],
      ["succeeded", 12, 0, 0, 0],
    );
  });

  await t.step("a sweep through the dispatcher's four workers brings each connection current", async () => {
    stack.advanceClock(defaultCadence.activeIntervalMs);
    for (const a of accounts.slice(0, 3)) await sandbox.createBooking(a.cal.user.id);
    const sweepStart = stack.deps.now();
    const before = accounts.map((a) => bookingRequests(stack, a.cal.apiKey).length);
    const res = await dispatch(stack);
    assert.equal(res.status, 200);
    const { results, ...summary } = res.body;
    assert.deepEqual(summary, {
      success: true,
      source: "api",
      status: "succeeded",
      connections: 12,
      due: 12,
      workers: 4,
      claimed: 12,
      done: 12,
      quiet: 9,
      failed: 0,
      partial: 0,
      skipped: 0,
      remaining: 0,
      tookOver: 0,
      workerErrors: 0,
      deferred: [],
      prunedRuns: 0,
    });
    assert.deepEqual(results.map((r: Result) => r.connectionId).sort(), ids);
    // The nine unchanged ones were answered by the quiet check: one request each, no run recorded.
    const changed = new Set(accounts.slice(0, 3).map((a) => a.connectionId));
    for (const r of results as Result[]) {
      assert.equal(r.quiet, changed.has(r.connectionId) ? undefined : true, r.connectionId);
      assert.equal(r.count, changed.has(r.connectionId) ? 1 : 0);
    }
    const runs = await sql`
      select calcom_connection_id as id, count(*)::int as n from public.calcom_sync_runs group by 1`;
    assert.deepEqual(
      runs.map((r) => [r.id, r.n]).sort(),
      ids.map((id) => [id, changed.has(id) ? 2 : 1]),
    );
    for (const a of accounts.slice(0, 3)) await assertMirrors(stack, a.connectionId, a.cal, 3);
    // Each connection asked Cal.com for its changes once in this sweep: the changed ones' runs went on
    // from the quiet check's page instead of asking again.
    const after = accounts.map((a) => bookingRequests(stack, a.cal.apiKey).length);
    assert.deepEqual(after.map((n, i) => n - before[i]), accounts.map(() => 1));
    const synced = await sql<{ id: string; last_synced_at: Date }[]>`
      select id, last_synced_at from public.calcom_connections`;
    for (const row of synced) assert.ok(row.last_synced_at >= sweepStart, `${row.id} current`);
  });
});

Deno.test("an expired lease is taken over, a live one is left alone", async () => {
  await using stack = await startScheduledStack();
  const crashed = await connectedUser(stack, 5, 201);
  const busy = await connectedUser(stack, 5, 202);
  const now = stack.deps.now();
  // A worker that crashed mid-sync left its lease behind; another one is still working.
  await setSchedule(stack, crashed.connectionId, {
    next_due_at: new Date(now.getTime() - 10 * minute),
    leased_until: new Date(now.getTime() - 1000),
    lease_owner: "worker-crashed",
  });
  await setSchedule(stack, busy.connectionId, {
    next_due_at: new Date(now.getTime() - 20 * minute),
    leased_until: new Date(now.getTime() + 2 * minute),
    lease_owner: "worker-busy",
  });

  const first = await work(stack);
  assert.equal(first.status, 200);
  assert.deepEqual(
    first.body.results.map((r: Result) => [r.connectionId, r.status, r.count]),
    [[crashed.connectionId, "succeeded", 5]],
  );
  assert.equal(first.body.tookOver, 1);
  assert.ok(
    stack.logs.some((l) => l.includes("took over an expired sync lease") && l.includes("worker-crashed")),
  );
  assert.equal((await scheduleRow(stack, busy.connectionId))?.lease_owner, "worker-busy");

  // Once the busy worker's lease has run out too, it is taken over.
  stack.advanceClock(2 * minute);
  const second = await work(stack);
  assert.deepEqual(
    second.body.results.map((r: Result) => [r.connectionId, r.status]),
    [[busy.connectionId, "succeeded"]],
  );
  await assertMirrors(stack, busy.connectionId, busy.cal);
});

Deno.test("a paused connection is never claimed, however long it has been due", async () => {
  await using stack = await startScheduledStack();
  const active = await connectedUser(stack, 3, 301);
  const paused = await connectedUser(stack, 3, 302);
  const first = await dispatch(stack);
  assert.equal(first.body.claimed, 2);
  await stack.db
    .sql`update public.calcom_connections set is_active = false where id = ${paused.connectionId}`;
  stack.advanceClock(7 * 24 * 60 * minute);
  const res = await dispatch(stack);
  assert.deepEqual([res.body.connections, res.body.due, res.body.claimed], [1, 1, 1]);
  assert.deepEqual(res.body.results.map((r: Result) => r.connectionId), [active.connectionId]);
  const runs = await stack.db.sql`
    select count(*)::int as n from public.calcom_sync_runs where calcom_connection_id = ${paused.connectionId}`;
  assert.equal(runs[0].n, 1, "only the sync from before the pause");
});

Deno.test("the connections due longest ago are claimed first, so none starves across sweeps", async () => {
  await using stack = await startScheduledStack();
  const accounts = [];
  for (let i = 0; i < 4; i++) accounts.push(await connectedUser(stack, 0, 400 + i));
  const [a, b, c, d] = accounts.map((x) => x.connectionId);
  const now = stack.deps.now().getTime();
  // Due 1 to 4 minutes ago, inserted out of order.
  for (const [id, ago] of [[c, 2], [a, 4], [d, 1], [b, 3]] as const) {
    await setSchedule(stack, id, { next_due_at: new Date(now - ago * minute) });
  }
  const sweep = async () => (await work(stack, 2)).body.results.map((r: Result) => r.connectionId);
  assert.deepEqual(await sweep(), [a, b]);
  // Later, a and b (synced, idle) are due again, but c and d have waited longer.
  stack.advanceClock(defaultCadence.idleIntervalMs + minute);
  assert.deepEqual(await sweep(), [c, d]);
  assert.deepEqual(await sweep(), [a, b]);
  assert.deepEqual(await sweep(), [], "c and d are not due again yet");
});

Deno.test("a user's own sync and a worker never sync one connection at the same time", async (t) => {
  await using stack = await startScheduledStack();
  const { sandbox } = stack;
  const { user, cal, connectionId } = await connectedUser(stack, 20, 501);
  const running = async () =>
    (await stack.db.sql`
      select 1 from public.calcom_sync_runs where calcom_connection_id = ${connectionId} and status = 'running'`)
      .length > 0;

  await t.step("a worker skips a connection whose owner's sync is running, and retries soon", async () => {
    await setSchedule(stack, connectionId, { next_due_at: stack.deps.now() });
    const { promise: held, resolve: release } = Promise.withResolvers<void>();
    sandbox.setFaults({ path: "/v2/bookings", holdUntil: held });
    const own = postSync(user);
    try {
      await until(running, "the owner's sync to start");
      const res = await work(stack);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: Result) => [r.connectionId, r.status]), [[
        connectionId,
        "skipped",
      ]]);
      const row = await scheduleRow(stack, connectionId);
      assert.equal(row?.last_outcome, "skipped");
      assert.equal(row.next_due_at.getTime() - row.last_run_at!.getTime(), defaultCadence.skippedRetryMs);
      assert.equal(row.lease_owner, null);
    } finally {
      release();
      sandbox.setFaults({});
    }
    const answer = await own;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.count, 20);
    // The owner's sync counts for the schedule: the connection is not due again for the active interval.
    const row = await scheduleRow(stack, connectionId);
    assert.equal(row?.last_outcome, "succeeded");
    assert.equal(row.next_due_at.getTime() - row.last_run_at!.getTime(), defaultCadence.activeIntervalMs);
  });

  await t.step("the owner's sync answers 409 while a worker's run syncs the connection", async () => {
    stack.advanceClock(defaultCadence.activeIntervalMs);
    const booked = await sandbox.createBooking(cal.user.id);
    // A delivery beyond the webhook quota waits to be read again: the worker syncs with a run, no quiet check.
    await stack.db.sql`
      insert into public.calcom_webhook_deferrals (user_id, calcom_connection_id, booking_uid, trigger_event,
                                                   received_at)
      select user_id, id, ${booked.uid}, 'BOOKING_CREATED', now() from public.calcom_connections
      where id = ${connectionId}`;
    const { promise: held, resolve: release } = Promise.withResolvers<void>();
    sandbox.setFaults({ path: "/v2/bookings", holdUntil: held });
    const worker = work(stack);
    try {
      await until(running, "the worker's sync to start");
      const res = await postSync(user);
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, "conflict");
    } finally {
      release();
      sandbox.setFaults({});
    }
    const answer = await worker;
    // the changed booking, and the same booking read again for its deferred delivery
    assert.deepEqual(answer.body.results.map((r: Result) => [r.status, r.count]), [["succeeded", 2]]);
    await assertMirrors(stack, connectionId, cal);
    const runs = await stack.db.sql`
      select trigger, status from public.calcom_sync_runs where calcom_connection_id = ${connectionId}
      order by started_at`;
    assert.deepEqual(runs.map((r) => [r.trigger, r.status]), [["manual", "succeeded"], [
      "scheduled",
      "succeeded",
    ]]);
  });

  await t.step(
    "the owner's sync during a worker's quiet check goes ahead; the worker then skips",
    async () => {
      stack.advanceClock(defaultCadence.activeIntervalMs);
      await sandbox.createBooking(cal.user.id);
      const { promise: held, resolve: release } = Promise.withResolvers<void>();
      const requests = sandbox.requests.length;
      sandbox.setFaults({ path: "/v2/bookings", holdUntil: held });
      const worker = work(stack);
      let own: ReturnType<typeof postSync>;
      try {
        await until(() => sandbox.requests.length > requests, "the worker's check to reach Cal.com");
        assert.equal(await running(), false, "a quiet check is no run");
        own = postSync(user);
        await until(running, "the owner's sync to start");
      } finally {
        release();
        sandbox.setFaults({});
      }
      const answer = await worker;
      // The check saw the change; its run then met the owner's and left the connection to it.
      assert.deepEqual(answer.body.results.map((r: Result) => r.status), ["skipped"]);
      const mine = await own!;
      assert.deepEqual([mine.status, mine.body.count], [200, 1]);
      await assertMirrors(stack, connectionId, cal);
    },
  );
});

Deno.test("a worker that cannot be reached leaves the due connections for the next sweep", async () => {
  // Port 9 on 127.0.0.1 (discard) refuses connections on a machine without that service.
  await using stack = await startScheduledStack({ workerUrl: "http://127.0.0.1:9/scheduled/work" });
  const { connectionId } = await connectedUser(stack, 2, 601);
  const res = await dispatch(stack);
  assert.equal(res.status, 200);
  assert.deepEqual(
    [
      res.body.status,
      res.body.due,
      res.body.workers,
      res.body.workerErrors,
      res.body.remaining,
      res.body.deferred,
    ],
    ["partial", 1, 1, 1, 1, [connectionId]],
  );
  assert.ok(stack.logs.some((l) => l.includes("scheduled sync worker did not answer")));
});
