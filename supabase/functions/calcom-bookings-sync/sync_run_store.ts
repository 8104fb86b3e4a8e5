/**
 * The `calcom_sync_runs` bookkeeping of a sync: starting a run (one per connection at a time, taking
 * over a crashed one, resuming a stopped one), finishing it (the run's outcome and the connection's
 * sync state) and pruning old runs. Saving a page is `save_sync_page.ts`. Every function takes the
 * transaction it runs in, as service role: ownership was checked under RLS before.
 *
 * @module
 */
import { z } from "zod";
import type { Tx } from "../_shared/platform/db.ts";
import type { KeyUser } from "../_shared/bookings/key_relation.ts";
import {
  type FinalWatermark,
  fullCheckpoint,
  incrementalCheckpoint,
  SyncCheckpointSchema,
  type SyncScope,
} from "./sync_plan.ts";

/** What started a run. */
export type SyncTrigger = "manual" | "scheduled";
/** How a run reads: every booking again, or what changed since the watermark. */
export type SyncMode = "full" | "incremental";
/** A run's outcome. */
export type SyncRunStatus = "running" | "succeeded" | "partial" | "failed";
/** Why a run failed (stored in `error_code`). */
export type SyncErrorCode =
  | "invalid_api_key"
  | "rate_limited"
  | "calcom_unavailable"
  | "interrupted"
  | "internal_error";

/** What `calcom_sync_runs.checkpoint` holds. */
const StoredCheckpointSchema = z.object({
  plan: SyncCheckpointSchema,
  /** When the first run of this chain began: the watermark stays a lag behind it. */
  chainStartedAt: z.iso.datetime(),
  /** A succeeded run's final watermark uids, which the next incremental run need not write again. */
  watermarkUids: z.array(z.string()).optional(),
});

/** What `calcom_sync_runs.checkpoint` holds: a run's plan and its chain's start. */
export type StoredCheckpoint = z.infer<typeof StoredCheckpointSchema>;

/** A `calcom_sync_runs` row as the functions read it. */
export interface SyncRunRow {
  id: string;
  user_id: string;
  calcom_connection_id: string;
  trigger: SyncTrigger;
  mode: SyncMode;
  status: SyncRunStatus;
  filters: SyncScope;
  pages: number;
  fetched: number;
  created: number;
  updated: number;
  watermark_before: Date | null;
  watermark_after: Date | null;
  error: string | null;
  error_code: SyncErrorCode | null;
  checkpoint: unknown;
  resumed_from_run_id: string | null;
  started_at: Date;
  heartbeat_at: Date;
  finished_at: Date | null;
}

/** Another run of the connection is in progress (and alive). */
export class SyncConflictError extends Error {
  constructor(readonly runId: string) {
    super(`A sync of this connection is already running (run ${runId})`);
    this.name = "SyncConflictError";
  }
}

/** The run was taken over (its heartbeat looked dead to another caller): this caller must stop. */
export class SyncRunLostError extends Error {
  constructor(readonly runId: string) {
    super(`Sync run ${runId} is no longer running: another sync took it over`);
    this.name = "SyncRunLostError";
  }
}

/** The connection is gone (deleted while we worked). */
export class SyncConnectionGoneError extends Error {
  constructor(readonly connectionId: string) {
    super(`Connection ${connectionId} no longer exists`);
    this.name = "SyncConnectionGoneError";
  }
}

/** What {@linkcode startSyncRun} needs. */
export interface StartSyncRunInput {
  connectionId: string;
  trigger: SyncTrigger;
  /** Read every booking again rather than what changed since the watermark. */
  full: boolean;
  /** Narrows the run; a scoped run never moves the connection's watermark. */
  scope: SyncScope;
  now: Date;
  /** A running run whose heartbeat is older than this crashed: it is marked failed and resumed. */
  staleAfterMs: number;
}

/** A started run and what the engine needs to carry it on. */
export interface StartedSyncRun {
  run: SyncRunRow;
  userId: string;
  /** The connection's encrypted API key (decrypted by the caller, bound to the connection and its user). */
  apiKeyEncrypted: string;
  /** How the connection authenticates: with its API key, or with OAuth tokens. */
  authKind: "api_key" | "oauth";
  /** The connection's Cal.com server (`calcom_api_url`), null for the default. */
  calcomApiUrl: string | null;
  /** The Cal.com user the key belongs to: how it relates to each booking is recorded with it. */
  keyUser: KeyUser;
  checkpoint: StoredCheckpoint;
  /** The connection's watermark when the chain began (the next one is never earlier). */
  previousWatermark: string | null;
  /** The crashed run this start marked failed, if any. */
  tookOverRunId: string | null;
}

const RUN_COLUMNS =
  `id, user_id, calcom_connection_id, trigger, mode, status, filters, pages, fetched, created,
  updated, watermark_before, watermark_after, error, error_code, checkpoint, resumed_from_run_id, started_at,
  heartbeat_at, finished_at`;

/**
 * The scope as stored in `filters`: only the keys given, statuses sorted, so equal scopes compare equal
 * as jsonb (and a stopped run is continued by a call that asks for the same thing in another order).
 */
function scopeFilters(scope: SyncScope): Record<string, string | string[]> {
  const entries = Object.entries(scope).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.map(([k, v]) => [
    k,
    v instanceof Date ? v.toISOString() : Array.isArray(v) ? [...v].sort() : v,
  ]));
}

const isScoped = (scope: SyncScope) => Object.keys(scopeFilters(scope)).length > 0;

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/**
 * Starts a run of a connection, in the caller's transaction: locks the connection row (so two starts
 * queue rather than race), refuses while a live run exists, takes over a dead one, then resumes the
 * latest stopped run of the same scope or begins a fresh chain.
 *
 * @throws {SyncConflictError} while another run of the connection is alive
 * @throws {SyncConnectionGoneError} when the connection does not exist
 */
export async function startSyncRun(tx: Tx, input: StartSyncRunInput): Promise<StartedSyncRun> {
  const [connection] = await tx<
    {
      user_id: string;
      api_key_encrypted: string;
      auth_kind: "api_key" | "oauth";
      sync_watermark: Date | null;
      calcom_user_id: number;
      calcom_email: string | null;
      calcom_api_url: string | null;
    }[]
  >`
    select user_id, api_key_encrypted, auth_kind, sync_watermark, calcom_user_id, calcom_email, calcom_api_url
    from public.calcom_connections
    where id = ${input.connectionId}
    for update`;
  if (!connection) throw new SyncConnectionGoneError(input.connectionId);

  let tookOverRunId: string | null = null;
  const [running] = await tx<SyncRunRow[]>`
    select ${tx.unsafe(RUN_COLUMNS)} from public.calcom_sync_runs
    where calcom_connection_id = ${input.connectionId} and status = 'running'`;
  if (running) {
    if (input.now.getTime() - running.heartbeat_at.getTime() < input.staleAfterMs) {
      throw new SyncConflictError(running.id);
    }
    await tx`
      update public.calcom_sync_runs
      set status = 'failed', error_code = 'interrupted', finished_at = ${input.now}, heartbeat_at = ${input.now},
          error = ${`Run stopped without finishing: no progress since ${running.heartbeat_at.toISOString()}`}
      where id = ${running.id}`;
    tookOverRunId = running.id;
  }

  const filters = scopeFilters(input.scope);
  const [previous] = await tx<SyncRunRow[]>`
    select ${tx.unsafe(RUN_COLUMNS)} from public.calcom_sync_runs
    where calcom_connection_id = ${input.connectionId} and status <> 'running' and filters = ${
    tx.json(filters)
  }
    order by started_at desc, created_at desc
    limit 1`;
  const stored = previous ? StoredCheckpointSchema.safeParse(previous.checkpoint) : undefined;
  const resumable = previous && stored?.success &&
    (previous.status === "partial" || previous.status === "failed") &&
    stored.data.plan.phase !== "done" && (!input.full || previous.mode === "full");

  let mode: SyncMode;
  let checkpoint: StoredCheckpoint;
  let watermarkBefore: string | null;
  if (resumable) {
    mode = previous.mode;
    checkpoint = stored.data;
    watermarkBefore = iso(previous.watermark_before);
  } else {
    watermarkBefore = iso(connection.sync_watermark);
    const incremental = !input.full && !isScoped(input.scope) && watermarkBefore !== null;
    mode = incremental ? "incremental" : "full";
    checkpoint = {
      plan: incremental
        ? incrementalCheckpoint(
          watermarkBefore!,
          await watermarkUids(tx, input.connectionId, watermarkBefore!),
        )
        : fullCheckpoint(),
      chainStartedAt: input.now.toISOString(),
    };
  }

  const [run] = await tx<SyncRunRow[]>`
    insert into public.calcom_sync_runs (
      user_id, calcom_connection_id, trigger, mode, status, filters, watermark_before, watermark_after,
      checkpoint, resumed_from_run_id, started_at, heartbeat_at
    ) values (
      ${connection.user_id}, ${input.connectionId}, ${input.trigger}, ${mode}, 'running', ${tx.json(filters)},
      ${watermarkBefore}, ${checkpoint.plan.high}, ${tx.json(checkpoint)}, ${resumable ? previous.id : null},
      ${input.now}, ${input.now}
    )
    returning ${tx.unsafe(RUN_COLUMNS)}`;
  await tx`
    update public.calcom_connections set last_sync_status = 'running' where id = ${input.connectionId}`;
  return {
    run,
    userId: connection.user_id,
    apiKeyEncrypted: connection.api_key_encrypted,
    authKind: connection.auth_kind,
    calcomApiUrl: connection.calcom_api_url,
    keyUser: { id: connection.calcom_user_id, email: connection.calcom_email },
    checkpoint,
    previousWatermark: watermarkBefore,
    tookOverRunId,
  };
}

/** The uids the last completed unscoped run received at exactly `watermark`. */
async function watermarkUids(tx: Tx, connectionId: string, watermark: string): Promise<string[]> {
  const [last] = await tx<{ checkpoint: unknown }[]>`
    select checkpoint from public.calcom_sync_runs
    where calcom_connection_id = ${connectionId} and status = 'succeeded' and filters = '{}'::jsonb
      and watermark_after = ${watermark}
    order by started_at desc
    limit 1`;
  const stored = StoredCheckpointSchema.safeParse(last?.checkpoint);
  return stored.success ? stored.data.watermarkUids ?? [] : [];
}

/**
 * Locks the connection row before any run row. A disconnect locks the connection and then deletes its
 * runs by cascade; taking the locks in the other order (run, then the connection through a booking's
 * foreign key or the sync state update) deadlocks against it. `share` only keeps the row from being
 * deleted; `update` also serialises the sync state written at the end.
 *
 * @throws {SyncConnectionGoneError} when the connection was deleted meanwhile
 */
export async function lockConnection(tx: Tx, connectionId: string, mode: "share" | "update"): Promise<void> {
  const rows = mode === "share"
    ? await tx`select 1 from public.calcom_connections where id = ${connectionId} for key share`
    : await tx`select 1 from public.calcom_connections where id = ${connectionId} for no key update`;
  if (rows.length === 0) throw new SyncConnectionGoneError(connectionId);
}

/** How a run ends. */
export interface FinishSyncRunInput {
  run: Pick<SyncRunRow, "id" | "calcom_connection_id" | "filters">;
  status: Exclude<SyncRunStatus, "running">;
  /** Safe to show the owner (no secrets, no internals). */
  error?: string;
  errorCode?: SyncErrorCode;
  /** A succeeded run's watermark. */
  final?: FinalWatermark;
  /**
   * Pause the connection: Cal.com rejected its key, so scheduled runs stop calling with it. Applies only
   * while `apiKeyEncrypted` is still the connection's key.
   */
  deactivate?: boolean;
  /**
   * The ciphertext of the key the run called Cal.com with (as {@linkcode startSyncRun} read it). A
   * reconnect meanwhile stored another one: the rejected key is no longer the connection's, so the
   * connection is not paused. The stored bytes are compared as they are, whatever their format.
   */
  apiKeyEncrypted: string;
  now: Date;
}

/** A finished run and the connection's last successful sync time. */
export interface FinishedSyncRun {
  run: SyncRunRow;
  lastSyncedAt: Date | null;
}

/**
 * Ends a run and records the outcome on the connection. A succeeded unscoped run moves the
 * connection's watermark and `last_synced_at`; a rejected key pauses the connection unless a reconnect
 * replaced that key while the run went on.
 *
 * @throws {SyncRunLostError} when the run was taken over meanwhile (the other caller owns the outcome)
 * @throws {SyncConnectionGoneError} when the connection was deleted meanwhile
 */
export async function finishSyncRun(tx: Tx, input: FinishSyncRunInput): Promise<FinishedSyncRun> {
  await lockConnection(tx, input.run.calcom_connection_id, "update");
  const succeeded = input.status === "succeeded";
  const [run] = await tx<SyncRunRow[]>`
    update public.calcom_sync_runs
    set status = ${input.status}, error = ${input.error ?? null}, error_code = ${input.errorCode ?? null},
        finished_at = ${input.now}, heartbeat_at = ${input.now},
        watermark_after = case when ${succeeded} then ${input.final?.watermark ?? null}::timestamptz
                               else watermark_after end,
        checkpoint = case when ${succeeded}
                          then checkpoint || jsonb_build_object('watermarkUids', ${
    tx.json(input.final?.uids ?? [])
  }::jsonb)
                          else checkpoint end
    where id = ${input.run.id} and status = 'running'
    returning ${tx.unsafe(RUN_COLUMNS)}`;
  if (!run) throw new SyncRunLostError(input.run.id);
  const movesWatermark = succeeded && !isScoped(run.filters);
  const [connection] = await tx<{ last_synced_at: Date | null }[]>`
    update public.calcom_connections
    set last_sync_status = ${input.status},
        last_sync_error = ${input.error ?? null},
        last_synced_at = case when ${movesWatermark} then ${input.now}::timestamptz else last_synced_at end,
        sync_watermark = case when ${movesWatermark} then ${input.final?.watermark ?? null}::timestamptz
                              else sync_watermark end,
        is_active = case when ${input.deactivate ?? false} and api_key_encrypted = ${input.apiKeyEncrypted}
                         then false else is_active end
    where id = ${input.run.calcom_connection_id}
    returning last_synced_at`;
  return { run, lastSyncedAt: connection?.last_synced_at ?? null };
}

/**
 * Deletes finished runs older than `before`, keeping each connection's latest finished run (the one a
 * next call may continue), at most `limit` rows per call. Returns how many it deleted.
 */
export async function pruneSyncRuns(tx: Tx, before: Date, limit = 5000): Promise<number> {
  const deleted = await tx`
    delete from public.calcom_sync_runs
    where id in (
      select r.id from public.calcom_sync_runs r
      where r.status <> 'running' and r.finished_at < ${before}
        and r.id <> (
          select x.id from public.calcom_sync_runs x
          where x.calcom_connection_id = r.calcom_connection_id and x.status <> 'running'
          order by x.started_at desc, x.created_at desc
          limit 1
        )
      limit ${limit}
    )
    returning id`;
  return deleted.length;
}
