import assert from "node:assert/strict";
import { parseBenchArgs } from "./bench_options.ts";
import { type SweepFigures, sweepGrowth, type SweepRun } from "./sweep_bench.ts";
import { checkTargets } from "./targets.ts";

function figures(seconds: number, connections: number, requests = connections): SweepFigures {
  return {
    seconds,
    calls: 1,
    requests,
    bookingRequests: requests,
    minimumRequests: connections,
    current: connections,
    changesStored: connections / 100,
    reconciled: 0,
    cpuSeconds: { database: 1, functions: 1, sandbox: 1 },
    databaseCpuMsPerConnection: 1,
  };
}

function run(connections: number, seconds: number, limitSeconds: number, requests?: number): SweepRun {
  return {
    connections,
    workers: 4,
    changed: connections / 100,
    seedSeconds: { sandbox: 0, database: 0 },
    warmupSeconds: 0,
    sweep: figures(seconds, connections, requests),
    limit: {
      seconds: limitSeconds,
      requests: connections,
      cpuSeconds: { database: 0, process: 0 },
      databaseCpuMsPerConnection: 0,
    },
    ratio: limitSeconds / seconds,
  };
}

Deno.test("sweep growth is ms per connection per worker, relative to the smallest size", () => {
  const growth = sweepGrowth([run(1_000, 2, 1), run(10_000, 30, 10)]);
  assert.deepEqual(growth.map((g) => g.msPerConnectionPerWorker), [8, 12]);
  assert.deepEqual(growth.map((g) => g.relative), [1, 1.5]);
});

Deno.test("sweep targets: ratio to the limit, requests at most one per connection, all current", () => {
  const runs = [run(1_000, 1, 0.8), run(3_000, 10, 5, 3_001)];
  const checks = checkTargets({
    sweep: { workers: 4, bookingsEach: 3, changedShare: 0.01, runs, growth: [] },
  });
  assert.deepEqual(checks.map((c) => [c.name.split(": ")[1], c.met]), [
    ["limit time ÷ sweep time", true],
    ["Cal.com requests", true],
    ["connections current, changes stored", true],
    ["limit time ÷ sweep time", false],
    ["Cal.com requests", false],
    ["connections current, changes stored", true],
  ]);
});

Deno.test("--quick sweeps 1,000 connections, the full run 1,000 to 10,000", () => {
  assert.deepEqual(parseBenchArgs(["--quick"]).sweepSizes, [1_000]);
  assert.deepEqual(parseBenchArgs([]).sweepSizes, [1_000, 3_000, 10_000]);
  assert.deepEqual(parseBenchArgs(["--sweep-sizes", "3000,500"]).sweepSizes, [500, 3_000]);
});
