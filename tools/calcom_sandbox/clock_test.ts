import assert from "node:assert/strict";
import { createClock } from "./clock.ts";

Deno.test("a clock follows its source until frozen, then moves only when told", () => {
  let source = 1_000;
  const clock = createClock(() => new Date(source));
  assert.equal(clock.now(), 1_000);
  source = 2_000;
  assert.equal(clock.now(), 2_000);
  clock.set("2025-01-01T00:00:00Z");
  source = 3_000;
  assert.equal(clock.now(), Date.parse("2025-01-01T00:00:00Z"));
  clock.advance(500);
  assert.equal(clock.now(), Date.parse("2025-01-01T00:00:00.500Z"));
  clock.set(null);
  assert.equal(clock.now(), 3_000);
});
