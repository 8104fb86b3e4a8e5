/**
 * Keeps a process under Cal.com's per-key rate limit (120 requests per 60 s by default) by reading the
 * `X-RateLimit-Remaining-<Name>` and `X-RateLimit-Reset-<Name>` headers Cal.com sends on every response.
 *
 * @module
 */
import { sha256Hex } from "../platform/sha256.ts";

/** Wait used after a 429 that carried no reset header: Cal.com's default block duration. */
export const defaultBlockMs = 60_000;

/**
 * Longest wait a reset header can impose. Cal.com's windows and blocks last 60 s; a reset further away
 * is bogus or was measured on another clock, and would stall every call of the key until a deadline.
 */
export const maxResetMs = 10 * 60_000;

/** Reset values above this many seconds (2001-09-09) are Unix timestamps, not durations. */
const unixTimestampFloor = 1_000_000_000;

/** When a limit is exhausted but its reset header says 0, the window still has a fraction left. */
const minimumExhaustedWaitMs = 1_000;

/** The most restrictive limit a response reported, if it reported any. */
export interface RateLimitReading {
  remaining: number;
  /** Milliseconds until that limit's window (or block) ends, relative to when the response arrived. */
  resetMs: number;
}

/**
 * Reads the rate-limit headers of a response that arrived at `now` (epoch ms). Cal.com names each limit
 * (`Default` unless the key has a custom limit), so every `X-RateLimit-Remaining-*` is read and the most
 * restrictive one wins. The reset header is seconds until the window ends, a small relative number; a
 * value that can only be a Unix timestamp (some docs describe it so) is read as one. Either way the
 * wait is capped at {@linkcode maxResetMs}.
 */
export function readRateLimit(headers: Headers, now: number): RateLimitReading | undefined {
  let reading: RateLimitReading | undefined;
  for (const [name, value] of headers) {
    const match = /^x-ratelimit-remaining(-.+)?$/i.exec(name);
    if (!match) continue;
    const remaining = Number(value);
    if (!Number.isFinite(remaining)) continue;
    const resetSeconds = Number(headers.get(`x-ratelimit-reset${match[1] ?? ""}`));
    const resetMs = Number.isFinite(resetSeconds) && resetSeconds > 0
      ? Math.min(
        maxResetMs,
        resetSeconds > unixTimestampFloor ? resetSeconds * 1000 - now : resetSeconds * 1000,
      )
      : 0;
    const candidate = { remaining: Math.max(0, remaining), resetMs: Math.max(0, resetMs) };
    if (
      !reading || candidate.remaining < reading.remaining ||
      (candidate.remaining === reading.remaining && candidate.resetMs > reading.resetMs)
    ) reading = candidate;
  }
  return reading;
}

/** What {@linkcode RateLimiter.acquire} needs: the caller's clock and sleep. */
export interface LimiterClock {
  /** Current time in epoch milliseconds. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** Outcome of {@linkcode RateLimiter.acquire}. */
export type AcquireResult = { ok: true } | { ok: false; waitMs: number };

/**
 * Rate-limit state of one API key. Every client of that key in the process shares one instance (see
 * {@linkcode rateLimiterForKey}), so two syncs of the same account do not overrun the limit together.
 */
export class RateLimiter {
  /** Requests left in the current window, `undefined` while unknown (no response seen in the window). */
  #remaining: number | undefined;
  /** Epoch ms when the current window or block ends. */
  #resetAt = 0;
  #inFlight = 0;

  /** Milliseconds the next request must wait before it starts; 0 when it may start now. */
  waitMs(now: number): number {
    // A reset further away than any header can set was recorded on another clock (a test's frozen one).
    if (now >= this.#resetAt || this.#resetAt - now > maxResetMs) {
      this.#remaining = undefined;
      this.#resetAt = 0;
      return 0;
    }
    if (this.#remaining === undefined || this.#remaining - this.#inFlight > 0) return 0;
    return this.#resetAt - now;
  }

  /**
   * Waits until a request may start without exceeding the limit and counts it as in flight. Returns
   * `{ ok: false }` instead of waiting when the wait would not end before `deadline` (epoch ms): a
   * request that may only start at the deadline has no time left to run.
   * Every successful acquire must be paired with {@linkcode RateLimiter.release}.
   */
  async acquire(clock: LimiterClock, deadline: number): Promise<AcquireResult> {
    for (;;) {
      const now = clock.now();
      const waitMs = this.waitMs(now);
      if (waitMs === 0) {
        this.#inFlight++;
        return { ok: true };
      }
      if (now + waitMs >= deadline) return { ok: false, waitMs };
      await clock.sleep(waitMs);
    }
  }

  /**
   * Ends an in-flight request and records what its response said about the limit (if it arrived).
   * A 429 blocks the key until the reported reset, or for {@linkcode defaultBlockMs} without one.
   */
  release(now: number, response?: { status: number; headers: Headers }): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (!response) return;
    const reading = readRateLimit(response.headers, now);
    if (response.status === 429) {
      this.block(now, reading && reading.resetMs > 0 ? reading.resetMs : defaultBlockMs);
      return;
    }
    if (!reading) return;
    const resetMs = reading.remaining === 0
      ? Math.max(reading.resetMs, minimumExhaustedWaitMs)
      : reading.resetMs;
    this.#remaining = reading.remaining;
    this.#resetAt = now + resetMs;
  }

  /** Allows no request until `now + ms`. */
  block(now: number, ms: number): void {
    this.waitMs(now); // forgets a stale reset first, so it cannot outlive this block
    this.#remaining = 0;
    this.#resetAt = Math.max(this.#resetAt, now + ms);
  }
}

const limiters = new Map<string, RateLimiter>();
const maxLimiters = 1_000;

/**
 * The process-wide limiter of an API key on one Cal.com server (`baseUrl`, default the hosted API): each
 * server counts its own keys, so a key on a self-hosted instance never shares a bucket with the same
 * string on another. The map is keyed by SHA-256 of server and key, so the key itself is not kept in
 * memory here.
 */
export function rateLimiterForKey(apiKey: string, baseUrl = "https://api.cal.com"): RateLimiter {
  const id = sha256Hex(`${baseUrl.replace(/\/+$/, "")}\n${apiKey}`);
  let limiter = limiters.get(id);
  if (!limiter) {
    // A long-lived worker that saw many keys forgets the oldest; the next response re-teaches it.
    if (limiters.size >= maxLimiters) limiters.delete(limiters.keys().next().value!);
    limiter = new RateLimiter();
    limiters.set(id, limiter);
  }
  return limiter;
}
