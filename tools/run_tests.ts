/**
 * The project's one test command (`npm test`): formatting, lint, type check, the Deno tests, the pgTAP
 * suite and the Supabase CLI checks, each run to the end so one failure does not hide another.
 *
 * `deno task test -- --only deno,pgtap` runs a subset while working on one part.
 *
 * @module
 */

interface Step {
  name: string;
  cmd: string[];
  /** Reads the step's output for its pass/fail counts, where the runner prints them. */
  count?: (output: string) => { passed: number; failed: number } | undefined;
}

const deno = Deno.execPath();

const steps: Step[] = [
  { name: "fmt", cmd: [deno, "fmt", "--check"] },
  { name: "lint", cmd: [deno, "lint"] },
  { name: "check", cmd: [deno, "check", "supabase/functions", "tools"] },
  {
    name: "deno",
    cmd: [deno, "test", "-A", "--parallel", "supabase/functions", "tools"],
    count: (out) => {
      const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/);
      return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
    },
  },
  {
    name: "pgtap",
    cmd: [deno, "run", "-A", "tools/pgtap.ts"],
    count: (out) => {
      const tests = out.match(/Files=\d+, Tests=(\d+)/);
      const failed = [...out.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
      return tests ? { passed: Number(tests[1]) - failed, failed } : undefined;
    },
  },
  { name: "supabase-cli", cmd: [deno, "run", "-A", "tools/supabase_cli_check.ts"] },
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
async function run(cmd: string[]): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1" },
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

const results: { name: string; ok: boolean; seconds: number; counts?: { passed: number; failed: number } }[] =
  [];
for (const step of selectedSteps(Deno.args)) {
  console.log(`\n=== ${step.name}: ${step.cmd.slice(1).join(" ")}`);
  const started = performance.now();
  const { code, output } = await run(step.cmd);
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
