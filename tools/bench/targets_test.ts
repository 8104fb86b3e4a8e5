import assert from "node:assert/strict";
import type { ColdStartBenchResult, ColdStartTarget } from "./cold_start_bench.ts";
import type { ReadsBenchResult } from "./reads_bench.ts";
import type { SyncBenchResult, SyncSizeResult } from "./sync_bench.ts";
import { checkTargets } from "./targets.ts";
import type { LoadFigures, WebhookBenchResult } from "./webhook_bench.ts";

function load(rps: number, p99: number, errors = 0): LoadFigures {
  return {
    requestsPerSecond: rps,
    requests: rps * 10,
    durationS: 10,
    latencyMs: { mean: p99 / 2, max: p99 * 2, p50: p99 / 3, p90: p99 / 2, p99, p999: p99 },
    errors,
    statuses: { "200": rps * 10 },
    wrapped: false,
    cpuMsPerRequest: { server: 1, database: 1 },
    peakRssBytes: 1,
    peakHeapUsedBytes: 1,
    database: { events: 0, processedEvents: 0, bookings: 0, olderStatesKept: 0, forged: 0 },
  };
}

function size(bookings: number, ratio: number, requests: number, peakRssBytes: number): SyncSizeResult {
  const fn = {
    seconds: 1,
    calls: 1,
    status: "succeeded",
    requests,
    minimumRequests: Math.ceil(bookings / 250) + 1,
    requestsByPath: {},
    fetched: bookings,
    created: bookings,
    updated: 0,
    rows: bookings,
    rowsPerSecond: bookings,
    baselineRssBytes: 0,
    peakRssBytes,
    peakHeapUsedBytes: 0,
    liveHeapBytes: { before: 0, after: 0 },
    cpuSeconds: { function: 0, database: 0, sandbox: 0 },
  };
  return {
    bookings,
    function: fn,
    limit: { dbSeconds: 1, statements: 1, rowsPerSecond: bookings / ratio, cpuSeconds: { database: 1 } },
    sandbox: { seconds: 1, rowsPerSecond: 1, requests: 1, largestPageBytes: 1 },
    ratio,
  };
}

Deno.test("webhook targets compare throughput, p99 and errors with the limit", () => {
  const webhook = {
    plain: { function: load(850, 30), limit: load(1000, 20), throughputRatio: 0.85, p99Ratio: 1.5 },
    mixed: { function: load(700, 40, 2), limit: load(1000, 20), throughputRatio: 0.7, p99Ratio: 2 },
  } as unknown as WebhookBenchResult;
  const checks = checkTargets({ webhook });
  assert.deepEqual(checks.map((c) => [c.name, c.met]), [
    ["webhook plain: throughput vs limit", true],
    ["webhook plain: p99 vs limit p99", true],
    ["webhook plain: errors", true],
    ["webhook mixed: throughput vs limit", false],
    ["webhook mixed: p99 vs limit p99", false],
    ["webhook mixed: errors", false],
    ["webhook mixed: older states and forged deliveries not stored", true],
  ]);
});

Deno.test("sync targets ask for half the database limit, the minimum requests and flat memory", () => {
  const sync: SyncBenchResult = {
    sizes: [size(10_000, 0.6, 41, 100 * 2 ** 20), size(100_000, 0.4, 402, 130 * 2 ** 20)],
    incremental: {
      ...size(100_000, 1, 5, 0).function,
      bookings: 100_000,
      changed: 1000,
      minimumRequests: 5,
    },
    memoryGrowth: {
      rssBytes: 30 * 2 ** 20,
      heapUsedBytes: 0,
      liveHeapBytes: 0,
      pageBytes: 1,
      allowedBytes: 16 * 2 ** 20,
    },
  };
  const checks = checkTargets({ sync });
  assert.deepEqual(checks.map((c) => [c.name, c.measured, c.met]), [
    ["full sync 10000: rows/s vs database limit", "0.60×", true],
    ["full sync 10000: Cal.com requests", "41", true],
    ["full sync 10000: all bookings stored", "10000", true],
    ["full sync 100000: rows/s vs database limit", "0.40×", false],
    ["full sync 100000: Cal.com requests", "402", false],
    ["full sync 100000: all bookings stored", "100000", true],
    ["incremental sync (1000 of 100000 changed): Cal.com requests", "5", true],
    ["sync memory: peak RSS 100000 minus 10000", "30.0 MiB", false],
  ]);
});

Deno.test("the bare-server, cold-start and reads targets: 0.9× and 1.2×, 2× the bare start, 0.7× the query", () => {
  const compare = (throughputRatio: number, p99Ratio: number) => ({
    function: load(900, 24),
    limit: load(1000, 20),
    throughputRatio,
    p99Ratio,
  });
  const webhook = {
    plain: compare(1, 1),
    mixed: compare(1, 1),
    bare: { plain: compare(0.9, 1.2), mixed: compare(0.89, 1.21) },
  } as unknown as WebhookBenchResult;
  const graph = { modules: 1, bytes: 1, npmPackages: [], nodeBuiltins: [] };
  const start = (target: ColdStartTarget, ratio: number) => ({
    target,
    entry: "",
    request: "",
    statuses: [200],
    samplesMs: [ratio * 20],
    medianMs: ratio * 20,
    ratio,
    rssBytes: 1,
    graph,
    staticGraph: graph,
  });
  const coldStart: ColdStartBenchResult = {
    repetitions: 1,
    targets: [
      start("bare", 1),
      start("bare+postgres", 3),
      start("calcom-webhook", 2),
      start("calcom-connection", 2.1),
    ],
  };
  const walk = { pages: 1, rows: 1, seconds: 1, pagesPerSecond: 1, rowsPerSecond: 1 };
  const reads: ReadsBenchResult = {
    bookings: 10,
    seedSeconds: 1,
    sizes: [50, 250].map((pageSize, i) => ({
      pageSize,
      function: { ...walk, baselineRssBytes: 1, peakRssBytes: 1, peakHeapUsedBytes: 1, largestPageBytes: 1 },
      limit: walk,
      ratio: i === 0 ? 0.7 : 0.69,
    })),
  };
  const checks = checkTargets({ webhook, coldStart, reads }).slice(7);
  assert.deepEqual(checks.map((c) => [c.name, c.measured, c.met]), [
    ["webhook plain: throughput vs bare server", "0.90×", true],
    ["webhook plain: p99 vs bare server p99", "1.20×", true],
    ["webhook mixed: throughput vs bare server", "0.89×", false],
    ["webhook mixed: p99 vs bare server p99", "1.21×", false],
    ["cold start calcom-webhook: median vs bare Deno.serve", "2.00×", true],
    ["cold start calcom-connection: median vs bare Deno.serve", "2.10×", false],
    ["reads 10 in pages of 50: rows/s vs the query alone", "0.70×", true],
    ["reads 10 in pages of 250: rows/s vs the query alone", "0.69×", false],
  ]);
});
