/**
 * The benchmark targets for this machine, checked against a run: webhook throughput at least 0.8 of its
 * limit with a p99 at most 1.5 times the limit's and no errors; full sync at least 0.5 of the database
 * limit; no more Cal.com requests than the minimum, ceil(N/250)+1 (the last page, partial or empty, is
 * the one that says there is no next); memory that does not grow with the bookings.
 *
 * @module
 */
import type { TargetCheck } from "./bench_report.ts";
import type { ColdStartBenchResult } from "./cold_start_bench.ts";
import type { RateLimitBenchResult, RateLimitRun } from "./ratelimit_bench.ts";
import type { SweepBenchResult } from "./sweep_bench.ts";
import type { ReadsBenchResult } from "./reads_bench.ts";
import type { SyncBenchResult } from "./sync_bench.ts";
import type { WebhookBenchResult, WebhookComparison } from "./webhook_bench.ts";

const ratio = (x: number) => `${x.toFixed(2)}×`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function webhookTargets(name: string, c: WebhookComparison): TargetCheck[] {
  return [
    {
      name: `webhook ${name}: throughput vs limit`,
      target: "≥ 0.80×",
      measured: ratio(c.throughputRatio),
      met: c.throughputRatio >= 0.8,
    },
    {
      name: `webhook ${name}: p99 vs limit p99`,
      target: "≤ 1.50×",
      measured: ratio(c.p99Ratio),
      met: c.p99Ratio <= 1.5,
    },
    {
      name: `webhook ${name}: errors`,
      target: "0",
      measured: String(c.function.errors),
      met: c.function.errors === 0,
    },
  ];
}

function rateLimitTargets(r: RateLimitBenchResult, x: RateLimitRun): TargetCheck[] {
  const name = x.users === 1 ? "sync under the rate limit" : `${x.users} syncs sharing the key`;
  return [
    { name: `${name}: bound ÷ wall time`, target: "≥ 0.95×", measured: ratio(x.ratio), met: x.ratio >= 0.95 },
    {
      name: `${name}: 429s per window`,
      target: "≤ 1",
      measured: String(x.maxThrottledPerWindow),
      met: x.maxThrottledPerWindow <= 1,
    },
    {
      name: `${name}: requests in the busiest window`,
      target: `≤ ${r.limit.limit}`,
      measured: String(x.maxHitsPerWindow),
      met: x.maxHitsPerWindow <= r.limit.limit,
    },
    {
      name: `${name}: every booking stored`,
      target: x.rows.map(() => String(x.bookings)).join(" + "),
      measured: x.rows.join(" + "),
      met: x.rows.every((n) => n === x.bookings),
    },
  ];
}

/**
 * The scheduled sweep's targets per size: at least 0.7 of its limit's speed, no more Cal.com requests
 * than one per connection, every connection current and every change stored.
 */
function sweepTargets(s: SweepBenchResult): TargetCheck[] {
  return s.runs.flatMap((r) => {
    const name = `sweep of ${r.connections} connections (${r.workers} workers)`;
    return [
      {
        name: `${name}: limit time ÷ sweep time`,
        target: "≥ 0.70×",
        measured: ratio(r.ratio),
        met: r.ratio >= 0.7,
      },
      {
        name: `${name}: Cal.com requests`,
        target: `≤ ${r.sweep.minimumRequests}`,
        measured: String(r.sweep.requests),
        met: r.sweep.requests <= r.sweep.minimumRequests,
      },
      {
        name: `${name}: connections current, changes stored`,
        target: `${r.connections}, ${r.changed}`,
        measured: `${r.sweep.current}, ${r.sweep.changesStored}`,
        met: r.sweep.current === r.connections && r.sweep.changesStored === r.changed,
      },
    ];
  });
}

/** The function against the bare server: at least 0.9 of its throughput, a p99 at most 1.2 times its. */
function bareWebhookTargets(name: string, c: WebhookComparison): TargetCheck[] {
  return [
    {
      name: `webhook ${name}: throughput vs bare server`,
      target: "≥ 0.90×",
      measured: ratio(c.throughputRatio),
      met: c.throughputRatio >= 0.9,
    },
    {
      name: `webhook ${name}: p99 vs bare server p99`,
      target: "≤ 1.20×",
      measured: ratio(c.p99Ratio),
      met: c.p99Ratio <= 1.2,
    },
  ];
}

/**
 * Cold start: each function's median time to its first answer at most twice the bare server's. Reads:
 * the function's rows/s walking the stored bookings at least 0.7 of the same query sent straight.
 */
function coldStartAndReadsTargets(
  run: { coldStart?: ColdStartBenchResult; reads?: ReadsBenchResult },
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const t of run.coldStart?.targets ?? []) {
    if (t.target.startsWith("bare")) continue;
    checks.push({
      name: `cold start ${t.target}: median vs bare Deno.serve`,
      target: "≤ 2.00×",
      measured: ratio(t.ratio),
      met: t.ratio <= 2,
    });
  }
  for (const s of run.reads?.sizes ?? []) {
    checks.push({
      name: `reads ${run.reads!.bookings} in pages of ${s.pageSize}: rows/s vs the query alone`,
      target: "≥ 0.70×",
      measured: ratio(s.ratio),
      met: s.ratio >= 0.7,
    });
  }
  return checks;
}

/** Checks every target the run has figures for. */
export function checkTargets(
  run: {
    webhook?: WebhookBenchResult;
    sync?: SyncBenchResult;
    ratelimit?: RateLimitBenchResult;
    sweep?: SweepBenchResult;
    coldStart?: ColdStartBenchResult;
    reads?: ReadsBenchResult;
  },
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (run.webhook) {
    checks.push(...webhookTargets("plain", run.webhook.plain), ...webhookTargets("mixed", run.webhook.mixed));
    const db = run.webhook.mixed.function.database;
    checks.push({
      name: "webhook mixed: older states and forged deliveries not stored",
      target: "0",
      measured: String(db.olderStatesKept + db.forged),
      met: db.olderStatesKept + db.forged === 0,
    });
    const bare = run.webhook.bare;
    if (bare) {
      checks.push(...bareWebhookTargets("plain", bare.plain), ...bareWebhookTargets("mixed", bare.mixed));
    }
  }
  if (run.sync) {
    for (const s of run.sync.sizes) {
      checks.push({
        name: `full sync ${s.bookings}: rows/s vs database limit`,
        target: "≥ 0.50×",
        measured: ratio(s.ratio),
        met: s.ratio >= 0.5,
      }, {
        name: `full sync ${s.bookings}: Cal.com requests`,
        target: `≤ ${s.function.minimumRequests}`,
        measured: String(s.function.requests),
        met: s.function.requests <= s.function.minimumRequests,
      }, {
        name: `full sync ${s.bookings}: all bookings stored`,
        target: String(s.bookings),
        measured: String(s.function.rows),
        met: s.function.rows === s.bookings,
      });
    }
    const inc = run.sync.incremental;
    if (inc) {
      checks.push({
        name: `incremental sync (${inc.changed} of ${inc.bookings} changed): Cal.com requests`,
        target: `≤ ${inc.minimumRequests}`,
        measured: String(inc.requests),
        met: inc.requests <= inc.minimumRequests,
      });
    }
    if (run.sync.sizes.length > 1) {
      const g = run.sync.memoryGrowth;
      const first = run.sync.sizes[0].bookings;
      const last = run.sync.sizes[run.sync.sizes.length - 1].bookings;
      checks.push({
        name: `sync memory: peak RSS ${last} minus ${first}`,
        target: `≤ ${mib(g.allowedBytes)}`,
        measured: mib(g.rssBytes),
        met: g.rssBytes <= g.allowedBytes,
      });
    }
  }
  if (run.ratelimit) {
    checks.push(
      ...rateLimitTargets(run.ratelimit, run.ratelimit.single),
      ...rateLimitTargets(run.ratelimit, run.ratelimit.shared),
    );
  }
  if (run.sweep) checks.push(...sweepTargets(run.sweep));
  checks.push(...coldStartAndReadsTargets(run));
  return checks;
}
