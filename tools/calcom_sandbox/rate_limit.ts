/**
 * Cal.com's per-tracker rate limit (contract §7.3, `CustomThrottlerGuard` over Nest's throttler
 * storage): a fixed window of `ttlMs` counting hits; the hit that exceeds `limit` starts a block of
 * `blockMs` during which every request is refused; headers on every answer, reset in seconds.
 *
 * @module
 */

/** Limits for one tracker. */
export interface RateLimitConfig {
  /** Requests allowed per window (Cal.com: 120 per API key). */
  limit: number;
  /** Window length in ms (Cal.com: 60 000). */
  ttlMs: number;
  /** Block length once the limit is exceeded, in ms (Cal.com: 60 000). */
  blockMs: number;
}

/** Cal.com's defaults for API keys. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 120, ttlMs: 60_000, blockMs: 60_000 };

/** The outcome of one hit. */
export interface RateLimitResult {
  blocked: boolean;
  /** `X-RateLimit-*-Default` response headers. */
  headers: Record<string, string>;
}

interface Entry {
  hits: number;
  expiresAt: number;
  blockExpiresAt: number;
}

/** A rate limiter keyed by tracker (an API key hash, token hash or IP), reading time from `now`. */
export class RateLimiter {
  #config: RateLimitConfig;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(now: () => number, config: RateLimitConfig = DEFAULT_RATE_LIMIT) {
    this.#now = now;
    this.#config = { ...config };
  }

  /** Replaces the limits and forgets all counts, so a test starts from a clean window. */
  configure(config: Partial<RateLimitConfig>): void {
    this.#config = { ...this.#config, ...config };
    this.#entries.clear();
  }

  /** Counts one request for `tracker`, as the throttler storage's `increment` does. */
  hit(tracker: string): RateLimitResult {
    const { limit, ttlMs, blockMs } = this.#config;
    const now = this.#now();
    let e = this.#entries.get(tracker);
    if (!e) {
      e = { hits: 0, expiresAt: now + ttlMs, blockExpiresAt: 0 };
      this.#entries.set(tracker, e);
    }
    if (e.blockExpiresAt !== 0 && e.blockExpiresAt <= now) {
      // The block is over: start a fresh window.
      e.hits = 0;
      e.blockExpiresAt = 0;
      e.expiresAt = now + ttlMs;
    }
    if (e.expiresAt <= now) {
      e.hits = 0;
      e.expiresAt = now + ttlMs;
    }
    const blockedBefore = e.blockExpiresAt !== 0;
    if (!blockedBefore) e.hits++;
    if (!blockedBefore && e.hits > limit) e.blockExpiresAt = now + blockMs;
    const blocked = e.blockExpiresAt !== 0;
    const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
    return {
      blocked,
      headers: {
        "X-RateLimit-Limit-Default": String(limit),
        "X-RateLimit-Remaining-Default": String(blocked ? 0 : Math.max(0, limit - e.hits)),
        "X-RateLimit-Reset-Default": String(
          blocked ? seconds(e.blockExpiresAt - now) : seconds(e.expiresAt - now),
        ),
      },
    };
  }
}
