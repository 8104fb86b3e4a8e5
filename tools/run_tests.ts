/**
 * The project's one test command (`npm test`): formatting, lint, type check, the Deno tests, the pgTAP
 * suite and the Supabase CLI checks, each run to the end so one failure does not hide another.
 *
 * `deno task test -- --only deno,pgtap` runs a subset while working on one part. What the selected steps need
 * beyond `npm ci` (a PostgreSQL server, pgTAP, `pg_prove`, `faketime`) is checked first (tools/prerequisites.ts).
 *
 * The `deno-clock` step runs the Deno tests again with the process clock 400 days ahead of the database's
 * (Debian's `faketime`) and in the UTC+14 time zone: no test may depend on today's date, the time zone, or the
 * process and the database agreeing on the time. Run it alone with `npm test -- --only deno-clock`.
 *
 * @module
 */
import { adminUrl } from "./db/test_database.ts";
import { findMissing } from "./prerequisites.ts";

interface Step {
  name: string;
  cmd: string[];
  /** Variables added to the environment. */
  env?: Record<string, string>;
  /** What the step needs beyond `npm ci`. */
  needs?: { postgres?: boolean; pgtap?: boolean; faketime?: boolean; chromium?: boolean };
  /** Reads the step's output for its pass/fail counts, where the runner prints them. */
  count?: (output: string) => { passed: number; failed: number } | undefined;
}

const deno = Deno.execPath();
const denoTests = [deno, "test", "-A", "--parallel", "supabase/functions", "tools", "ui"];

function countDenoTests(out: string) {
  const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

const steps: Step[] = [
  { name: "fmt", cmd: [deno, "fmt", "--check"] },
  { name: "lint", cmd: [deno, "lint"] },
  { name: "check", cmd: [deno, "check", "supabase/functions", "tools", "ui"] },
  { name: "deno", cmd: denoTests, count: countDenoTests, needs: { postgres: true, chromium: true } },
  {
    name: "deno-clock",
    cmd: ["faketime", "+400 days", ...denoTests],
    env: { TZ: "Pacific/Kiritimati" },
    count: countDenoTests,
    needs: { postgres: true, faketime: true, chromium: true },
  },
  {
    name: "pgtap",
    cmd: [deno, "run", "-A", "tools/pgtap.ts"],
    needs: { pgtap: true },
    count: (out) => {
      const tests = out.match(/Files=\d+, Tests=(\d+)/);
      const failed = [...out.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
      return tests ? { passed: Number(tests[1]) - failed, failed } : undefined;
    },
  },
  {
    name: "supabase-cli",
    cmd: [deno, "run", "-A", "tools/supabase_cli_check.ts"],
    needs: { postgres: true },
  },
];

function selectedSteps(args: string[]): Step[] {
  const i = args.indexOf("--only");
  if (i === -1) return steps;
  const names = new Set((args[i + 1] ?? "").split(","));
  const unknown = [...names].filter((n) => !steps.some((s) => s.name === n));
  if (unknown.length) throw new Error(`Unknown test step: ${unknown.join(", ")}`);
  return steps.filter((s) => names.has(s.name));
}

/** Runs a command, echoing its output live, and returns the exit code with the output kept for counting. */
async function run(
  cmd: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1", ...env },
  }).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return { code: status.code, output };
}

const selected = selectedSteps(Deno.args);
const missing = await findMissing({
  databaseUrl: adminUrl,
  path: Deno.env.get("PATH") ?? "",
  chromiumPath: Deno.env.get("CHROMIUM_PATH"),
  needs: Object.assign({}, ...selected.map((s) => s.needs ?? {})),
});
if (missing.length) {
  for (const m of missing) console.error(`Missing ${m.what}; install or start it with: ${m.fix}`);
  Deno.exit(1);
}

const results: { name: string; ok: boolean; seconds: number; counts?: { passed: number; failed: number } }[] =
  [];
for (const step of selected) {
  console.log(`\n=== ${step.name}: ${step.cmd.slice(1).join(" ")}`);
  const started = performance.now();
  const { code, output } = await run(step.cmd, step.env);
  results.push({
    name: step.name,
    ok: code === 0,
    seconds: (performance.now() - started) / 1000,
    counts: step.count?.(output),
  });
}

console.log("\n=== summary");
for (const r of results) {
  const counts = r.counts ? ` (${r.counts.passed} passed, ${r.counts.failed} failed)` : "";
  console.log(
    `${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(13)} ${r.seconds.toFixed(1).padStart(6)} s${counts}`,
  );
}
const passed = results.reduce((n, r) => n + (r.counts?.passed ?? (r.ok ? 1 : 0)), 0);
const failed = results.reduce((n, r) => n + (r.counts?.failed ?? 0) + (r.ok || r.counts?.failed ? 0 : 1), 0);
console.log(`tests: ${passed} passed, ${failed} failed`);
Deno.exit(results.every((r) => r.ok) ? 0 : 1);
