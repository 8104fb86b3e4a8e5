import assert from "node:assert/strict";
import {
  defaultBlockMs,
  maxResetMs,
  RateLimiter,
  rateLimiterForKey,
  readRateLimit,
} from "../../../../supabase/functions/_shared/calcom/rate_limiter.ts";
import { fakeClock, testApiKey } from "../../../testing/calcom_test_data.ts";

function limitHeaders(remaining: number, resetSeconds: number, name = "Default"): Headers {
  return new Headers({
    [`X-RateLimit-Limit-${name}`]: "120",
    [`X-RateLimit-Remaining-${name}`]: String(remaining),
    [`X-RateLimit-Reset-${name}`]: String(resetSeconds),
  });
}

Deno.test("the Default limit headers are read as remaining requests and a relative reset in seconds", () => {
  assert.deepEqual(readRateLimit(limitHeaders(7, 42), 0), { remaining: 7, resetMs: 42_000 });
  assert.equal(readRateLimit(new Headers({ "content-type": "application/json" }), 0), undefined);
});

Deno.test("a reset that can only be a Unix timestamp is read as one", () => {
  const now = Date.parse("2026-01-15T12:00:00.000Z");
  assert.deepEqual(readRateLimit(limitHeaders(0, now / 1000 + 30), now), { remaining: 0, resetMs: 30_000 });
  assert.deepEqual(readRateLimit(limitHeaders(0, now / 1000 - 30), now), { remaining: 0, resetMs: 0 });
});

Deno.test("no reset header makes the client wait more than ten minutes", () => {
  assert.deepEqual(readRateLimit(limitHeaders(0, 86_400), 0), { remaining: 0, resetMs: maxResetMs });
});

Deno.test("of several named limits the most restrictive one is read", () => {
  const headers = limitHeaders(50, 30);
  for (const [name, value] of limitHeaders(0, 12, "Short")) headers.set(name, value);
  assert.deepEqual(readRateLimit(headers, 0), { remaining: 0, resetMs: 12_000 });
});

Deno.test("a limiter lets requests through until the headers say none remain, then waits for the reset", () => {
  const limiter = new RateLimiter();
  const now = 1_000_000;
  assert.equal(limiter.waitMs(now), 0);
  limiter.release(now, { status: 200, headers: limitHeaders(1, 30) });
  assert.equal(limiter.waitMs(now), 0);
  limiter.release(now + 10, { status: 200, headers: limitHeaders(0, 30) });
  assert.equal(limiter.waitMs(now + 10), 30_000);
  assert.equal(limiter.waitMs(now + 10 + 29_999), 1);
  assert.equal(limiter.waitMs(now + 10 + 30_000), 0);
});

Deno.test("requests in flight count against what remains", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter();
  limiter.release(clock.ms(), { status: 200, headers: limitHeaders(1, 20) });
  assert.deepEqual(await limiter.acquire({ now: clock.ms, sleep: clock.sleep }, Infinity), { ok: true });
  // The one remaining request is in flight: a second one must wait for the window to end.
  assert.equal(limiter.waitMs(clock.ms()), 20_000);
  assert.deepEqual(await limiter.acquire({ now: clock.ms, sleep: clock.sleep }, Infinity), { ok: true });
  assert.deepEqual(clock.sleeps, [20_000]);
});

Deno.test("an exhausted limit whose reset reads 0 still waits a second", () => {
  const limiter = new RateLimiter();
  limiter.release(5_000, { status: 200, headers: limitHeaders(0, 0) });
  assert.equal(limiter.waitMs(5_000), 1_000);
});

Deno.test("a 429 blocks until its reset, or for 60 seconds without one", () => {
  const limiter = new RateLimiter();
  limiter.release(0, { status: 429, headers: limitHeaders(0, 45) });
  assert.equal(limiter.waitMs(0), 45_000);
  const bare = new RateLimiter();
  bare.release(0, { status: 429, headers: new Headers() });
  assert.equal(bare.waitMs(0), defaultBlockMs);
});

Deno.test("a reset recorded on a clock far ahead of the caller's is forgotten", () => {
  const limiter = new RateLimiter();
  limiter.release(Date.parse("2030-01-01T00:00:00Z"), { status: 200, headers: limitHeaders(0, 60) });
  assert.equal(limiter.waitMs(Date.parse("2026-01-01T00:00:00Z")), 0);
  limiter.release(Date.parse("2030-01-01T00:00:00Z"), { status: 200, headers: limitHeaders(0, 60) });
  limiter.block(Date.parse("2026-01-01T00:00:00Z"), 5_000);
  assert.equal(limiter.waitMs(Date.parse("2026-01-01T00:00:00Z")), 5_000);
});

Deno.test("acquire declines instead of waiting until or past the deadline", async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter();
  limiter.block(clock.ms(), 60_000);
  const clockFns = { now: clock.ms, sleep: clock.sleep };
  assert.deepEqual(await limiter.acquire(clockFns, clock.ms() + 59_999), { ok: false, waitMs: 60_000 });
  // Waiting until the deadline itself would leave no time for the request.
  assert.deepEqual(await limiter.acquire(clockFns, clock.ms() + 60_000), { ok: false, waitMs: 60_000 });
  assert.deepEqual(clock.sleeps, []);
  assert.deepEqual(await limiter.acquire(clockFns, clock.ms() + 60_001), { ok: true });
  assert.deepEqual(clock.sleeps, [60_000]);
});

Deno.test("clients of the same key share one limiter and other keys get their own", () => {
  const key = testApiKey();
  const a = rateLimiterForKey(key);
  assert.equal(rateLimiterForKey(key), a);
  assert.notEqual(rateLimiterForKey(testApiKey()), a);
});

Deno.test("the same key on two Cal.com servers has two limiters", () => {
  const key = testApiKey();
  const hosted = rateLimiterForKey(key);
  assert.equal(rateLimiterForKey(key, "https://api.cal.com/"), hosted);
  const selfHosted = rateLimiterForKey(key, "https://cal.example.com");
  assert.notEqual(selfHosted, hosted);
  assert.equal(rateLimiterForKey(key, "https://cal.example.com"), selfHosted);
});
