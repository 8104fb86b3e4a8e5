/**
 * Helpers for the scheduled sync's tests: a stack whose sync function has the cron secret and a pool
 * large enough for workers to run at the same time, calls of the dispatcher and of single workers over
 * real HTTP, the schedule row of a connection, and polling with a deadline.
 *
 * @module
 */
import type { SyncAppOptions } from "../../supabase/functions/calcom-bookings-sync/app.ts";
import { cronSecretHeader } from "../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import type { Sandbox } from "../calcom_sandbox/mod.ts";
import { syncClock } from "./sync_test_support.ts";
import { startTestStack, type TestStack } from "./test_stack.ts";

/** The cron secret of these stacks. */
export const CRON_SECRET = "scheduled-test-cron-secret-0123456789abcdef";

/** A sync stack for scheduled tests: `sync` adds to the app's options (the cron secret is set). */
export function startScheduledStack(sync: SyncAppOptions = {}): Promise<TestStack<Sandbox>> {
  return startTestStack({
    apps: { sync: { cronSecret: CRON_SECRET, ...sync } },
    clock: syncClock,
    // Workers hold a connection each, and the dispatcher one more.
    env: { CALCOM_DB_POOL_MAX: "12" },
  });
}

/** A JSON answer. */
export interface Answer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

async function post(stack: TestStack, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${stack.server.url}/calcom-bookings-sync/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", [cronSecretHeader]: CRON_SECRET },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** `POST …/scheduled`: one sweep through the dispatcher and its workers. */
export function dispatch(stack: TestStack): Promise<Answer> {
  return post(stack, "scheduled", {});
}

/**
 * `POST …/scheduled/work`: one worker, claiming at most `limit` connections when given (a number), or
 * with the body given (`{ limit?, batch? }`).
 */
export function work(stack: TestStack, body?: number | { limit?: number; batch?: number }): Promise<Answer> {
  return post(stack, "scheduled/work", typeof body === "number" ? { limit: body } : body ?? {});
}

/** A connection's `calcom_sync_schedule` row, or undefined. */
export interface ScheduleRow {
  next_due_at: Date;
  consecutive_failures: number;
  last_outcome: string | null;
  last_run_at: Date | null;
  last_change_at: Date | null;
  leased_until: Date | null;
  lease_owner: string | null;
}

/** The schedule row of `connectionId`. */
export async function scheduleRow(stack: TestStack, connectionId: string): Promise<ScheduleRow | undefined> {
  const [row] = await stack.db.sql<ScheduleRow[]>`
    select next_due_at, consecutive_failures, last_outcome, last_run_at, last_change_at, leased_until,
           lease_owner
    from public.calcom_sync_schedule where calcom_connection_id = ${connectionId}`;
  return row;
}

/** Sets a connection's schedule row as given (creating it due at `next_due_at`). */
export async function setSchedule(
  stack: TestStack,
  connectionId: string,
  row: Partial<ScheduleRow> & { next_due_at: Date },
): Promise<void> {
  await stack.db.sql`
    insert into public.calcom_sync_schedule (
      calcom_connection_id, user_id, next_due_at, consecutive_failures, leased_until, lease_owner
    )
    select id, user_id, ${row.next_due_at}, ${row.consecutive_failures ?? 0}, ${row.leased_until ?? null},
           ${row.lease_owner ?? null}
    from public.calcom_connections where id = ${connectionId}
    on conflict (calcom_connection_id) do update
    set next_due_at = excluded.next_due_at, consecutive_failures = excluded.consecutive_failures,
        leased_until = excluded.leased_until, lease_owner = excluded.lease_owner`;
}

/** Waits until `check` holds, polling every 5 ms for at most 10 s. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
