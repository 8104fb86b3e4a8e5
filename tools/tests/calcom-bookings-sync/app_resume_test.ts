/**
 * Runs that stop (a deadline shorter than a page, an injected Cal.com outage, a crash) and resume from
 * their checkpoint; one run per connection at a time.
 */
import assert from "node:assert/strict";
import { type FunctionResponse } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  fullSyncPages,
  postSync,
  syncClock,
} from "../../testing/sync_test_support.ts";

/** Calls until a run succeeds; returns every response. */
async function syncToTheEnd(user: StackUser, limit = 50): Promise<FunctionResponse[]> {
  const responses: FunctionResponse[] = [];
  for (let i = 0; i < limit; i++) {
    const res = await postSync(user);
    responses.push(res);
    if (res.status === 200 && res.body.status === "succeeded") return responses;
  }
  throw new Error(`No successful run after ${limit} calls`);
}

const sum = (responses: FunctionResponse[], field: string) =>
  responses.reduce((n, r) => n + (r.body[field] ?? r.body.error?.details?.[field] ?? 0), 0);

async function runs(stack: TestStack, connectionId: string) {
  return await stack.deps.db.sql`
    select * from public.calcom_sync_runs where calcom_connection_id = ${connectionId} order by started_at, created_at`;
}

Deno.test("calcom-bookings-sync resumes stopped runs from their checkpoint", async (t) => {
  // A deadline shorter than any request: every call saves exactly one page, then stops.
  await using stack = await startTestStack({ apps: { sync: { deadlineMs: 1 } }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;

  await t.step(
    "a run stopped by its deadline is partial, and the next calls finish it without doubling",
    async () => {
      const { user, cal, connectionId } = await connectedUser(stack, 1200, 21);
      const responses = await syncToTheEnd(user);
      const pages = fullSyncPages(1200);
      assert.ok(responses.length >= pages && responses.length <= pages + 1, `${responses.length} calls`);
      for (const [i, res] of responses.entries()) {
        assert.equal(res.status, 200);
        assert.equal(res.body.pages, 1);
        assert.equal(res.body.status, i === responses.length - 1 ? "succeeded" : "partial");
        assert.equal(res.body.resumedFrom, i === 0 ? null : responses[i - 1].body.syncRunId);
      }
      assert.equal(sum(responses, "count"), 1200, "each booking fetched once");
      assert.equal(sum(responses, "created"), 1200);
      assert.equal(bookingRequests(stack, cal.apiKey).length, responses.length, "no page asked twice");
      const chain = await runs(stack, connectionId);
      assert.deepEqual(chain.map((r) => r.status), responses.map((r) => r.body.status));
      assert.ok(chain.every((r) => r.mode === "full"));
      await assertMirrors(stack, connectionId, cal);
    },
  );

  await t.step(
    "while a chain is partial the watermark stays put; it moves when the chain completes",
    async () => {
      const { user, connectionId } = await connectedUser(stack, 600, 22);
      const first = await postSync(user);
      assert.equal(first.body.status, "partial");
      const [during] = await sql`
      select sync_watermark, last_sync_status, last_synced_at from public.calcom_connections where id = ${connectionId}`;
      assert.deepEqual(during, { sync_watermark: null, last_sync_status: "partial", last_synced_at: null });
      await syncToTheEnd(user);
      const [after] =
        await sql`select sync_watermark from public.calcom_connections where id = ${connectionId}`;
      assert.ok(after.sync_watermark);
    },
  );

  await t.step(
    "a Cal.com outage fails the run, and the next call resumes it with nothing lost or doubled",
    async () => {
      const { user, cal, connectionId } = await connectedUser(stack, 1000, 23);
      const first = await postSync(user);
      assert.equal(first.body.status, "partial");
      sandbox.setFaults({ path: "/v2/bookings", errorRate: 1, errorStatus: 503 });
      const failed = await postSync(user);
      sandbox.setFaults({});
      assert.equal(failed.status, 502);
      assert.equal(failed.body.error.code, "calcom_unavailable");
      assert.equal(failed.body.error.details.resumedFrom, first.body.syncRunId);
      const rest = await syncToTheEnd(user);
      assert.equal(
        rest[0].body.resumedFrom,
        failed.body.error.details.syncRunId,
        "the failed run is resumed",
      );
      const all = [first, failed, ...rest];
      assert.equal(sum(all, "count"), 1000);
      assert.equal(sum(all, "created"), 1000);
      const answered = bookingRequests(stack, cal.apiKey).filter((r) => r.fault === undefined);
      assert.equal(answered.length, 1 + rest.length, "the pages before the outage were not asked again");
      const chain = await runs(stack, connectionId);
      assert.deepEqual(chain[1].status, "failed");
      assert.deepEqual(chain[1].error_code, "calcom_unavailable");
      await assertMirrors(stack, connectionId, cal);
    },
  );

  await t.step("bookings changed while a chain was stopped are mirrored by the next sync", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 800, 24);
    assert.equal((await postSync(user)).body.status, "partial");
    const upcoming = sandbox.bookings(cal.user.id).filter((b) =>
      b.status === "accepted" && Date.parse(b.start) > sandbox.now().getTime()
    );
    await sandbox.cancelBooking(upcoming[0].uid);
    await sandbox.rescheduleBooking(upcoming[1].uid, new Date(Date.parse(upcoming[1].start) + 3_600_000));
    await sandbox.createBooking(cal.user.id);
    await syncToTheEnd(user);
    const next = await postSync(user);
    assert.equal(next.body.mode, "incremental");
    await assertMirrors(stack, connectionId, cal, 1000);
  });

  await t.step("a crashed run is taken over and resumed; a live one answers 409 with its id", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 700, 25);
    const first = await postSync(user);
    assert.equal(first.body.status, "partial");
    // The run died mid-way: still 'running', its last heartbeat long ago. Heartbeats are written and
    // judged by the function's clock (this process), so the test writes them with that clock too.
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    await sql`
      update public.calcom_sync_runs set status = 'running', finished_at = null,
        heartbeat_at = ${hoursAgo(2)}
      where id = ${first.body.syncRunId}`;
    const second = await postSync(user);
    assert.equal(second.status, 200);
    assert.equal(second.body.resumedFrom, first.body.syncRunId);
    const [crashed] = await sql`select status, error_code, error from public.calcom_sync_runs
      where id = ${first.body.syncRunId}`;
    assert.equal(crashed.status, "failed");
    assert.equal(crashed.error_code, "interrupted");
    assert.match(crashed.error, /^Run stopped without finishing: no progress since /);

    await sql`
      update public.calcom_sync_runs set status = 'running', finished_at = null, heartbeat_at = ${hoursAgo(0)}
      where id = ${second.body.syncRunId}`;
    const refused = await postSync(user);
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.body, {
      success: false,
      error: {
        code: "conflict",
        message: "A sync of this connection is already running",
        details: { syncRunId: second.body.syncRunId },
      },
    });
    await sql`update public.calcom_sync_runs set heartbeat_at = ${hoursAgo(2)}
      where id = ${second.body.syncRunId}`;
    await syncToTheEnd(user);
    await assertMirrors(stack, connectionId, cal);
  });

  await t.step(
    "two syncs of one connection at once: one runs, the other gets 409 with its run id",
    async () => {
      const { user, connectionId } = await connectedUser(stack, 300, 26);
      sandbox.setFaults({ path: "/v2/bookings", latencyMs: 400 });
      const [a, b] = await Promise.all([postSync(user), postSync(user)]);
      sandbox.setFaults({});
      const ok = [a, b].find((r) => r.status === 200);
      const refused = [a, b].find((r) => r.status === 409);
      assert.ok(ok && refused, `statuses ${a.status} ${b.status}`);
      assert.equal(refused.body.error.code, "conflict");
      assert.equal(refused.body.error.details.syncRunId, ok.body.syncRunId);
      assert.equal((await runs(stack, connectionId)).length, 1);
    },
  );
});
