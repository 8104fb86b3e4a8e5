/**
 * The scheduled sync's cadence: when a connection is next due, from how its last sync ended. Pure; the
 * times come from the caller's clock. The defaults and what they cost in Cal.com requests are in
 * docs/operations.md ("Scheduled sync").
 *
 * - succeeded: again after `activeIntervalMs` when the connection received changed bookings within
 *   `activeWindowMs`, else after `idleIntervalMs`;
 * - partial (the deadline stopped it with work left): due again at once; oldest due first puts it behind
 *   the connections already waiting;
 * - failed: exponential backoff, `failureBaseMs` doubled per consecutive failure, at most `failureCapMs`;
 * - skipped (another sync of the connection was running): again after `skippedRetryMs`;
 * - paused connections (`is_active = false`) are never claimed, whatever their due time.
 *
 * @module
 */

/** The cadence's settings. */
export interface SyncCadence {
  activeIntervalMs: number;
  idleIntervalMs: number;
  /** How recent a change keeps a connection on the active interval. */
  activeWindowMs: number;
  failureBaseMs: number;
  failureCapMs: number;
  skippedRetryMs: number;
}

const minute = 60_000;

/** The defaults: every 5 minutes while active, every 30 when idle, backoff from 5 minutes to 6 hours. */
export const defaultCadence: SyncCadence = {
  activeIntervalMs: 5 * minute,
  idleIntervalMs: 30 * minute,
  activeWindowMs: 24 * 60 * minute,
  failureBaseMs: 5 * minute,
  failureCapMs: 6 * 60 * minute,
  skippedRetryMs: minute,
};

/** How a scheduled (or user's) sync of a connection ended. */
export type ScheduleOutcome = "succeeded" | "partial" | "failed" | "skipped";

/** A connection's schedule state before the outcome. */
export interface ScheduleState {
  consecutiveFailures: number;
  lastChangeAt: Date | null;
}

/** A connection's schedule state after an outcome. */
export interface NextSchedule {
  nextDueAt: Date;
  consecutiveFailures: number;
  lastChangeAt: Date | null;
}

/** The backoff after `failures` consecutive failures (1 or more). */
export function failureBackoffMs(failures: number, cadence: SyncCadence = defaultCadence): number {
  // 2 ** 40 already exceeds any cap; bounding the exponent keeps the product finite.
  const factor = 2 ** Math.min(Math.max(failures, 1) - 1, 40);
  return Math.min(cadence.failureBaseMs * factor, cadence.failureCapMs);
}

/**
 * The state after a sync ended with `outcome` at `now`; `changed` says whether it received changed
 * bookings. A skipped sync leaves the failure count and the last change as they were.
 */
export function nextSchedule(
  state: ScheduleState,
  outcome: ScheduleOutcome,
  now: Date,
  changed: boolean,
  cadence: SyncCadence = defaultCadence,
): NextSchedule {
  const at = (ms: number) => new Date(now.getTime() + ms);
  const lastChangeAt = changed ? now : state.lastChangeAt;
  switch (outcome) {
    case "skipped":
      return {
        nextDueAt: at(cadence.skippedRetryMs),
        consecutiveFailures: state.consecutiveFailures,
        lastChangeAt: state.lastChangeAt,
      };
    case "failed": {
      const failures = state.consecutiveFailures + 1;
      return {
        nextDueAt: at(failureBackoffMs(failures, cadence)),
        consecutiveFailures: failures,
        lastChangeAt,
      };
    }
    case "partial":
      return { nextDueAt: now, consecutiveFailures: 0, lastChangeAt };
    case "succeeded": {
      const active = lastChangeAt !== null && now.getTime() - lastChangeAt.getTime() < cadence.activeWindowMs;
      return {
        nextDueAt: at(active ? cadence.activeIntervalMs : cadence.idleIntervalMs),
        consecutiveFailures: 0,
        lastChangeAt,
      };
    }
  }
}
