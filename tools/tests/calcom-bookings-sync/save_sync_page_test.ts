/**
 * The run bookkeeping racing a disconnect: deleting a connection while a page of its sync is being saved
 * must queue behind the page (or the page behind it), never deadlock.
 */
import assert from "node:assert/strict";
import { startTestStack } from "../../testing/test_stack.ts";
import { testBookingRow } from "../../testing/booking_test_data.ts";
import { fullCheckpoint } from "../../../supabase/functions/calcom-bookings-sync/sync_plan.ts";
import { saveSyncPage } from "../../../supabase/functions/calcom-bookings-sync/save_sync_page.ts";
import {
  startSyncRun,
  SyncConnectionGoneError,
} from "../../../supabase/functions/calcom-bookings-sync/sync_run_store.ts";
import { connectedUser } from "../../testing/sync_test_support.ts";

const PAUSE_KEY = 774_211;

Deno.test("a connection deleted while a sync page is being saved is deleted without a deadlock", async () => {
  await using stack = await startTestStack({ apps: { sync: true } });
  const { sql } = stack.db;
  const { connectionId } = await connectedUser(stack);
  // Holds the page's booking insert (after it took the run row) until the delete is queued.
  await sql`
    create function public.r1_pause_insert() returns trigger language plpgsql as $$
    begin perform pg_advisory_xact_lock_shared(${sql.unsafe(String(PAUSE_KEY))}); return new; end $$`;
  await sql`
    create trigger r1_pause before insert on public.calcom_bookings
    for each row execute function public.r1_pause_insert()`;
  const { deps } = stack;
  const started = await deps.db.asService((tx) =>
    startSyncRun(tx, {
      connectionId,
      trigger: "manual",
      full: true,
      scope: {},
      now: new Date(),
      staleAfterMs: 60_000,
    })
  );
  const waiting = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from pg_locks where not granted`;
      if (n >= count) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`Fewer than ${count} lock waits after 10 s`);
  };

  const gate = await sql.reserve();
  try {
    await gate`select pg_advisory_lock(${PAUSE_KEY})`;
    const page = deps.db.asService((tx) =>
      saveSyncPage(tx, {
        run: started.run,
        userId: started.userId,
        rows: [testBookingRow()],
        fetched: 1,
        checkpoint: { plan: fullCheckpoint(), chainStartedAt: new Date().toISOString() },
        now: new Date(),
      })
    );
    await waiting(1);
    const deletion = deps.db.asService((tx) =>
      tx`delete from public.calcom_connections where id = ${connectionId} returning id`
    );
    await waiting(2);
    await gate`select pg_advisory_unlock(${PAUSE_KEY})`;
    const [saved, deleted] = await Promise.allSettled([page, deletion]);

    assert.equal(deleted.status, "fulfilled", deleted.status === "rejected" ? String(deleted.reason) : "");
    assert.equal(deleted.value.length, 1);
    assert.ok(
      saved.status === "fulfilled" || saved.reason instanceof SyncConnectionGoneError,
      saved.status === "rejected" ? String(saved.reason) : "",
    );
  } finally {
    gate.release();
  }
  const [left] = await sql<{ bookings: number; runs: number }[]>`
    select (select count(*)::int from public.calcom_bookings) as bookings,
           (select count(*)::int from public.calcom_sync_runs) as runs`;
  assert.deepEqual(left, { bookings: 0, runs: 0 });
});
