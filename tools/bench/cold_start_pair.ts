/**
 * Paired cold starts of two checkouts: each function of this checkout and of another one (`--base`, e.g.
 * an export of the commit before a change) is started alternately, with the bare `Deno.serve` of this
 * checkout between them, `--reps` times after one unmeasured start of each (Deno's transpile cache), in
 * rotating order. Both checkouts' functions read the same database and answer the same kind of first
 * request as in `cold_start_bench.ts`. On a shared, noisy machine the medians of one run move together;
 * what this prints is each one's median, its ratio to the bare server's median of the same run, the
 * median of the paired differences (this checkout − base, start by start), and the mean CPU time the
 * process had used when it answered (user + system; /proc counts it in 10 ms ticks, hence the mean),
 * which a neighbour's load moves less than the wall time.
 *
 * ```sh
 * git archive HEAD~1 | tar -x -C /tmp/base
 * deno run -A tools/bench/cold_start_pair.ts --base /tmp/base --reps 21 [--only calcom-webhook]
 * ```
 *
 * @module
 */
import { readFlags } from "../cli_flags.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { median } from "./cold_start.ts";
import { type ColdStartTarget, entryOf, prepareColdStart, startOnce, targetEnv } from "./cold_start_bench.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FUNCTIONS: readonly ColdStartTarget[] = ["calcom-webhook", "calcom-connection", "calcom-bookings-sync"];

/** One started entry: a target of one checkout. */
interface Variant {
  label: string;
  target: ColdStartTarget;
  root: string;
}

/** Runs the paired starts; answers the table as text. */
export async function runColdStartPair(options: {
  base: string;
  reps: number;
  functions: readonly ColdStartTarget[];
  log: (line: string) => void;
}): Promise<string> {
  const base = options.base.endsWith("/") ? options.base : `${options.base}/`;
  const variants: Variant[] = [
    { label: "bare", target: "bare", root: ROOT },
    ...options.functions.flatMap((target) => [
      { label: `${target} (base)`, target, root: base },
      { label: `${target} (this)`, target, root: ROOT },
    ]),
  ];
  await using db = await createTestDatabase();
  const starts = options.reps + 1;
  const { env, requests } = await prepareColdStart(db, starts * variants.length);
  const samples = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  for (let start = 0; start < starts; start++) {
    const order = variants.map((_, i) => variants[(i + start) % variants.length]);
    for (const [i, v] of order.entries()) {
      const run = await startOnce(
        entryOf(v.target),
        targetEnv(v.target, env),
        requests[v.target],
        start * variants.length + i,
        v.root,
      );
      if (run.status >= 400) throw new Error(`${v.label} answered ${run.status}`);
      if (start > 0) {
        samples.get(v.label)!.push(run.ms);
        cpu.get(v.label)!.push(run.cpuMs);
      }
    }
    if (start > 0) {
      options.log(
        `${start}/${options.reps}: ` +
          variants.map((v) => `${v.label} ${samples.get(v.label)!.at(-1)!.toFixed(0)}`).join(", "),
      );
    }
  }
  const bare = median(samples.get("bare")!);
  const meanCpu = (label: string) => {
    const values = cpu.get(label)!;
    return (values.reduce((a, b) => a + b, 0) / values.length).toFixed(1);
  };
  const lines = [
    `| entry | median ms | ratio to bare | paired difference (this − base), median ms | mean CPU ms |`,
    `| --- | --- | --- | --- | --- |`,
    `| bare Deno.serve | ${bare.toFixed(1)} | 1.00× | | ${meanCpu("bare")} |`,
  ];
  for (const target of options.functions) {
    const before = samples.get(`${target} (base)`)!;
    const after = samples.get(`${target} (this)`)!;
    const diff = median(after.map((ms, i) => ms - before[i]));
    const base = `${target} (base)`;
    const self = `${target} (this)`;
    lines.push(
      `| ${base} | ${median(before).toFixed(1)} | ${(median(before) / bare).toFixed(2)}× | | ${
        meanCpu(base)
      } |`,
    );
    lines.push(
      `| ${self} | ${median(after).toFixed(1)} | ${(median(after) / bare).toFixed(2)}× | ${
        diff.toFixed(1)
      } | ${meanCpu(self)} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const flags = readFlags(Deno.args, {
    base: { type: "string" },
    reps: { type: "string" },
    only: { type: "string" },
  }, (problem) => new Error(`cold_start_pair: bad argument (${problem.kind})`));
  if (!flags.base) throw new Error("cold_start_pair: --base <checkout> is required");
  const reps = Number(flags.reps ?? "21");
  if (!Number.isInteger(reps) || reps < 1) throw new Error("cold_start_pair: --reps needs a whole number");
  const functions = flags.only ? flags.only.split(",").map((t) => t.trim()) as ColdStartTarget[] : FUNCTIONS;
  for (const f of functions) {
    if (!FUNCTIONS.includes(f)) throw new Error(`cold_start_pair: unknown function ${f}`);
  }
  const table = await runColdStartPair({
    base: flags.base,
    reps,
    functions,
    log: (line) => console.error(line),
  });
  console.log(table);
}
