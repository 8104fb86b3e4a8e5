/**
 * Starts a benchmark server (an entry built on `bench_server.ts`) in its own Deno process, so its memory
 * is its own and the harness (sandbox, load tool driver) does not share its event loop. Its output (the
 * function's JSON logs) goes to a file, as a platform would collect it, and is shown when it fails to start.
 *
 * @module
 */
import type { MemoryPeaks } from "./bench_server.ts";
import { type ProcMemory, readProcMemory } from "./proc_memory.ts";

/** A running benchmark server. */
export interface BenchProcess {
  /** Like `http://127.0.0.1:PORT`. */
  url: string;
  pid: number;
  logFile: string;
  /** Peaks seen from inside (`Deno.memoryUsage()`) and the kernel's view (`VmRSS`, `VmHWM`). */
  memory(): Promise<{ inside: MemoryPeaks; proc: ProcMemory }>;
  /** V8 heap still reachable after a full GC, in bytes (needs `exposeGc` at start). */
  liveHeapBytes(): Promise<number>;
  /** Resets both peaks, e.g. after a warm-up. */
  resetPeaks(): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

async function tail(file: string, lines = 30): Promise<string> {
  try {
    return (await Deno.readTextFile(file)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

/** How to start a benchmark server process. */
export interface BenchProcessOptions {
  startTimeoutMs?: number;
  label?: string;
  /** Start with `--expose-gc`, for {@linkcode BenchProcess.liveHeapBytes} (GC runs only when asked). */
  exposeGc?: boolean;
  /** More flags for `deno run`, e.g. `--inspect=127.0.0.1:9229` for a CPU profile. */
  denoFlags?: string[];
}

/**
 * Starts the Edge Function `name` as production serves it (`function_process.ts`), with `secrets` as its
 * environment (see `functionEnv`).
 */
export function startFunctionProcess(
  name: string,
  secrets: Record<string, string>,
  options: BenchProcessOptions = {},
): Promise<BenchProcess> {
  return startBenchProcess("tools/bench/function_process.ts", { ...secrets, BENCH_FUNCTION: name }, options);
}

/** Starts `entry` (a path relative to the repository root) with `env` and waits until it listens. */
export async function startBenchProcess(
  entry: string,
  env: Record<string, string>,
  options: BenchProcessOptions = {},
): Promise<BenchProcess> {
  const dir = await Deno.makeTempDir({ prefix: "bench_" });
  const portFile = `${dir}/ports`;
  const logFile = `${dir}/${options.label ?? "server"}.log`;
  // exec keeps the pid ours (the shell is replaced) while the shell sends the output to the log file
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'exec "$0" "$@" >>"$BENCH_LOG_FILE" 2>&1',
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      ...(options.exposeGc ? ["--v8-flags=--expose-gc"] : []),
      ...(options.denoFlags ?? []),
      `--config=${ROOT}deno.json`,
      `${ROOT}${entry}`,
    ],
    cwd: ROOT,
    env: {
      ...env,
      DENO_NO_PACKAGE_JSON: "1",
      NO_COLOR: "1",
      BENCH_PORT_FILE: portFile,
      BENCH_LOG_FILE: logFile,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let ports: number[] | undefined;
  while (!ports) {
    try {
      ports = (await Deno.readTextFile(portFile)).trim().split(" ").map(Number);
    } catch {
      if (exited || Date.now() > deadline) {
        if (!exited) child.kill("SIGKILL");
        await status;
        throw new Error(
          `Benchmark server ${entry} did not start${exited ? " (it exited)" : " in time"}:\n${await tail(
            logFile,
          )}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const [port, controlPort] = ports;
  const control = `http://127.0.0.1:${controlPort}`;
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await Deno.remove(portFile).catch(() => {});
  };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    logFile,
    async memory() {
      const inside = await (await fetch(`${control}/memory`)).json() as MemoryPeaks;
      return { inside, proc: await readProcMemory(child.pid) };
    },
    async liveHeapBytes() {
      const res = await fetch(`${control}/live-heap`, { method: "POST" });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error);
      return body.heapUsed;
    },
    async resetPeaks() {
      const res = await fetch(`${control}/reset`, { method: "POST" });
      await res.body?.cancel();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
