/**
 * A scheduled sync worker: claims due connections a batch at a time (sync_leases.ts) and brings each
 * current: with the quiet check (quiet_check.ts) where it may stand for the sync, which one request
 * answers for a connection that changed nothing, and with a sync (scheduled_sync.ts) otherwise, which goes
 * on from the check's page. It releases the batch with each connection's next due time, in the
 * transaction that claims the next batch, until nothing is due, its wall-clock budget is spent or it
 * reached its limit. Several run at once, each in its own function invocation.
 *
 * @module
 */
import { z } from "zod";
import type { SyncCadence } from "./connection_schedule.ts";
import { checkQuietly } from "./quiet_check.ts";
import { type ScheduledResult, syncScheduledConnection } from "./scheduled_sync.ts";
import type { PrefetchedRead, SyncEngineDeps, SyncTiming } from "./sync_engine.ts";
import type { Tx } from "../_shared/platform/db.ts";
import { reconcileCadenceMs, scheduledReconcile } from "./reconcile_schedule.ts";
import {
  claimDueConnections,
  type LeaseRelease,
  releaseLeases,
  returnLeases,
  type SyncLease,
} from "./sync_leases.ts";

/** Most connections a worker claims at a time. */
export const maxClaimBatch = 20;

/**
 * `POST …/scheduled/work`'s body: `limit` caps the connections this call claims (draining by hand),
 * `batch` how many it claims at a time (the dispatcher sizes it so that its workers share what is due).
 */
export const WorkerBodySchema = z.object({
  limit: z.int().min(1).max(100_000).optional(),
  batch: z.int().min(1).max(maxClaimBatch).optional(),
});

/** `POST …/scheduled/work`'s body. */
export type WorkerBody = z.infer<typeof WorkerBodySchema>;

/** Budgets of one worker invocation. */
export interface WorkerOptions extends SyncTiming {
  /** The worker starts no connection after this. */
  deadlineAt: Date;
  /** Longest one connection may take, so one huge first sync cannot use the whole budget. */
  perConnectionMs: number;
  /** A connection is not started with less time than this left. */
  minSliceMs: number;
  /** How long a lease lasts: longer than any run, so it expires only when the worker is gone. */
  leaseMs: number;
  /** At most this many connections (default: as many as the budget allows). */
  limit?: number;
  /** Connections claimed at a time (default {@linkcode maxClaimBatch}). */
  batch?: number;
  cadence: SyncCadence;
  /** Names the worker in its leases (default: a random id). */
  owner?: string;
}

/** What one worker did. */
export interface WorkerSummary {
  worker: string;
  results: ScheduledResult[];
  /** Expired leases of other workers this one took over. */
  tookOver: number;
}

/** Runs one worker as described in the module doc. */
export async function runSyncWorker(deps: SyncEngineDeps, options: WorkerOptions): Promise<WorkerSummary> {
  const owner = options.owner ?? `worker-${crypto.randomUUID()}`;
  const results: ScheduledResult[] = [];
  let tookOver = 0;
  const timeLeft = () => options.deadlineAt.getTime() - deps.now().getTime();
  const mayStart = () => timeLeft() >= options.minSliceMs;
  /** Claims the next batch in `tx` when the budget allows one more connection. */
  const claimNext = async (tx: Tx): Promise<SyncLease[]> => {
    const left = options.limit === undefined ? Infinity : options.limit - results.length;
    if (left <= 0 || !mayStart()) return [];
    const leases = await claimDueConnections(tx, {
      owner,
      now: deps.now(),
      leaseMs: options.leaseMs,
      reconcileCadenceMs,
      limit: Math.min(left, options.batch ?? maxClaimBatch),
    });
    for (const lease of leases.filter((l) => l.tookOverFrom)) {
      tookOver++;
      deps.log.warn("took over an expired sync lease", {
        connectionId: lease.connectionId,
        previousOwner: lease.tookOverFrom,
      });
    }
    return leases;
  };
  /** Brings one leased connection current; undefined when it was deleted meanwhile. */
  const bringCurrent = async (lease: SyncLease): Promise<LeaseRelease | undefined> => {
    const deadlineAt = new Date(deps.now().getTime() + Math.min(timeLeft(), options.perConnectionMs));
    let firstRead: PrefetchedRead | undefined;
    if (lease.quiet) {
      const check = await checkQuietly(deps, lease.quiet, deadlineAt);
      if (check.quiet) {
        const result: ScheduledResult = {
          connectionId: lease.connectionId,
          status: "succeeded",
          syncRunId: null,
          count: 0,
          created: 0,
          updated: 0,
          pages: 1,
          quiet: true,
        };
        // A due reconciliation follows the check as it follows a run (never throws).
        if (lease.reconcileDue && deps.now() < deadlineAt) {
          const reconciled = await scheduledReconcile(deps, lease.connectionId, { deadlineAt });
          if (reconciled) result.reconciled = reconciled;
        }
        results.push(result);
        return { lease, outcome: "succeeded", changed: false, quiet: true, now: deps.now() };
      }
      firstRead = check.firstRead;
    }
    const result = await syncScheduledConnection(deps, lease.connectionId, {
      deadlineAt,
      staleAfterMs: options.staleAfterMs,
      watermarkLagMs: options.watermarkLagMs,
      reconcileMayBeDue: lease.reconcileDue,
      firstRead,
    });
    // A connection deleted meanwhile took its schedule row with it: nothing to release.
    if (!result) return undefined;
    results.push(result);
    return { lease, outcome: result.status, changed: result.count > 0, quiet: false, now: deps.now() };
  };

  let batch = await deps.db.asService(claimNext);
  while (batch.length > 0) {
    const releases: LeaseRelease[] = [];
    const unstarted: SyncLease[] = [];
    for (const lease of batch) {
      if (!mayStart()) {
        unstarted.push(lease);
        continue;
      }
      const release = await bringCurrent(lease);
      if (release) releases.push(release);
    }
    // The releases and the next claim share a transaction: one commit per batch.
    batch = await deps.db.asService(async (tx) => {
      await releaseLeases(tx, releases, options.cadence);
      await returnLeases(tx, unstarted);
      return unstarted.length > 0 ? [] : await claimNext(tx);
    });
  }
  return { worker: owner, results, tookOver };
}
