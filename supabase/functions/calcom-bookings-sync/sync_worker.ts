/**
 * A scheduled sync worker: claims due connections one at a time (sync_leases.ts), syncs each
 * (scheduled_sync.ts) and releases it with its next due time, until nothing is due, its wall-clock
 * budget is spent or it reached its limit. Several run at once, each in its own function invocation.
 *
 * @module
 */
import { z } from "zod";
import type { SyncCadence } from "./connection_schedule.ts";
import { type ScheduledResult, syncScheduledConnection } from "./scheduled_sync.ts";
import type { SyncEngineDeps, SyncTiming } from "./sync_engine.ts";
import { claimDueConnection, releaseLease } from "./sync_leases.ts";

/** `POST …/scheduled/work`'s body: `limit` caps the connections this call claims (draining by hand). */
export const WorkerBodySchema = z.object({ limit: z.int().min(1).max(100_000).optional() });

/** Budgets of one worker invocation. */
export interface WorkerOptions extends SyncTiming {
  /** The worker claims no connection after this. */
  deadlineAt: Date;
  /** Longest one connection may take, so one huge first sync cannot use the whole budget. */
  perConnectionMs: number;
  /** A connection is not claimed with less time than this left. */
  minSliceMs: number;
  /** How long a lease lasts: longer than any run, so it expires only when the worker is gone. */
  leaseMs: number;
  /** At most this many connections (default: as many as the budget allows). */
  limit?: number;
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
  while (options.limit === undefined || results.length < options.limit) {
    const left = options.deadlineAt.getTime() - deps.now().getTime();
    if (left < options.minSliceMs) break;
    const lease = await deps.db.asService((tx) =>
      claimDueConnection(tx, { owner, now: deps.now(), leaseMs: options.leaseMs })
    );
    if (!lease) break;
    if (lease.tookOverFrom) {
      tookOver++;
      deps.log.warn("took over an expired sync lease", {
        connectionId: lease.connectionId,
        previousOwner: lease.tookOverFrom,
      });
    }
    const result = await syncScheduledConnection(deps, lease.connectionId, {
      deadlineAt: new Date(deps.now().getTime() + Math.min(left, options.perConnectionMs)),
      staleAfterMs: options.staleAfterMs,
      watermarkLagMs: options.watermarkLagMs,
    });
    // A connection deleted meanwhile took its schedule row with it: nothing to release.
    if (!result) continue;
    results.push(result);
    await deps.db.asService((tx) =>
      releaseLease(tx, lease, {
        outcome: result.status,
        changed: result.count > 0,
        now: deps.now(),
        cadence: options.cadence,
      })
    );
  }
  return { worker: owner, results, tookOver };
}
