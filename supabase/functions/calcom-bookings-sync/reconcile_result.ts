/**
 * A reconciliation's outcome as the answers carry it: the on-demand call's body and the scheduled
 * summary's line.
 *
 * @module
 */
import type { ReconcileOutcome } from "./reconcile.ts";
import type { ReconcileResult, ScheduledSummaryResponse } from "./responses.ts";

/** The scheduled summary's `reconciled` entry. */
export type ReconciledLine = NonNullable<ScheduledSummaryResponse["results"][number]["reconciled"]>;

/** The counts of an outcome, shared by both answers. */
function counts(outcome: ReconcileOutcome) {
  return {
    count: outcome.fetched,
    compared: outcome.compared,
    created: outcome.created,
    updated: outcome.updated,
    removed: outcome.removed,
    repaired: outcome.created + outcome.updated + outcome.removed,
    kept: outcome.kept,
    pages: outcome.pages,
    lookups: outcome.lookups,
  };
}

/** The body of `POST /calcom-bookings-sync {"mode": "reconcile"}`. */
export function reconcileResult(outcome: ReconcileOutcome): ReconcileResult {
  return {
    success: true,
    source: "api",
    mode: "reconcile",
    status: outcome.status,
    window: outcome.window,
    ...counts(outcome),
    lastReconciled: outcome.lastReconciledAt?.toISOString() ?? null,
  };
}

/** The scheduled summary's line for a reconciliation that ran. */
export function reconciledLine(outcome: ReconcileOutcome): ReconciledLine {
  return { status: outcome.status, ...counts(outcome) };
}

/** The scheduled summary's line for a reconciliation that failed. */
export function failedReconcileLine(error: { code: string; message: string }): ReconciledLine {
  return {
    status: "failed",
    count: 0,
    compared: 0,
    created: 0,
    updated: 0,
    removed: 0,
    repaired: 0,
    kept: 0,
    pages: 0,
    lookups: 0,
    error,
  };
}
