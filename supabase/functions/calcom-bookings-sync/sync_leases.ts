/**
 * The `calcom_sync_schedule` bookkeeping of the scheduled sync: rows for new connections, what is due,
 * claiming a batch of due connections with expiring leases (`for update skip locked`, oldest due first,
 * expired leases taken over), and releasing them with their next due times, a batch per statement. Every
 * function takes the transaction it runs in, as service role, and the caller's clock.
 *
 * A lease keeps other workers away; the sync run's own guard (one running run per connection, see
 * `sync_run_store.ts`) keeps a user's sync and a worker apart, and covers a lease that expired under a
 * run still alive.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import type { QuietCandidate } from "./quiet_check.ts";
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
  /**
   * What the quiet check needs (`quiet_check.ts`), when the connection may be checked that way: its last
   * unscoped run completed and left the connection's watermark, no run is going on and no webhook
   * delivery waits to be read again (`calcom_webhook_deferrals`). Absent: it syncs.
   */
  quiet?: QuietCandidate;
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
 * Claims up to `limit` active connections due longest ago whose leases are free or expired, leasing them
 * to `owner` until `now + leaseMs`, oldest due first. Rows other workers are claiming right now are
 * skipped, not waited for. Empty when nothing is due. Also tells, per connection, whether its
 * reconciliation is due (its last one began `reconcileCadenceMs` ago or more, by the database's clock as
 * reconcile_schedule.ts counts) and whether the quiet check may stand for its sync (see
 * {@linkcode SyncLease.quiet}).
 */
export async function claimDueConnections(
  tx: Tx,
  input: { owner: string; now: Date; leaseMs: number; reconcileCadenceMs: number; limit: number },
): Promise<SyncLease[]> {
  const leasedUntil = new Date(input.now.getTime() + input.leaseMs);
  const rows = await tx<
    {
      id: string;
      previous_owner: string | null;
      consecutive_failures: number;
      last_change_at: Date | null;
      reconcile_due: boolean;
      quiet: boolean;
      user_id: string;
      auth_kind: "api_key" | "oauth";
      api_key_encrypted: string;
      calcom_api_url: string | null;
      sync_watermark: Date | null;
      watermark_uids: unknown;
    }[]
  >`
    with picked as (
      select s.calcom_connection_id, s.lease_owner
      from public.calcom_sync_schedule s
      join public.calcom_connections c on c.id = s.calcom_connection_id
      where c.is_active and s.next_due_at <= ${input.now}
        and (s.leased_until is null or s.leased_until <= ${input.now})
      order by s.next_due_at, s.calcom_connection_id
      limit ${input.limit}
      for update of s skip locked
    ), leased as (
      update public.calcom_sync_schedule s
      set leased_until = ${leasedUntil}, lease_owner = ${input.owner}
      from picked
      where s.calcom_connection_id = picked.calcom_connection_id
      returning s.calcom_connection_id as id, picked.lease_owner as previous_owner, s.consecutive_failures,
                s.last_change_at, s.next_due_at
    ), claimed as (
      select l.*, c.user_id, c.auth_kind, c.api_key_encrypted, c.calcom_api_url, c.sync_watermark,
             c.last_sync_status,
             (c.last_reconciled_at is null
               or c.last_reconciled_at <= now() - make_interval(secs => ${input.reconcileCadenceMs / 1000}))
               as reconcile_due
      from leased l
      join public.calcom_connections c on c.id = l.id
    )
    select cl.id, cl.previous_owner, cl.consecutive_failures, cl.last_change_at, cl.reconcile_due,
           cl.user_id, cl.auth_kind, cl.calcom_api_url, cl.sync_watermark,
           coalesce(
             cl.last_sync_status = 'succeeded' and last_run.status = 'succeeded'
               and last_run.watermark_after = cl.sync_watermark
               and not exists (
                 select 1 from public.calcom_sync_runs r
                 where r.calcom_connection_id = cl.id and r.status = 'running')
               and not exists (
                 select 1 from public.calcom_webhook_deferrals d where d.calcom_connection_id = cl.id),
             false) as quiet,
           cl.api_key_encrypted,
           last_run.checkpoint -> 'watermarkUids' as watermark_uids
    from claimed cl
    left join lateral (
      select r.status, r.watermark_after, r.checkpoint
      from public.calcom_sync_runs r
      where r.calcom_connection_id = cl.id and r.status <> 'running' and r.filters = '{}'::jsonb
      order by r.started_at desc, r.created_at desc
      limit 1
    ) last_run on true
    order by cl.next_due_at, cl.id`;
  return rows.map((row) => ({
    connectionId: row.id,
    owner: input.owner,
    leasedUntil,
    tookOverFrom: row.previous_owner,
    state: { consecutiveFailures: row.consecutive_failures, lastChangeAt: row.last_change_at },
    reconcileDue: row.reconcile_due,
    ...(row.quiet && row.sync_watermark
      ? {
        quiet: {
          credential: {
            id: row.id,
            userId: row.user_id,
            authKind: row.auth_kind,
            apiKeyEncrypted: row.api_key_encrypted,
            calcomApiUrl: row.calcom_api_url,
          },
          watermark: row.sync_watermark,
          watermarkUids: uidList(row.watermark_uids),
        },
      }
      : {}),
  }));
}

/** The stored `watermarkUids` of a checkpoint, or none when absent or not a list of strings. */
function uidList(value: unknown): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : [];
}

/** How a leased connection's sync ended. */
export interface LeaseRelease {
  lease: SyncLease;
  outcome: ScheduleOutcome;
  /** The sync received changed bookings. */
  changed: boolean;
  /** The quiet check stood for the sync: the connection is current as of `now`. */
  quiet: boolean;
  now: Date;
}

/**
 * Ends leases and sets each connection's next due time, in two statements whatever their number: the
 * connections the quiet check found current get `last_synced_at`, then the schedule rows their outcome.
 * Each applies while the lease is still its owner's or free (a worker that found our run alive after our
 * lease expired released it); a worker that took a lease over meanwhile owns that outcome. Returns the
 * ids whose release applied.
 */
export async function releaseLeases(
  tx: Tx,
  releases: readonly LeaseRelease[],
  cadence: SyncCadence,
): Promise<string[]> {
  if (releases.length === 0) return [];
  const quiet = releases.filter((r) => r.quiet);
  // The connection rows first, as a run's finish and a user's sync take them (connection, then schedule).
  if (quiet.length > 0) {
    await tx`
      update public.calcom_connections c
      set last_synced_at = v.checked_at
      from jsonb_to_recordset(${
      tx.json(quiet.map((r) => ({ id: r.lease.connectionId, checked_at: r.now.toISOString() })))
    }::jsonb) as v(id uuid, checked_at timestamptz)
      where c.id = v.id and c.is_active and c.last_sync_status = 'succeeded'`;
  }
  const values = releases.map((r) => {
    const next = nextSchedule(r.lease.state, r.outcome, r.now, r.changed, cadence);
    return {
      id: r.lease.connectionId,
      owner: r.lease.owner,
      next_due_at: next.nextDueAt.toISOString(),
      consecutive_failures: next.consecutiveFailures,
      last_change_at: next.lastChangeAt?.toISOString() ?? null,
      outcome: r.outcome,
      run_at: r.now.toISOString(),
    };
  });
  const rows = await tx<{ id: string }[]>`
    update public.calcom_sync_schedule s
    set leased_until = null, lease_owner = null, next_due_at = v.next_due_at,
        consecutive_failures = v.consecutive_failures, last_change_at = v.last_change_at,
        last_outcome = v.outcome, last_run_at = v.run_at
    from jsonb_to_recordset(${tx.json(values)}::jsonb) as v(
      id uuid, owner text, next_due_at timestamptz, consecutive_failures integer, last_change_at timestamptz,
      outcome text, run_at timestamptz
    )
    where s.calcom_connection_id = v.id and (s.lease_owner = v.owner or s.lease_owner is null)
    returning s.calcom_connection_id as id`;
  return rows.map((r) => r.id);
}

/** Gives back leases of connections this worker claimed but did not get to: due as they were. */
export async function returnLeases(tx: Tx, leases: readonly SyncLease[]): Promise<void> {
  if (leases.length === 0) return;
  await tx`
    update public.calcom_sync_schedule s
    set leased_until = null, lease_owner = null
    from jsonb_to_recordset(${
    tx.json(leases.map((l) => ({ id: l.connectionId, owner: l.owner })))
  }::jsonb) as v(id uuid, owner text)
    where s.calcom_connection_id = v.id and s.lease_owner = v.owner`;
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
