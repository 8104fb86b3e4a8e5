import assert from "node:assert/strict";
import { defaultCadence, failureBackoffMs, nextSchedule } from "./connection_schedule.ts";

const now = new Date("2026-12-04T12:00:00.000Z");
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const fresh = { consecutiveFailures: 0, lastChangeAt: null };

Deno.test("a succeeded sync is due again sooner while the connection changed within the active window", () => {
  assert.deepEqual(nextSchedule(fresh, "succeeded", now, true), {
    nextDueAt: minutes(5),
    consecutiveFailures: 0,
    lastChangeAt: now,
  });
  const changedYesterday = { consecutiveFailures: 2, lastChangeAt: new Date(now.getTime() - 86_400_000) };
  assert.deepEqual(nextSchedule(changedYesterday, "succeeded", now, false), {
    nextDueAt: minutes(30),
    consecutiveFailures: 0,
    lastChangeAt: changedYesterday.lastChangeAt,
  });
  const changedAnHourAgo = { consecutiveFailures: 0, lastChangeAt: minutes(-60) };
  assert.equal(
    nextSchedule(changedAnHourAgo, "succeeded", now, false).nextDueAt.getTime(),
    minutes(5).getTime(),
  );
});

Deno.test("failures back off by doubling from the base up to the cap, and never overflow", () => {
  assert.deepEqual(
    [1, 2, 3, 7, 8, 9, 1000].map((n) => failureBackoffMs(n) / 60_000),
    [5, 10, 20, 320, 360, 360, 360],
  );
  const failing = { consecutiveFailures: 3, lastChangeAt: null };
  assert.deepEqual(nextSchedule(failing, "failed", now, false), {
    nextDueAt: minutes(40),
    consecutiveFailures: 4,
    lastChangeAt: null,
  });
});

Deno.test("a partial sync is due at once and a skipped one retries soon, keeping its failure count", () => {
  assert.deepEqual(nextSchedule({ consecutiveFailures: 2, lastChangeAt: null }, "partial", now, true), {
    nextDueAt: now,
    consecutiveFailures: 0,
    lastChangeAt: now,
  });
  assert.deepEqual(nextSchedule({ consecutiveFailures: 2, lastChangeAt: null }, "skipped", now, false), {
    nextDueAt: new Date(now.getTime() + defaultCadence.skippedRetryMs),
    consecutiveFailures: 2,
    lastChangeAt: null,
  });
});
