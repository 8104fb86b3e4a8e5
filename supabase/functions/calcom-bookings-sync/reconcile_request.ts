/**
 * `POST /calcom-bookings-sync {"mode": "reconcile"}` for one user: the caller's connection (under RLS,
 * paused or not, as for a sync), the window checked against its bounds, one reconciliation, and its
 * answer or refusal.
 *
 * @module
 */
import type { UserClaims } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { apiError } from "../_shared/platform/http.ts";
import { resolveConnection } from "./connection_access.ts";
import { ReconcileFailedError, runReconcile } from "./reconcile.ts";
import { reconcileResult } from "./reconcile_result.ts";
import { isWindowIssue, reconcileWindow } from "./reconcile_window.ts";
import type { ReconcileResult } from "./responses.ts";
import type { SyncBody } from "./sync_request.ts";
import { SyncConnectionGoneError } from "./sync_run_store.ts";

/**
 * Reconciles the caller's connection over the window the body names (default: a week back, three
 * months ahead) within `deadlineMs`.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 400 for a window out of bounds or a key
 * Cal.com refused, 404 for a connection that is not the caller's, 502 when Cal.com
 * failed, 500 on an internal error
 */
export async function reconcileForUser(
  deps: Deps,
  user: UserClaims,
  body: SyncBody,
  deadlineMs: number,
): Promise<ReconcileResult> {
  // As for a sync, a paused connection is reconciled on its owner's explicit request.
  const connectionId = await deps.db.asUser(user, (tx) => resolveConnection(tx, body.connectionId));
  const window = reconcileWindow(deps.now(), { afterStart: body.afterStart, beforeEnd: body.beforeEnd });
  if (isWindowIssue(window)) {
    throw apiError(400, "invalid_request", "Invalid request body", { issues: [window] });
  }
  try {
    const outcome = await runReconcile(deps, {
      connectionId,
      window,
      deadlineAt: new Date(deps.now().getTime() + deadlineMs),
    });
    return reconcileResult(outcome);
  } catch (err) {
    if (err instanceof SyncConnectionGoneError) {
      throw apiError(404, "not_found", "Cal.com connection not found");
    }
    if (err instanceof ReconcileFailedError) {
      if (err.code === "invalid_api_key") throw apiError(400, "invalid_api_key", err.message);
      if (err.code === "internal_error") throw apiError(500, "internal_error", "Internal server error");
      throw apiError(502, "calcom_unavailable", err.message);
    }
    throw err;
  }
}
