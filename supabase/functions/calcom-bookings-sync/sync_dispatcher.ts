/**
 * The scheduled route's dispatcher: gives new connections a schedule row, counts what is due, starts up
 * to `workers` workers at once (the same function, `POST …/scheduled/work`, over HTTP with the cron
 * secret), waits for them, and sums up what they did. The workers claim the due connections themselves
 * (sync_leases.ts), so a worker that fails or is cut off costs nothing but its leases, which expire.
 *
 * @module
 */
import { ConfigError } from "../_shared/platform/config.ts";
import { cronSecretHeader } from "./cron_auth.ts";
import { WorkerSummarySchema } from "./responses.ts";
import { pruneOldRuns, type ScheduledResult } from "./scheduled_sync.ts";
import type { SyncEngineDeps } from "./sync_engine.ts";
import { addNewConnections, countDue, dueConnectionIds } from "./sync_leases.ts";
import { maxClaimBatch, type WorkerBody, type WorkerSummary } from "./sync_worker.ts";

/** Default number of workers a scheduled call starts (`CALCOM_SYNC_WORKERS`). */
export const defaultSyncWorkers = 2;
/** Most workers a scheduled call may start. */
export const maxSyncWorkers = 50;
/** At most this many ids are listed in `deferred`; `remaining` counts them all. */
const maxDeferredListed = 1000;

/**
 * `CALCOM_SYNC_WORKERS`: a whole number from 1 to {@linkcode maxSyncWorkers}, default
 * {@linkcode defaultSyncWorkers}.
 *
 * @throws {ConfigError} naming the variable (never its value) when it is malformed
 */
export function parseSyncWorkers(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return defaultSyncWorkers;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= 1 && n <= maxSyncWorkers)) {
    throw new ConfigError([{
      variable: "CALCOM_SYNC_WORKERS",
      message: `must be a whole number from 1 to ${maxSyncWorkers}`,
    }]);
  }
  return n;
}

/**
 * How many connections each of `workers` claims at a time when `due` are due: about half its share, so
 * that every worker gets some and one slow connection holds few others back, at most
 * {@linkcode maxClaimBatch}.
 */
export function claimBatchFor(due: number, workers: number): number {
  return Math.max(1, Math.min(maxClaimBatch, Math.ceil(due / Math.max(workers, 1) / 2)));
}

/** A worker's answer, as the dispatcher reads it: the route's own response schema. */
const WorkerAnswerSchema = WorkerSummarySchema;

/** What the dispatcher needs. */
export interface DispatchOptions {
  /** Most workers at once. */
  workers: number;
  /** `…/calcom-bookings-sync/scheduled/work`. */
  workerUrl: string;
  cronSecret: string;
  /** Longest the dispatcher waits for one worker's answer. */
  workerTimeoutMs: number;
}

/** What a scheduled call did. */
export interface DispatchSummary {
  /** Active connections when the call began. */
  connections: number;
  /** Connections due when the call began. */
  due: number;
  /** Workers started. */
  workers: number;
  /** Connections the workers claimed (one result each). */
  claimed: number;
  /** Claimed connections whose sync succeeded. */
  done: number;
  /** Of `done`, those the quiet check found unchanged with one request (no run made). */
  quiet: number;
  failed: number;
  /** Stopped by their deadline with work left: due again at once. */
  partial: number;
  /** Another sync of the connection was running. */
  skipped: number;
  /** Connections due when the call began that no worker got to. */
  remaining: number;
  /** Expired leases of crashed workers taken over. */
  tookOver: number;
  /** Workers that did not answer with a summary (their leases expire and are taken over). */
  workerErrors: number;
  results: ScheduledResult[];
  /** Ids of the remaining connections, oldest due first (at most 1,000). */
  deferred: string[];
  /** Finished runs older than the retention deleted by this call. */
  prunedRuns: number;
}

/** Runs one scheduled call as described in the module doc. */
export async function dispatchScheduledSync(
  deps: SyncEngineDeps & { fetch: typeof fetch },
  options: DispatchOptions,
): Promise<DispatchSummary> {
  const startedAt = deps.now();
  const { active, due } = await deps.db.asService(async (tx) => {
    await addNewConnections(tx, startedAt);
    return await countDue(tx, startedAt);
  });
  const workers = Math.min(options.workers, due);
  const batch = claimBatchFor(due, workers);
  const answers = await Promise.all(
    Array.from({ length: workers }, () => callWorker(deps, options, { batch })),
  );
  const results = answers.flatMap((a) => a?.results ?? []);
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const { remaining, deferred } = await deps.db.asService(async (tx) => ({
    remaining: (await countDue(tx, startedAt)).due,
    deferred: await dueConnectionIds(tx, startedAt, maxDeferredListed),
  }));
  return {
    connections: active,
    due,
    workers,
    claimed: results.length,
    done: count("succeeded"),
    quiet: results.filter((r) => r.quiet).length,
    failed: count("failed"),
    partial: count("partial"),
    skipped: count("skipped"),
    remaining,
    tookOver: answers.reduce((sum, a) => sum + (a?.tookOver ?? 0), 0),
    workerErrors: answers.filter((a) => a === undefined).length,
    results,
    deferred,
    prunedRuns: await pruneOldRuns(deps),
  };
}

/** One worker's summary; undefined when it failed or did not answer in time (logged). */
async function callWorker(
  deps: SyncEngineDeps & { fetch: typeof fetch },
  options: DispatchOptions,
  body: WorkerBody,
): Promise<WorkerSummary | undefined> {
  try {
    const res = await deps.fetch(options.workerUrl, {
      method: "POST",
      headers: { "content-type": "application/json", [cronSecretHeader]: options.cronSecret },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.workerTimeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      deps.log.error("scheduled sync worker failed", { status: res.status });
      return undefined;
    }
    return WorkerAnswerSchema.parse(JSON.parse(text));
  } catch (err) {
    deps.log.error("scheduled sync worker did not answer", { error: err });
    return undefined;
  }
}
