/**
 * The printed form of a run: markdown tables (machine, webhook, sync, targets), the same text that
 * `docs/benchmarks.md` quotes for the committed result.
 *
 * @module
 */
import type { BenchReport } from "./bench_report.ts";
import type { SweepBenchResult } from "./sweep_bench.ts";
import type { LoadFigures, WebhookComparison } from "./webhook_bench.ts";

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const ms = (n: number) => n.toFixed(1);
const times = (n: number) => `${n.toFixed(2)}×`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function loadRow(run: string, server: string, f: LoadFigures): string[] {
  return [
    run,
    server,
    int(f.requestsPerSecond),
    ms(f.latencyMs.p50),
    ms(f.latencyMs.p99),
    String(f.errors),
    `${f.cpuMsPerRequest.server.toFixed(2)} + ${f.cpuMsPerRequest.database.toFixed(2)}`,
    mib(f.peakRssBytes),
  ];
}

/** The function, its limit and the ratios of one run. */
function comparisonRows(run: string, c: WebhookComparison, limitName = "limit"): string[][] {
  return [
    loadRow(run, "calcom-webhook", c.function),
    loadRow(run, limitName, c.limit),
    [run, "**ratio**", `**${times(c.throughputRatio)}**`, "", `**${times(c.p99Ratio)}**`, "", "", ""],
  ];
}

/** The scheduled sweep: sweep against bare loop per size, its CPU, and how the time grows. */
function sweepSection(s: SweepBenchResult): string[] {
  const parts = [
    `### Scheduled sweep (${s.workers} workers; ${s.bookingsEach} bookings per user, ` +
    `${s.changedShare * 100}% changed; reconciliation not due)`,
    table(
      [
        "Connections",
        "sweep s",
        "calls",
        "bare loop s",
        "limit ÷ sweep",
        "requests (min)",
        "bare requests",
        "DB CPU ms/conn (bare)",
        "functions CPU s",
        "sandbox CPU s",
        "current",
      ],
      s.runs.map((r) => [
        int(r.connections),
        fixed(r.sweep.seconds, 2),
        String(r.sweep.calls),
        fixed(r.limit.seconds, 2),
        `**${times(r.ratio)}**`,
        `${r.sweep.requests} (${r.sweep.minimumRequests})`,
        String(r.limit.requests),
        `${fixed(r.sweep.databaseCpuMsPerConnection, 2)} (${fixed(r.limit.databaseCpuMsPerConnection, 2)})`,
        fixed(r.sweep.cpuSeconds.functions, 2),
        fixed(r.sweep.cpuSeconds.sandbox, 2),
        `${r.sweep.current} (${r.sweep.changesStored}/${r.changed} changes)`,
      ]),
    ),
    "Growth (sweep ms per connection per worker; 1.00× is linear in connections ÷ workers): " +
    s.growth.map((g) =>
      `${int(g.connections)}: ${fixed(g.msPerConnectionPerWorker, 2)} ms (${times(g.relative)})`
    )
      .join(", ") +
    ".",
  ];
  const counted = s.runs.filter((r) => r.sweep.statements && r.limit.statements);
  if (counted.length) {
    parts.push(
      "Statements per connection (pg_stat_statements), sweep vs bare loop: " +
        counted.map((r) =>
          `${int(r.connections)}: ${fixed(r.sweep.statements!.calls / r.connections, 1)} ` +
          `(${fixed(r.sweep.statements!.totalExecMs / r.connections, 2)} ms executing) vs ` +
          `${fixed(r.limit.statements!.calls / r.connections, 1)} ` +
          `(${fixed(r.limit.statements!.totalExecMs / r.connections, 2)} ms)`
        ).join("; ") + ".",
    );
  }
  const due = s.runs.filter((r) => r.reconcileDue);
  if (due.length) {
    parts.push(
      "With reconciliation due for every connection (second figure, no limit): " +
        due.map((r) =>
          `${int(r.connections)}: ${fixed(r.reconcileDue!.seconds, 2)} s, ${
            r.reconcileDue!.requests
          } requests, ` +
          `${r.reconcileDue!.reconciled} reconciled, DB CPU ${
            fixed(r.reconcileDue!.databaseCpuMsPerConnection, 2)
          } ms/conn`
        ).join("; ") + ".",
    );
  }
  return parts;
}

/** The cold-start and reads tables, when the run has them. */
function coldStartAndReadsTables(report: BenchReport): string[] {
  const parts: string[] = [];
  const c = report.coldStart;
  if (c) {
    parts.push(
      `### Cold start (process start to first answer, median of ${c.repetitions} starts)`,
      table(
        [
          "Entry",
          "first request",
          "median ms",
          "ratio",
          "starts ms",
          "RSS after",
          "modules at start (KB)",
          "all modules (KB)",
          "npm at start",
        ],
        c.targets.map((t) => [
          t.target.startsWith("bare") ? t.target.replace("bare", "bare Deno.serve") : t.target,
          t.request,
          ms(t.medianMs),
          `**${times(t.ratio)}**`,
          t.samplesMs.map((x) => x.toFixed(0)).join(", "),
          mib(t.rssBytes),
          `${t.staticGraph.modules} (${int(t.staticGraph.bytes / 1000)})`,
          `${t.graph.modules} (${int(t.graph.bytes / 1000)})`,
          t.staticGraph.npmPackages.join(", ") || "none",
        ]),
      ),
    );
  }
  const r = report.reads;
  if (r) {
    parts.push(
      `### Reads (\`GET ?fromDb=true\` through every page of ${int(r.bookings)} stored bookings)`,
      table(
        [
          "Page size",
          "pages",
          "function pages/s",
          "function rows/s",
          "query alone pages/s",
          "query alone rows/s",
          "ratio",
          "largest page",
          "function RSS (before → peak)",
        ],
        r.sizes.map((z) => [
          String(z.pageSize),
          int(z.function.pages),
          int(z.function.pagesPerSecond),
          int(z.function.rowsPerSecond),
          int(z.limit.pagesPerSecond),
          int(z.limit.rowsPerSecond),
          `**${times(z.ratio)}**`,
          `${int(z.function.largestPageBytes / 1000)} KB`,
          `${mib(z.function.baselineRssBytes)} → ${mib(z.function.peakRssBytes)}`,
        ]),
      ),
    );
  }
  return parts;
}

/** Formats the whole report as markdown. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const parts: string[] = [];
  const samples = report.load.samples.map((s) => s.load1);
  parts.push(
    `Run ${m.date}${
      report.options.quick ? " (--quick: smoke test, not a measurement)" : ""
    } on ${m.cpuModel}, ` +
      `${m.cores} cores, ${Math.round(m.memoryMb / 1024)} GiB; Deno ${m.deno}; ` +
      `${m.postgres.split(" on ")[0]}; ${m.loadTool}.`,
    `Load average (1 min) before: ${report.load.before[0].toFixed(2)}; during (this run included): ` +
      `${
        samples.length ? `${Math.min(...samples).toFixed(2)}–${Math.max(...samples).toFixed(2)}` : "n/a"
      }; ` +
      `after: ${report.load.after[0].toFixed(2)}. Total ${fixed(report.durationSeconds, 0)} s.`,
  );
  const w = report.webhook;
  if (w) {
    parts.push(
      `### Webhook ingestion (${w.connections} connections, ${w.seconds} s per run after ${w.warmupSeconds} s warm-up)`,
      table(
        ["Run", "Server", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req (server + db)", "peak RSS"],
        [
          ...comparisonRows("plain", w.plain),
          ...comparisonRows("mixed", w.mixed),
        ],
      ),
    );
    if (w.bare) {
      parts.push(
        "Against the bare server (HMAC and the function's single SQL call, nothing else):",
        table(
          ["Run", "Server", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req (server + db)", "peak RSS"],
          [
            ...comparisonRows("plain", w.bare.plain, "bare server"),
            ...comparisonRows("mixed", w.bare.mixed, "bare server"),
          ],
        ),
      );
    }
  }
  const s = report.sync;
  if (s) {
    parts.push(
      "### Full sync (function vs database limit vs sandbox alone)",
      table(
        [
          "Bookings",
          "function s",
          "function rows/s",
          "DB limit rows/s",
          "ratio",
          "requests (min)",
          "peak RSS (before)",
          "peak heap (live after GC: before → after)",
          "sandbox alone rows/s",
        ],
        s.sizes.map((z) => [
          int(z.bookings),
          fixed(z.function.seconds, 2),
          int(z.function.rowsPerSecond),
          int(z.limit.rowsPerSecond),
          `**${times(z.ratio)}**`,
          `${z.function.requests} (${z.function.minimumRequests})`,
          `${mib(z.function.peakRssBytes)} (${mib(z.function.baselineRssBytes)})`,
          `${mib(z.function.peakHeapUsedBytes)} (${mib(z.function.liveHeapBytes.before)} → ${
            mib(z.function.liveHeapBytes.after)
          })`,
          int(z.sandbox.rowsPerSecond),
        ]),
      ),
    );
    parts.push(
      "CPU seconds during each sync (2 cores: the sum is what competes):",
      table(
        ["Bookings", "function process", "its database backends", "sandbox (harness)", "DB limit backends"],
        s.sizes.map((z) => [
          int(z.bookings),
          fixed(z.function.cpuSeconds.function, 2),
          fixed(z.function.cpuSeconds.database, 2),
          fixed(z.function.cpuSeconds.sandbox, 2),
          fixed(z.limit.cpuSeconds.database, 2),
        ]),
      ),
    );
    if (s.incremental) {
      const i = s.incremental;
      parts.push(
        `Incremental sync after ${int(i.changed)} of ${int(i.bookings)} bookings changed: ` +
          `${fixed(i.seconds, 2)} s, ${i.requests} Cal.com requests (minimum ${i.minimumRequests}), ` +
          `${int(i.fetched)} bookings fetched, ${int(i.updated)} updated.`,
      );
    }
    const rowAtATimeSizes = s.sizes.filter((z) => z.rowAtATime);
    if (rowAtATimeSizes.length) {
      parts.push(
        "### Row at a time (accepted and pending only, one statement per booking)",
        table(
          [
            "Bookings",
            "row-at-a-time s",
            "row-at-a-time rows",
            "row-at-a-time rows/s",
            "rows it misses",
            "ours rows/s ÷ row-at-a-time",
            "row-at-a-time s ÷ ours",
          ],
          rowAtATimeSizes.map((z) => [
            int(z.bookings),
            fixed(z.rowAtATime!.seconds, 2),
            int(z.rowAtATime!.rows),
            int(z.rowAtATime!.rowsPerSecond),
            int(z.rowAtATime!.missedRows),
            `**${times(z.rowAtATime!.rowsPerSecondRatio)}**`,
            times(z.rowAtATime!.wallTimeRatio),
          ]),
        ),
      );
    }
  }
  const r = report.ratelimit;
  if (r) {
    parts.push(
      `### Sync under the rate limit (${r.limit.limit} requests per ${r.limit.ttlMs / 1000} s per key, ` +
        `${r.limit.blockMs / 1000} s block; deadline ${r.deadlineSeconds} s per call)`,
      table(
        [
          "Syncs of one key",
          "bookings each",
          "wall s",
          "bound s",
          "bound ÷ wall",
          "requests (⌈N/250⌉)",
          "calls",
          "429s (most per window)",
          "busiest window",
          "rows stored",
        ],
        [r.single, r.shared].map((x) => [
          String(x.users),
          int(x.bookings),
          fixed(x.seconds, 1),
          fixed(x.boundSeconds, 0),
          `**${times(x.ratio)}**`,
          `${x.requests} (${x.minimumRequests})`,
          String(x.calls),
          `${x.throttled} (${x.maxThrottledPerWindow})`,
          `${x.maxHitsPerWindow} requests`,
          x.rows.map(int).join(" + "),
        ]),
      ),
    );
  }
  if (report.sweep) parts.push(...sweepSection(report.sweep));
  parts.push(...coldStartAndReadsTables(report));
  if (report.targets.length) {
    parts.push(
      "### Targets",
      table(
        ["Target", "Goal", "Measured", "Met"],
        report.targets.map((t) => [t.name, t.target, t.measured, t.met ? "yes" : "**no**"]),
      ),
    );
  }
  return parts.join("\n\n") + "\n";
}
