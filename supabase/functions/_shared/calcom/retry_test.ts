import assert from "node:assert/strict";
import { backoffDelay, defaultBackoff } from "./retry.ts";

Deno.test("backoff ceilings double from the base and stop at the maximum", () => {
  const almostOne = () => 0.999999;
  const ceilings = [1, 2, 3, 4, 5, 6, 7].map((retry) =>
    backoffDelay(retry, { ...defaultBackoff, random: almostOne })
  );
  assert.deepEqual(ceilings, [499, 999, 1999, 3999, 7999, 7999, 7999]);
});

Deno.test("backoff uses full jitter: the random draw scales the whole delay", () => {
  assert.equal(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0 }), 0);
  assert.equal(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0.5 }), 200);
});
