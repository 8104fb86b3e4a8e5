/**
 * A scheduled sync worker: claims due connections one at a time (sync_leases.ts), syncs each
 * (scheduled_sync.ts) and releases it with its next due time, in the transaction that claims the next
 * one, until nothing is due, its wall-clock budget is spent or it reached its limit. Several run at
 * once, each in its own function invocation.
 *
 * @module
 */
import { z } from "zod";
import type { SyncCadence } from "./connection_schedule.ts";
import { type ScheduledResult, syncScheduledConnection } from "./scheduled_sync.ts";
import type { SyncEngineDeps, SyncTiming } from "./sync_engine.ts";
import type { Tx } from "../_shared/platform/db.ts";
import { reconcileCadenceMs } from "./reconcile_schedule.ts";
import { claimDueConnection, releaseLease, type SyncLease } from "./sync_leases.ts";

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
  const timeLeft = () => options.deadlineAt.getTime() - deps.now().getTime();
  const mayClaim = () =>
    (options.limit === undefined || results.length < options.limit) && timeLeft() >= options.minSliceMs;
  /** Claims the next due connection in `tx` when the budget allows one more. */
  const claimNext = async (tx: Tx): Promise<SyncLease | undefined> => {
    if (!mayClaim()) return undefined;
    const lease = await claimDueConnection(tx, {
      owner,
      now: deps.now(),
      leaseMs: options.leaseMs,
      reconcileCadenceMs,
    });
    if (lease?.tookOverFrom) {
      tookOver++;
      deps.log.warn("took over an expired sync lease", {
        connectionId: lease.connectionId,
        previousOwner: lease.tookOverFrom,
      });
    }
    return lease;
  };
  let lease = await deps.db.asService(claimNext);
  while (lease) {
    const current = lease;
    const result = await syncScheduledConnection(deps, current.connectionId, {
      deadlineAt: new Date(deps.now().getTime() + Math.min(timeLeft(), options.perConnectionMs)),
      staleAfterMs: options.staleAfterMs,
      watermarkLagMs: options.watermarkLagMs,
      reconcileMayBeDue: current.reconcileDue,
    });
    // A connection deleted meanwhile took its schedule row with it: nothing to release.
    if (!result) {
      lease = await deps.db.asService(claimNext);
      continue;
    }
    results.push(result);
    // The release and the next claim share a transaction: one commit per connection fewer.
    lease = await deps.db.asService(async (tx) => {
      await releaseLease(tx, current, {
        outcome: result.status,
        changed: result.count > 0,
        now: deps.now(),
        cadence: options.cadence,
      });
      return await claimNext(tx);
    });
  }
  return { worker: owner, results, tookOver };
}
