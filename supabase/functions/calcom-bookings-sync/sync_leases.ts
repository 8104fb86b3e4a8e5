/**
 * The `calcom_sync_schedule` bookkeeping of the scheduled sync: rows for new connections, what is due,
 * claiming one due connection with an expiring lease (`for update skip locked`, oldest due first, an
 * expired lease taken over), and releasing it with the next due time. Every function takes the
 * transaction it runs in, as service role, and the caller's clock.
 *
 * A lease keeps other workers away; the sync run's own guard (one running run per connection, see
 * `sync_run_store.ts`) keeps a user's sync and a worker apart, and covers a lease that expired under a
 * run still alive.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import {
  nextSchedule,
  type ScheduleOutcome,
  type ScheduleState,
  type SyncCadence,
} from "./connection_schedule.ts";

/** A claimed connection. */
export interface SyncLease {
  connectionId: string;
  owner: string;
  leasedUntil: Date;
  /** The owner of the expired lease this claim took over, if any. */
  tookOverFrom: string | null;
  state: ScheduleState;
  /**
   * The connection's reconciliation was due when it was claimed (see reconcile_schedule.ts); a sync of a
   * connection that was not due skips asking again.
   */
  reconcileDue: boolean;
}

/** Gives every active connection without a schedule row one, due at `now`. Returns how many it added. */
export async function addNewConnections(tx: Tx, now: Date): Promise<number> {
  const added = await tx`
    insert into public.calcom_sync_schedule (calcom_connection_id, user_id, next_due_at)
    select c.id, c.user_id, ${now} from public.calcom_connections c
    where c.is_active
      and not exists (select 1 from public.calcom_sync_schedule s where s.calcom_connection_id = c.id)
    on conflict (calcom_connection_id) do nothing
    returning calcom_connection_id`;
  return added.length;
}

/** Active connections, and those due at `now` that no live lease holds. */
export async function countDue(tx: Tx, now: Date): Promise<{ active: number; due: number }> {
  const [row] = await tx<{ active: number; due: number }[]>`
    select count(*)::int as active,
           (count(*) filter (
             where s.next_due_at <= ${now} and (s.leased_until is null or s.leased_until <= ${now})
           ))::int as due
    from public.calcom_connections c
    left join public.calcom_sync_schedule s on s.calcom_connection_id = c.id
    where c.is_active`;
  return row;
}

/** Up to `limit` ids of active connections due at `now` and not leased, oldest due first. */
export async function dueConnectionIds(tx: Tx, now: Date, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select s.calcom_connection_id as id
    from public.calcom_sync_schedule s
    join public.calcom_connections c on c.id = s.calcom_connection_id
    where c.is_active and s.next_due_at <= ${now} and (s.leased_until is null or s.leased_until <= ${now})
    order by s.next_due_at, s.calcom_connection_id
    limit ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Claims the active connection due longest ago whose lease is free or expired, leasing it to `owner`
 * until `now + leaseMs`. Rows other workers are claiming right now are skipped, not waited for.
 * Undefined when nothing is due. Also tells whether the connection's reconciliation is due (its last one
 * began `reconcileCadenceMs` ago or more, by the database's clock as reconcile_schedule.ts counts).
 */
export async function claimDueConnection(
  tx: Tx,
  input: { owner: string; now: Date; leaseMs: number; reconcileCadenceMs: number },
): Promise<SyncLease | undefined> {
  const leasedUntil = new Date(input.now.getTime() + input.leaseMs);
  const [row] = await tx<
    {
      id: string;
      previous_owner: string | null;
      consecutive_failures: number;
      last_change_at: Date | null;
      reconcile_due: boolean;
    }[]
  >`
    with picked as (
      select s.calcom_connection_id, s.lease_owner,
             (c.last_reconciled_at is null
               or c.last_reconciled_at <= now() - make_interval(secs => ${input.reconcileCadenceMs / 1000}))
               as reconcile_due
      from public.calcom_sync_schedule s
      join public.calcom_connections c on c.id = s.calcom_connection_id
      where c.is_active and s.next_due_at <= ${input.now}
        and (s.leased_until is null or s.leased_until <= ${input.now})
      order by s.next_due_at, s.calcom_connection_id
      limit 1
      for update of s skip locked
    )
    update public.calcom_sync_schedule s
    set leased_until = ${leasedUntil}, lease_owner = ${input.owner}
    from picked
    where s.calcom_connection_id = picked.calcom_connection_id
    returning s.calcom_connection_id as id, picked.lease_owner as previous_owner, s.consecutive_failures,
              s.last_change_at, picked.reconcile_due`;
  if (!row) return undefined;
  return {
    connectionId: row.id,
    owner: input.owner,
    leasedUntil,
    tookOverFrom: row.previous_owner,
    state: { consecutiveFailures: row.consecutive_failures, lastChangeAt: row.last_change_at },
    reconcileDue: row.reconcile_due,
  };
}

/** How a leased connection's sync ended. */
export interface LeaseRelease {
  outcome: ScheduleOutcome;
  /** The sync received changed bookings. */
  changed: boolean;
  now: Date;
  cadence: SyncCadence;
}

/**
 * Ends `lease` and sets the connection's next due time. Applies while the lease is still `lease.owner`'s
 * or free (a worker that found our run alive after our lease expired released it); a worker that took
 * the lease over meanwhile owns the outcome. Returns whether it applied.
 */
export async function releaseLease(tx: Tx, lease: SyncLease, release: LeaseRelease): Promise<boolean> {
  const next = nextSchedule(lease.state, release.outcome, release.now, release.changed, release.cadence);
  const rows = await tx`
    update public.calcom_sync_schedule
    set leased_until = null, lease_owner = null, next_due_at = ${next.nextDueAt},
        consecutive_failures = ${next.consecutiveFailures}, last_change_at = ${next.lastChangeAt},
        last_outcome = ${release.outcome}, last_run_at = ${release.now}
    where calcom_connection_id = ${lease.connectionId}
      and (lease_owner = ${lease.owner} or lease_owner is null)
    returning 1`;
  return rows.length > 0;
}

/**
 * Records a sync the connection's owner started (not a worker's) on its schedule, so the scheduler
 * counts it: a succeeded sync moves the next due time on, a failure backs off. Left alone while a
 * worker's live lease holds the row (that worker records its own outcome).
 */
export async function recordOwnerSync(
  tx: Tx,
  input: { connectionId: string; outcome: Exclude<ScheduleOutcome, "skipped">; changed: boolean },
  now: Date,
  cadence: SyncCadence,
): Promise<void> {
  const [row] = await tx<{ consecutive_failures: number; last_change_at: Date | null; user_id: string }[]>`
    select c.user_id, coalesce(s.consecutive_failures, 0) as consecutive_failures, s.last_change_at
    from public.calcom_connections c
    left join public.calcom_sync_schedule s on s.calcom_connection_id = c.id
    where c.id = ${input.connectionId}`;
  if (!row) return;
  const next = nextSchedule(
    { consecutiveFailures: row.consecutive_failures, lastChangeAt: row.last_change_at },
    input.outcome,
    now,
    input.changed,
    cadence,
  );
  await tx`
    insert into public.calcom_sync_schedule (
      calcom_connection_id, user_id, next_due_at, consecutive_failures, last_change_at, last_outcome,
      last_run_at
    ) values (
      ${input.connectionId}, ${row.user_id}, ${next.nextDueAt}, ${next.consecutiveFailures},
      ${next.lastChangeAt}, ${input.outcome}, ${now}
    )
    on conflict (calcom_connection_id) do update
    set next_due_at = excluded.next_due_at, consecutive_failures = excluded.consecutive_failures,
        last_change_at = excluded.last_change_at, last_outcome = excluded.last_outcome,
        last_run_at = excluded.last_run_at
    where calcom_sync_schedule.leased_until is null or calcom_sync_schedule.leased_until <= ${now}`;
}
