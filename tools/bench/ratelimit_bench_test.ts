import assert from "node:assert/strict";
import { windowsOf } from "./ratelimit_bench.ts";

const config = { limit: 3, ttlMs: 1_000, blockMs: 2_000 };

Deno.test("windows are replayed from the request log as the sandbox counts them", () => {
  const log = [
    { at: 0, status: 200 },
    { at: 400, status: 200 },
    { at: 999, status: 200 },
    // the next window opens at the first request after the first one's ended
    { at: 1_200, status: 200 },
    { at: 1_300, status: 429 },
    // the 429 blocked the key until 3,300: still the same window
    { at: 2_500, status: 429 },
    { at: 3_400, status: 200 },
  ];
  assert.deepEqual(windowsOf(log, config), [
    { hits: 3, throttled: 0 },
    { hits: 1, throttled: 2 },
    { hits: 1, throttled: 0 },
  ]);
});

Deno.test("the log's order does not matter, and an empty log has no window", () => {
  assert.deepEqual(windowsOf([{ at: 1_500, status: 200 }, { at: 0, status: 200 }], config), [
    { hits: 1, throttled: 0 },
    { hits: 1, throttled: 0 },
  ]);
  assert.deepEqual(windowsOf([], config), []);
});
