/**
 * One connection's scheduled sync, as a worker makes it: incrementally (or resuming a stopped run), then,
 * after a sync that succeeded, the reconciliation when one is due (reconcile_schedule.ts); its outcome as a
 * line of the summary. One connection's trouble never throws, so the others keep their turn.
 *
 * @module
 */
import { scheduledReconcile } from "./reconcile_schedule.ts";
import type { ReconciledLine } from "./reconcile_result.ts";
import {
  type PrefetchedRead,
  runSync,
  type SyncEngineDeps,
  type SyncOutcome,
  type SyncTiming,
} from "./sync_engine.ts";
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
  /**
   * The run (or, when skipped, the running one); null when the quiet check stood for the sync (`quiet`)
   * or the run could not even be recorded.
   */
  syncRunId: string | null;
  count: number;
  created: number;
  updated: number;
  pages: number;
  /** Bookings set aside as unstorable, when the run set any aside. */
  setAside?: number;
  error?: { code: string; message: string };
  /** The quiet check found nothing changed with one request: no run was made (see quiet_check.ts). */
  quiet?: true;
  /** The reconciliation run after the sync, when one was due. */
  reconciled?: ReconciledLine;
}

/** The budget of one connection's scheduled sync. */
export interface ScheduledSyncOptions extends SyncTiming {
  /** The run stops (partial) at this time. */
  deadlineAt: Date;
  /**
   * False when the caller knows the reconciliation is not due (its lease said so): the check, a
   * transaction of its own, is skipped. Default: check.
   */
  reconcileMayBeDue?: boolean;
  /** The first page, read by the quiet check (see `SyncRequest.firstRead`). */
  firstRead?: PrefetchedRead;
}

/**
 * Syncs one connection as described in the module doc. Undefined when the connection was deleted
 * meanwhile (nothing to report).
 */
export async function syncScheduledConnection(
  deps: SyncEngineDeps,
  connectionId: string,
  options: ScheduledSyncOptions,
): Promise<ScheduledResult | undefined> {
  const empty = { connectionId, count: 0, created: 0, updated: 0, pages: 0 };
  try {
    const outcome = await runSync(deps, {
      connectionId,
      trigger: "scheduled",
      full: false,
      scope: {},
      deadlineAt: options.deadlineAt,
      staleAfterMs: options.staleAfterMs,
      watermarkLagMs: options.watermarkLagMs,
      firstRead: options.firstRead,
    });
    const result: ScheduledResult = {
      connectionId,
      status: outcome.status,
      syncRunId: outcome.runId,
      count: outcome.fetched,
      created: outcome.created,
      updated: outcome.updated,
      pages: outcome.pages,
      ...(outcome.setAside > 0 ? { setAside: outcome.setAside } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    // The re-read polling cannot replace, at most once per connection per cadence (never throws)
    if (
      outcome.status === "succeeded" && options.reconcileMayBeDue !== false && deps.now() < options.deadlineAt
    ) {
      const reconciled = await scheduledReconcile(deps, connectionId, { deadlineAt: options.deadlineAt });
      if (reconciled) result.reconciled = reconciled;
    }
    return result;
  } catch (err) {
    if (err instanceof SyncConflictError || err instanceof SyncRunLostError) {
      return { ...empty, status: "skipped", syncRunId: err.runId };
    }
    if (err instanceof SyncConnectionGoneError) return undefined;
    // One connection's trouble (a database hiccup) must not cost the others their turn.
    deps.log.error("scheduled sync of a connection failed", { connectionId, error: err });
    return {
      ...empty,
      status: "failed",
      syncRunId: null,
      error: { code: "internal_error", message: "Internal error" },
    };
  }
}

/** Deletes finished runs past the retention (see {@linkcode runRetentionMs}); returns how many. */
export async function pruneOldRuns(deps: SyncEngineDeps): Promise<number> {
  return await deps.db.asService((tx) => pruneSyncRuns(tx, new Date(deps.now().getTime() - runRetentionMs)));
}
