/**
 * The start-time window a reconciliation re-reads: by default from a week before now to three months
 * after, or what the caller names within bounds.
 *
 * @module
 */

const dayMs = 86_400_000;

/** How far back a reconciliation reads by default: no-show marks come after a meeting. */
export const reconcilePastMs = 7 * dayMs;
/** How far ahead a reconciliation reads by default: seats are booked and cancelled ahead. */
export const reconcileFutureMs = 90 * dayMs;
/** Longest window a caller may ask for: each 250 bookings in it cost one Cal.com request. */
export const reconcileMaxSpanMs = 366 * dayMs;

/** A window as Cal.com's `afterStart` (start ≥) and `beforeEnd` (end ≤) filters take it. */
export interface ReconcileWindow {
  afterStart: string;
  beforeEnd: string;
}

/** Why a requested window was refused, by the body field at fault. */
export interface WindowIssue {
  path: "afterStart" | "beforeEnd";
  message: string;
}

/**
 * The window for `now` and the caller's bounds (ISO instants, either optional), or the issue that
 * refuses it: the end must come after the start, and the span be at most {@linkcode reconcileMaxSpanMs}.
 */
export function reconcileWindow(
  now: Date,
  requested: { afterStart?: string; beforeEnd?: string } = {},
): ReconcileWindow | WindowIssue {
  const after = requested.afterStart !== undefined
    ? Date.parse(requested.afterStart)
    : requested.beforeEnd !== undefined
    ? Math.min(now.getTime(), Date.parse(requested.beforeEnd)) - reconcilePastMs
    : now.getTime() - reconcilePastMs;
  const before = requested.beforeEnd !== undefined
    ? Date.parse(requested.beforeEnd)
    : Math.max(now.getTime(), after) + reconcileFutureMs;
  if (before <= after) return { path: "beforeEnd", message: "must be later than afterStart" };
  if (before - after > reconcileMaxSpanMs) {
    return { path: "beforeEnd", message: "must be at most 366 days after afterStart for a reconciliation" };
  }
  return { afterStart: new Date(after).toISOString(), beforeEnd: new Date(before).toISOString() };
}

/** Whether {@linkcode reconcileWindow} refused the window. */
export function isWindowIssue(value: ReconcileWindow | WindowIssue): value is WindowIssue {
  return "message" in value;
}
