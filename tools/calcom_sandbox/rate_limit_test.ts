import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

Deno.test("the limiter counts down, blocks the hit past the limit, and reports seconds until reset", () => {
  let now = 1_000_000;
  const limiter = new RateLimiter(() => now, { limit: 3, ttlMs: 60_000, blockMs: 90_000 });
  const remaining = [1, 2, 3].map(() => limiter.hit("k").headers["X-RateLimit-Remaining-Default"]);
  assert.deepEqual(remaining, ["2", "1", "0"]);
  now += 10_000;
  const blocked = limiter.hit("k");
  assert.equal(blocked.blocked, true);
  assert.deepEqual(blocked.headers, {
    "X-RateLimit-Limit-Default": "3",
    "X-RateLimit-Remaining-Default": "0",
    "X-RateLimit-Reset-Default": "90",
  });
  // The block outlasts the window it started in.
  now += 55_000;
  assert.equal(limiter.hit("k").blocked, true);
  now += 35_000;
  const after = limiter.hit("k");
  assert.equal(after.blocked, false);
  assert.equal(after.headers["X-RateLimit-Remaining-Default"], "2");
  assert.equal(after.headers["X-RateLimit-Reset-Default"], "60");
});

Deno.test("the window resets after its ttl without a block", () => {
  let now = 0;
  const limiter = new RateLimiter(() => now, { limit: 2, ttlMs: 60_000, blockMs: 60_000 });
  limiter.hit("k");
  now = 59_500;
  assert.equal(limiter.hit("k").headers["X-RateLimit-Reset-Default"], "1");
  now = 60_000;
  assert.equal(limiter.hit("k").headers["X-RateLimit-Remaining-Default"], "1");
});

Deno.test("trackers are counted separately", () => {
  const limiter = new RateLimiter(() => 0, { limit: 1, ttlMs: 1000, blockMs: 1000 });
  assert.equal(limiter.hit("a").blocked, false);
  assert.equal(limiter.hit("b").blocked, false);
  assert.equal(limiter.hit("a").blocked, true);
});

Deno.test("every answer carries the rate-limit headers, 120 requests per minute by default", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow("2025-03-01T09:00:00.000Z");
  const { apiKey } = sandbox.addUser();
  const ok = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(ok.headers.get("x-ratelimit-limit-default"), "120");
  assert.equal(ok.headers.get("x-ratelimit-remaining-default"), "119");
  assert.equal(ok.headers.get("x-ratelimit-reset-default"), "60");
  const bad = await calFetch(sandbox, apiKey, "/v2/bookings?take=0");
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get("x-ratelimit-remaining-default"), "118");
});

Deno.test("the request past the limit gets a 429 ThrottlerException and the key stays blocked for the block time", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow("2025-03-01T09:00:00.000Z");
  sandbox.setRateLimit({ limit: 5, ttlMs: 60_000, blockMs: 60_000 });
  const { apiKey } = sandbox.addUser();
  const other = sandbox.addUser();
  for (let i = 0; i < 5; i++) assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  sandbox.advanceTime(1_000);
  const limited = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(limited.status, 429);
  assert.deepEqual(limited.json, {
    status: "error",
    timestamp: "2025-03-01T09:00:01.000Z",
    path: "/v2/me",
    error: {
      code: "ThrottlerException",
      message: "CustomThrottlerGuard - Too many requests. Please try again later.",
    },
  });
  assert.equal(limited.headers.get("x-ratelimit-remaining-default"), "0");
  assert.equal(limited.headers.get("x-ratelimit-reset-default"), "60");
  assert.equal(limited.headers.get("retry-after"), null);

  assert.equal((await calFetch(sandbox, other.apiKey, "/v2/me")).status, 200, "another key is not limited");

  sandbox.advanceTime(59_000);
  const still = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(still.status, 429);
  assert.equal(still.headers.get("x-ratelimit-reset-default"), "1");
  sandbox.advanceTime(1_000);
  const free = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(free.status, 200);
  assert.equal(free.headers.get("x-ratelimit-remaining-default"), "4");
  assert.equal(sandbox.requests.filter((r) => r.status === 429).length, 2);
});

Deno.test("requests without credentials are limited per client, not per key", async () => {
  await using sandbox = await startSandbox();
  sandbox.setRateLimit({ limit: 1 });
  const { user } = sandbox.addUser();
  const b = await sandbox.createBooking(user.id);
  assert.equal((await calFetch(sandbox, null, `/v2/bookings/${b.uid}`)).status, 200);
  assert.equal((await calFetch(sandbox, null, `/v2/bookings/${b.uid}`)).status, 429);
});
