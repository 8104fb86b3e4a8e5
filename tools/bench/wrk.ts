/**
 * Drives Debian's `wrk` (a C HTTP load generator: little CPU taken from the server on a small machine)
 * with pre-signed webhook deliveries replayed by `wrk_replay.lua`, and reads its result.
 *
 * @module
 */

/** How to get wrk where it is missing; the bench is not part of CI, so nothing installs it for you. */
export const WRK_INSTALL_HINT =
  "Install wrk first: sudo apt-get install wrk (Debian/Ubuntu) or brew install wrk";

/** One wrk run as the Lua script reports it, latencies in milliseconds. */
export interface WrkResult {
  durationS: number;
  /** Completed requests (responses read). */
  requests: number;
  requestsPerSecond: number;
  /** Requests the script handed out; more than `lines` means the deliveries wrapped around. */
  sent: number;
  lines: number;
  latencyMs: { mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
  /** Socket-level failures (connect, read, write, timeout); HTTP statuses are counted in `statuses`. */
  socketErrors: number;
  statuses: Record<string, number>;
}

interface RawResult {
  durationUs: number;
  requests: number;
  sent: number;
  lines: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
  statuses: Record<string, number>;
}

/** Reads the `WRK_RESULT {json}` line the replay script prints at the end of wrk's output. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (!line) throw new Error("Cannot read wrk result: no WRK_RESULT line in its output");
  const raw = JSON.parse(line.slice("WRK_RESULT ".length)) as RawResult;
  const ms = (us: number) => Math.round(us) / 1000;
  const durationS = raw.durationUs / 1e6;
  return {
    durationS,
    requests: raw.requests,
    requestsPerSecond: raw.requests / durationS,
    sent: raw.sent,
    lines: raw.lines,
    latencyMs: {
      mean: ms(raw.latencyUs.mean),
      max: ms(raw.latencyUs.max),
      p50: ms(raw.latencyUs.p50),
      p90: ms(raw.latencyUs.p90),
      p99: ms(raw.latencyUs.p99),
      p999: ms(raw.latencyUs.p999),
    },
    socketErrors: raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout,
    statuses: raw.statuses,
  };
}

/** wrk's version line, or an Error that says how to install it. */
export async function checkWrk(): Promise<string> {
  try {
    const out = await new Deno.Command("wrk", { args: ["--version"], stdout: "piped", stderr: "piped" })
      .output();
    // wrk prints its version and usage, and exits 1, for --version
    return new TextDecoder().decode(out.stdout).split("\n")[0].replace(/\s*Copyright.*$/, "").trim();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(`wrk is not installed. ${WRK_INSTALL_HINT}`);
    throw err;
  }
}

/** A load run: deliveries from `payloadFile` against `baseUrl` (paths come from the file). */
export interface WrkRun {
  baseUrl: string;
  payloadFile: string;
  connections: number;
  seconds: number;
  /** wrk threads (event loops); one drives 16 connections easily and leaves the CPU to the server. */
  threads?: number;
  /** Per-request timeout in seconds (wrk counts a slower response as a timeout error). */
  timeoutSeconds?: number;
}

/** Runs wrk to the end and returns its result; throws with wrk's stderr when it fails. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const threads = run.threads ?? 1;
  const script = new URL("./wrk_replay.lua", import.meta.url).pathname;
  const out = await new Deno.Command("wrk", {
    args: [
      `--threads=${threads}`,
      `--connections=${run.connections}`,
      `--duration=${run.seconds}s`,
      `--timeout=${run.timeoutSeconds ?? 10}s`,
      `--script=${script}`,
      run.baseUrl,
      "--",
      run.payloadFile,
      String(threads),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`wrk failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return parseWrkOutput(stdout);
}
