/**
 * A worker reconciles a connection after its sync only when the reconciliation is due, as its lease
 * read it when claiming: not again within the cadence, again once the cadence has passed.
 */
import assert from "node:assert/strict";
import { setSchedule, startScheduledStack, work } from "../../testing/scheduled_test_support.ts";
import { bookingRequests, connectedUser } from "../../testing/sync_test_support.ts";

Deno.test("a worker reconciles only connections whose reconciliation is due", async (t) => {
  await using stack = await startScheduledStack({ workers: 1 });
  const sql = stack.db.sql;
  const a = await connectedUser(stack, 5, 7);
  const reconcileReads = () =>
    bookingRequests(stack, a.cal.apiKey).filter((r) => r.query.afterStart !== undefined).length;

  await t.step("the first sync is followed by a reconciliation", async () => {
    await setSchedule(stack, a.connectionId, { next_due_at: stack.deps.now() });
    const answer = await work(stack);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.results.length, 1);
    assert.equal(answer.body.results[0].reconciled?.status, "succeeded");
  });

  await t.step("within the cadence the next sync skips it", async () => {
    const before = reconcileReads();
    await setSchedule(stack, a.connectionId, { next_due_at: stack.deps.now() });
    const answer = await work(stack);
    assert.equal(answer.body.results[0].status, "succeeded");
    assert.equal(answer.body.results[0].reconciled, undefined);
    assert.equal(reconcileReads(), before);
  });

  await t.step("once the cadence has passed it reconciles again", async () => {
    await sql`update public.calcom_connections set last_reconciled_at = now() - interval '7 hours'
              where id = ${a.connectionId}`;
    await setSchedule(stack, a.connectionId, { next_due_at: stack.deps.now() });
    const answer = await work(stack);
    assert.equal(answer.body.results[0].reconciled?.status, "succeeded");
    const [row] = await sql`select last_reconciled_at > now() - interval '1 hour' as fresh
                            from public.calcom_connections where id = ${a.connectionId}`;
    assert.equal(row.fresh, true);
  });
});
