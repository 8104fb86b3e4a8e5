/**
 * The scheduled sync's backoff: a connection whose syncs keep failing is due again later and later, up to
 * the cap, and back on its normal interval once a sync succeeds; one whose key Cal.com rejects is paused
 * and never claimed until it is active again.
 */
import assert from "node:assert/strict";
import {
  defaultCadence,
  failureBackoffMs,
} from "../../../supabase/functions/calcom-bookings-sync/connection_schedule.ts";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { dispatch, scheduleRow, startScheduledStack } from "../../testing/scheduled_test_support.ts";
import { assertMirrors, connectedUser, insertConnection } from "../../testing/sync_test_support.ts";

interface Result {
  connectionId: string;
  status: string;
  error?: { code: string };
}

Deno.test("a connection whose syncs keep failing backs off exponentially up to the cap", async () => {
  await using stack = await startScheduledStack();
  const { sandbox } = stack;
  const { connectionId, cal } = await connectedUser(stack, 10, 701);
  sandbox.setFaults({ path: "/v2/bookings", errorRate: 1, errorStatus: 503 });
  const delays: number[] = [];
  for (let failures = 1; failures <= 9; failures++) {
    const res = await dispatch(stack);
    assert.deepEqual(
      res.body.results.map((r: Result) => [r.connectionId, r.status, r.error?.code]),
      [[connectionId, "failed", "calcom_unavailable"]],
      `failure ${failures}`,
    );
    const row = await scheduleRow(stack, connectionId);
    assert.equal(row?.consecutive_failures, failures);
    assert.equal(row.last_outcome, "failed");
    const delay = row.next_due_at.getTime() - row.last_run_at!.getTime();
    delays.push(delay);
    // Not claimed a second before it is due, claimed once it is.
    stack.advanceClock(delay - 1000);
    const early = await dispatch(stack);
    assert.deepEqual([early.body.due, early.body.claimed], [0, 0], `not due before backoff ${failures}`);
    stack.advanceClock(1000);
  }
  const minute = 60_000;
  assert.deepEqual(delays.map((d) => d / minute), [5, 10, 20, 40, 80, 160, 320, 360, 360]);
  assert.deepEqual(delays, delays.map((_, i) => failureBackoffMs(i + 1)));

  sandbox.setFaults({});
  const res = await dispatch(stack);
  assert.deepEqual(res.body.results.map((r: Result) => r.status), ["succeeded"]);
  const row = await scheduleRow(stack, connectionId);
  assert.equal(row?.consecutive_failures, 0);
  assert.equal(row.next_due_at.getTime() - row.last_run_at!.getTime(), defaultCadence.activeIntervalMs);
  await assertMirrors(stack, connectionId, cal);
});

Deno.test("a connection whose key Cal.com rejects is paused and left alone until it is active again", async () => {
  await using stack = await startScheduledStack();
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  stack.sandbox.seedBookings(cal.user.id, 4);
  const connectionId = await insertConnection(stack, user, cal, {
    apiKey: "cal_test_revoked2222222222222222",
  });

  const first = await dispatch(stack);
  assert.deepEqual(
    first.body.results.map((r: Result) => [r.status, r.error?.code]),
    [["failed", "invalid_api_key"]],
  );
  const row = await scheduleRow(stack, connectionId);
  assert.equal(row?.consecutive_failures, 1);
  stack.advanceClock(defaultCadence.failureCapMs);
  const later = await dispatch(stack);
  assert.deepEqual([later.body.connections, later.body.due, later.body.claimed], [0, 0, 0]);

  // Reconnected with a valid key: the backoff already ran out, so the next sweep syncs it.
  const apiKeyEncrypted = await stack.deps.secrets.encrypt(
    cal.apiKey,
    connectionSecret("api_key_encrypted", { id: connectionId, userId: user.id }),
  );
  await stack.db.sql`
    update public.calcom_connections set api_key_encrypted = ${apiKeyEncrypted}, is_active = true
    where id = ${connectionId}`;
  const res = await dispatch(stack);
  assert.deepEqual(res.body.results.map((r: Result) => [r.connectionId, r.status]), [[
    connectionId,
    "succeeded",
  ]]);
  assert.equal((await scheduleRow(stack, connectionId))?.consecutive_failures, 0);
  await assertMirrors(stack, connectionId, cal);
});
