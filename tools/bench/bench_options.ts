/**
 * Command-line options of `deno task bench`: which benchmarks run and how long, so a `--quick` run
 * smoke-tests the whole harness in seconds while the committed result is a full run.
 *
 * @module
 */
import { readFlags } from "../cli_flags.ts";

/** The benchmarks `--only` can pick. */
export const BENCHMARKS = [
  "webhook",
  "sync",
  "row-at-a-time",
  "ratelimit",
  "coldstart",
  "reads",
  "sweep",
] as const;
/** One benchmark name. */
export type BenchmarkName = typeof BENCHMARKS[number];

/** What one run measures and how much. */
export interface BenchOptions {
  quick: boolean;
  only: Set<BenchmarkName>;
  /** Seconds of load per webhook scenario. */
  webhookSeconds: number;
  /** Concurrent HTTP connections of the load tool. */
  connections: number;
  /** Booking counts of the full-sync benchmark, smallest first. */
  syncSizes: number[];
  /** Share of the largest size changed before the incremental sync. */
  incrementalShare: number;
  /** Bookings of the sync under the rate limit (`ratelimit`). */
  ratelimitBookings: number;
  /** Connection counts of the scheduled sweep (`sweep`), smallest first. */
  sweepSizes: number[];
  /** Workers of the scheduled sweep (and loops of its limit). */
  sweepWorkers: number;
  /** Measured starts of each target in the cold-start benchmark (`coldstart`). */
  coldStartRepetitions: number;
  /** Bookings of the user whose stored bookings are walked (`reads`). */
  readsBookings: number;
  /** Page sizes (`limit`) the stored bookings are walked with (`reads`). */
  readsPageSizes: number[];
  /** Where the JSON result goes; undefined: `bench-results/<date>.json`. */
  out?: string;
  /** Print the table only, write no JSON. */
  dryRun: boolean;
}

const USAGE =
  `Usage: deno task bench [--quick] [--only webhook,sync,row-at-a-time,ratelimit,coldstart,reads,sweep] [--seconds N] [--sizes 10000,100000]
                       [--connections N] [--sweep-sizes 1000,10000] [--out FILE] [--no-write]`;

/** Thrown for a bad command line; the message ends with the usage. */
export class BenchUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${USAGE}`);
    this.name = "BenchUsageError";
  }
}

function positiveInts(flag: string, text: string | undefined): number[] {
  const values = (text ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "").map(Number);
  if (values.length === 0 || !values.every((n) => Number.isInteger(n) && n > 0)) {
    throw new BenchUsageError(`${flag} needs positive whole numbers, comma-separated`);
  }
  return values;
}

const BENCH_FLAGS = {
  quick: { type: "boolean" },
  only: { type: "string" },
  seconds: { type: "string" },
  connections: { type: "string" },
  sizes: { type: "string" },
  "sweep-sizes": { type: "string" },
  out: { type: "string" },
  "no-write": { type: "boolean" },
} as const;

/** Parses the bench command line; `--quick` shortens every default, explicit flags still win. */
export function parseBenchArgs(args: readonly string[]): BenchOptions {
  const flags = readFlags(args, BENCH_FLAGS, (problem) => {
    if (problem.kind === "missing-value") return new BenchUsageError(`${problem.flag} needs a value`);
    return new BenchUsageError(`Unknown argument: ${problem.arg}`);
  });
  const quick = flags.quick === true;
  const options: BenchOptions = {
    quick,
    only: new Set(BENCHMARKS),
    webhookSeconds: quick ? 2 : 15,
    connections: 16,
    syncSizes: quick ? [1_000, 5_000] : [10_000, 100_000],
    incrementalShare: 0.01,
    // 4,500: ⌈N/250⌉ = 18 requests and the sync's 19 both fit in two of the quick run's windows
    ratelimitBookings: quick ? 4_500 : 100_000,
    sweepSizes: quick ? [1_000] : [1_000, 3_000, 10_000],
    sweepWorkers: 4,
    coldStartRepetitions: quick ? 3 : 11,
    readsBookings: quick ? 10_000 : 100_000,
    readsPageSizes: [50, 250],
    out: flags.out,
    dryRun: flags["no-write"] === true,
  };
  if (flags.only !== undefined) {
    const names = flags.only.split(",").map((v) => v.trim()).filter((v) => v !== "");
    const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length) {
      throw new BenchUsageError(`Unknown benchmark: ${unknown.join(", ") || "(none)"}`);
    }
    options.only = new Set(names as BenchmarkName[]);
  }
  if (flags.seconds !== undefined) options.webhookSeconds = positiveInts("--seconds", flags.seconds)[0];
  if (flags.connections !== undefined) {
    options.connections = positiveInts("--connections", flags.connections)[0];
  }
  if (flags.sizes !== undefined) {
    options.syncSizes = positiveInts("--sizes", flags.sizes).sort((a, b) => a - b);
  }
  if (flags["sweep-sizes"] !== undefined) {
    options.sweepSizes = positiveInts("--sweep-sizes", flags["sweep-sizes"]).sort((a, b) => a - b);
  }
  return options;
}
