/**
 * The sandbox's sense of time. Everything that depends on "now" (status filters, createdAt/updatedAt,
 * rate-limit windows, webhook createdAt) reads this clock, so tests can freeze or move it instead of
 * sleeping.
 *
 * @module
 */

/** A settable clock in epoch milliseconds. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Freezes the clock at `date`; `null` goes back to the source clock. */
  set(date: Date | string | null): void;
  /** Moves a frozen clock forward (or freezes it at source time plus `ms`). */
  advance(ms: number): void;
}

/** Creates a clock reading `source` (default: the system clock) until frozen with `set`. */
export function createClock(source: () => Date = () => new Date()): Clock {
  let frozen: number | null = null;
  return {
    now: () => frozen ?? source().getTime(),
    set(date) {
      frozen = date === null ? null : new Date(date).getTime();
    },
    advance(ms) {
      frozen = (frozen ?? source().getTime()) + ms;
    },
  };
}
