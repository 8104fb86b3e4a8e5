/**
 * The operators' scheduled sync: every active connection, incrementally (or resuming a stopped run),
 * one after another within one overall deadline, least recently attempted first so that a deadline
 * never starves the same connections.
 *
 * @module
 */
import { scheduledReconcile } from "./reconcile_schedule.ts";
import type { ReconciledLine } from "./reconcile_result.ts";
import { runSync, type SyncEngineDeps, type SyncOutcome, type SyncTiming } from "./sync_engine.ts";
import {
  pruneSyncRuns,
  SyncConflictError,
  SyncConnectionGoneError,
  SyncRunLostError,
} from "./sync_run_store.ts";

/** Finished runs are kept this long (a connection's latest one always): the schedule makes ~300 a day. */
const runRetentionMs = 30 * 86_400_000;

/** One connection's line in the summary. */
export interface ScheduledResult {
  connectionId: string;
  /** A run's outcome, or `skipped` when another sync of the connection was running. */
  status: SyncOutcome["status"] | "skipped";
  /** The run (or, when skipped, the running one); null when the run could not even be recorded. */
  syncRunId: string | null;
  count: number;
  created: number;
  updated: number;
  pages: number;
  /** Bookings set aside as unstorable, when the run set any aside. */
  setAside?: number;
  error?: { code: string; message: string };
  /** The connection's reconciliation, when one was due after its sync succeeded. */
  reconciled?: ReconciledLine;
}

/** What a scheduled call did. */
export interface ScheduledSummary {
  /** Active connections when the call began. */
  connections: number;
  results: ScheduledResult[];
  /** Connections the overall deadline left for the next call. */
  deferred: string[];
  /** Finished runs older than the retention deleted by this call. */
  prunedRuns: number;
}

/** Budgets of a scheduled call. */
export interface ScheduledOptions extends SyncTiming {
  /** The whole call ends by then. */
  deadlineAt: Date;
  /** Longest one connection may take, so one huge first sync cannot use the whole call. */
  perConnectionMs: number;
  /** A connection is not started with less time than this left. */
  minSliceMs: number;
}

/** Syncs every active connection as described in the module doc. */
export async function runScheduledSync(
  deps: SyncEngineDeps,
  options: ScheduledOptions,
): Promise<ScheduledSummary> {
  const connections = await deps.db.asService((tx) =>
    tx<{ id: string }[]>`
      select c.id from public.calcom_connections c
      where c.is_active
      order by (select max(r.started_at) from public.calcom_sync_runs r where r.calcom_connection_id = c.id)
               asc nulls first,
               c.created_at, c.id`
  );
  const results: ScheduledResult[] = [];
  const deferred: string[] = [];
  for (const { id } of connections) {
    const left = options.deadlineAt.getTime() - deps.now().getTime();
    if (left < options.minSliceMs) {
      deferred.push(id);
      continue;
    }
    const deadlineAt = new Date(deps.now().getTime() + Math.min(left, options.perConnectionMs));
    try {
      const outcome = await runSync(deps, {
        connectionId: id,
        trigger: "scheduled",
        full: false,
        scope: {},
        deadlineAt,
        staleAfterMs: options.staleAfterMs,
        watermarkLagMs: options.watermarkLagMs,
      });
      results.push({
        connectionId: id,
        status: outcome.status,
        syncRunId: outcome.runId,
        count: outcome.fetched,
        created: outcome.created,
        updated: outcome.updated,
        pages: outcome.pages,
        ...(outcome.setAside > 0 ? { setAside: outcome.setAside } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      // The re-read polling cannot replace, at most once per connection per cadence (reconcile_schedule.ts)
      if (outcome.status === "succeeded" && deps.now() < deadlineAt) {
        const reconciled = await scheduledReconcile(deps, id, { deadlineAt });
        if (reconciled) results[results.length - 1].reconciled = reconciled;
      }
    } catch (err) {
      if (err instanceof SyncConflictError || err instanceof SyncRunLostError) {
        results.push({
          connectionId: id,
          status: "skipped",
          syncRunId: err.runId,
          count: 0,
          created: 0,
          updated: 0,
          pages: 0,
        });
      } else if (!(err instanceof SyncConnectionGoneError)) {
        // One connection's trouble (a database hiccup) must not cost the others their turn.
        deps.log.error("scheduled sync of a connection failed", { connectionId: id, error: err });
        results.push({
          connectionId: id,
          status: "failed",
          syncRunId: null,
          count: 0,
          created: 0,
          updated: 0,
          pages: 0,
          error: { code: "internal_error", message: "Internal error" },
        });
      }
    }
  }
  const prunedRuns = await deps.db.asService((tx) =>
    pruneSyncRuns(tx, new Date(deps.now().getTime() - runRetentionMs))
  );
  return { connections: connections.length, results, deferred, prunedRuns };
}
