/**
 * `deno task bench`: the performance benchmarks of issue 8, each side by side with the best this machine
 * can do in the same run. Prints markdown tables and writes `bench-results/<date>.json`.
 * See `docs/benchmarks.md` for what each figure means. Not part of `npm test`.
 *
 * ```sh
 * deno task bench --quick          # smoke test in well under a minute
 * deno task bench                  # the full run (several minutes)
 * deno task bench --only webhook   # one benchmark
 * deno task bench --only ratelimit --quick   # the sync under the rate limit, scaled to well under a minute
 * deno task bench --only sweep --quick       # one scheduled sweep of 1,000 connections, about a minute
 * deno task bench --only coldstart,reads --quick
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { BenchUsageError, parseBenchArgs } from "./bench_options.ts";
import type { BenchReport, LoadRecord } from "./bench_report.ts";
import { loadAverage, machineInfo } from "./machine_info.ts";
import { formatReport } from "./report_table.ts";
import { runRateLimitBench } from "./ratelimit_bench.ts";
import { runSyncBench } from "./sync_bench.ts";
import { runSweepBench } from "./sweep_bench.ts";
import { runColdStartBench } from "./cold_start_bench.ts";
import { runReadsBench } from "./reads_bench.ts";
import { checkTargets } from "./targets.ts";
import { runWebhookBench } from "./webhook_bench.ts";
import { checkWrk } from "./wrk.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(args);
  } catch (err) {
    if (err instanceof BenchUsageError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  let loadTool = "wrk not needed";
  if (options.only.has("webhook")) {
    try {
      loadTool = await checkWrk();
    } catch (err) {
      console.error((err as Error).message);
      return 1;
    }
  }
  const started = performance.now();
  const log = (line: string) =>
    console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const machine = await machineInfo(loadTool);
  const load: LoadRecord = { before: await loadAverage(), after: [0, 0, 0], samples: [] };
  if (load.before[0] > 1 && !options.quick) {
    log(`warning: load average is ${load.before[0]} before the run; figures will be noisy`);
  }
  const sampler = setInterval(async () => {
    load.samples.push({
      atSeconds: Math.round((performance.now() - started) / 1000),
      load1: (await loadAverage())[0],
    });
  }, 5000);

  const report: BenchReport = {
    machine,
    options: {
      quick: options.quick,
      webhookSeconds: options.webhookSeconds,
      connections: options.connections,
      syncSizes: options.syncSizes,
      incrementalShare: options.incrementalShare,
      ratelimitBookings: options.ratelimitBookings,
      sweepSizes: options.sweepSizes,
      sweepWorkers: options.sweepWorkers,
      coldStartRepetitions: options.coldStartRepetitions,
      readsBookings: options.readsBookings,
    },
    load,
    durationSeconds: 0,
    targets: [],
  };
  try {
    if (options.only.has("webhook")) {
      report.webhook = await runWebhookBench({
        seconds: options.webhookSeconds,
        connections: options.connections,
        quick: options.quick,
        log,
      });
    }
    if (options.only.has("sync") || options.only.has("row-at-a-time")) {
      report.sync = await runSyncBench({
        sizes: options.syncSizes,
        incrementalShare: options.only.has("sync") ? options.incrementalShare : 0,
        rowAtATime: options.only.has("row-at-a-time"),
        log,
      });
    }
    if (options.only.has("ratelimit")) {
      report.ratelimit = await runRateLimitBench({
        bookings: options.ratelimitBookings,
        quick: options.quick,
        log,
      });
    }
    if (options.only.has("sweep")) {
      report.sweep = await runSweepBench({
        sizes: options.sweepSizes,
        workers: options.sweepWorkers,
        reconcileDue: true,
        log,
      });
    }
    if (options.only.has("coldstart")) {
      report.coldStart = await runColdStartBench({ repetitions: options.coldStartRepetitions, log });
    }
    if (options.only.has("reads")) {
      report.reads = await runReadsBench({
        bookings: options.readsBookings,
        pageSizes: options.readsPageSizes,
        log,
      });
    }
  } finally {
    clearInterval(sampler);
  }
  load.after = await loadAverage();
  report.durationSeconds = (performance.now() - started) / 1000;
  report.targets = checkTargets(report);

  console.log(formatReport(report));
  if (!options.dryRun) {
    // a quick run is a smoke test, not a result: it goes to the git-ignored .local/
    const file = options.out ??
      (options.quick
        ? `${ROOT}.local/bench/${machine.date.slice(0, 10)}-quick.json`
        : `${ROOT}bench-results/${machine.date.slice(0, 10)}.json`);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, JSON.stringify(report, null, 2) + "\n");
    log(`wrote ${file}`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
