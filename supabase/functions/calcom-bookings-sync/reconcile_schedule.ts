/**
 * The scheduled sync's reconciliation: a connection is reconciled at most once per
 * {@linkcode reconcileCadenceMs}, claimed by moving its `last_reconciled_at` so two scheduled calls
 * running at once never both read the window.
 *
 * @module
 */
import { ReconcileFailedError, type ReconcileOutcome, runReconcile } from "./reconcile.ts";
import { failedReconcileLine, type ReconciledLine, reconciledLine } from "./reconcile_result.ts";
import { reconcileWindow } from "./reconcile_window.ts";
import type { SyncEngineDeps } from "./sync_engine.ts";
import { SyncConnectionGoneError } from "./sync_run_store.ts";

/** How often the scheduled sync reconciles one connection at most (docs/operations.md). */
export const reconcileCadenceMs = 6 * 3_600_000;

/**
 * Reconciles `connectionId` over the default window when its last reconciliation began at least
 * {@linkcode reconcileCadenceMs} ago (or never); `undefined` when it was not due or another caller
 * claimed it. A failed or partial reconciliation keeps the claim: the next is due a cadence later, so a
 * connection Cal.com keeps failing costs no more than one that succeeds.
 *
 * @throws what {@linkcode runReconcile} throws
 */
export async function reconcileIfDue(
  deps: SyncEngineDeps,
  connectionId: string,
  options: { deadlineAt: Date },
): Promise<ReconcileOutcome | undefined> {
  const claimed = await deps.db.asService((tx) =>
    tx`
      update public.calcom_connections set last_reconciled_at = now()
      where id = ${connectionId} and is_active
        and (last_reconciled_at is null
          or last_reconciled_at <= now() - make_interval(secs => ${reconcileCadenceMs / 1000}))
      returning id`
  );
  if (claimed.length === 0) return undefined;
  const window = reconcileWindow(deps.now());
  if ("message" in window) throw new Error(`Default reconcile window refused: ${window.message}`);
  return await runReconcile(deps, { connectionId, window, deadlineAt: options.deadlineAt });
}

/**
 * The scheduled sync's call: {@linkcode reconcileIfDue} after a connection's sync succeeded, as its
 * summary line (`undefined` when none was due). Failures become the line, never the caller's.
 */
export async function scheduledReconcile(
  deps: SyncEngineDeps,
  connectionId: string,
  options: { deadlineAt: Date },
): Promise<ReconciledLine | undefined> {
  try {
    const outcome = await reconcileIfDue(deps, connectionId, options);
    return outcome && reconciledLine(outcome);
  } catch (err) {
    if (err instanceof SyncConnectionGoneError) return undefined;
    if (err instanceof ReconcileFailedError) {
      return failedReconcileLine({ code: err.code, message: err.message });
    }
    deps.log.error("scheduled reconciliation of a connection failed", { connectionId, error: err });
    return failedReconcileLine({ code: "internal_error", message: "Internal error" });
  }
}
