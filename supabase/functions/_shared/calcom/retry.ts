/**
 * Backoff delays for retrying Cal.com calls.
 *
 * @module
 */

/** How long retries wait: exponential growth from `baseMs`, capped at `maxMs`, with full jitter. */
export interface BackoffOptions {
  /** Upper bound of the first retry's delay. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Returns a number in [0, 1), like `Math.random`. */
  random: () => number;
}

/** Defaults used by the client: 0–0.5 s, 0–1 s, 0–2 s, … never more than 8 s. */
export const defaultBackoff: Omit<BackoffOptions, "random"> = { baseMs: 500, maxMs: 8_000 };

/**
 * Milliseconds to wait before retry number `retry` (1 for the first retry), drawn uniformly from
 * [0, min(maxMs, baseMs * 2^(retry-1))) ("full jitter"), so clients that failed together do not retry
 * together.
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(options.random() * ceiling);
}
