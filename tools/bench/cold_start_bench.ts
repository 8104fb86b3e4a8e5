/**
 * Benchmark, cold start: the time from process start to the first answered request of each function,
 * started as Supabase and `deno run` start it (`deno run -A --config=deno.json <function>/index.ts` with
 * the function's secrets in the environment and the address in `DENO_SERVE_ADDRESS`), against a bare
 * `Deno.serve` (`bare_http_server.ts`) started the same way. The first request is each function's usual
 * one, so what a route loads lazily is counted: a signed `BOOKING_CREATED` delivery to `calcom-webhook`,
 * `GET /calcom-connection` and `GET /calcom-bookings-sync?fromDb=true` with a user JWT. The harness sends
 * it from the moment the process is spawned, again every 2 ms until it is answered. Each target starts
 * `repetitions` times after one unmeasured start (which fills Deno's transpile cache), in rotating order
 * against drift; the figure is the median. Two floors show what the driver and the libraries cost
 * alone (`bare_db_server.ts`). Also reported: each entry point's module graph (`deno info
 * --json`) and the resident memory after the first answer.
 *
 * @module
 */
import type postgres from "postgres";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { signTestJwt } from "../testing/jwt.ts";
import { createBenchConnection, functionEnv } from "./bench_connection.ts";
import { type DenoInfo, median, type ModuleGraphSize, moduleGraphSize, staticGraph } from "./cold_start.ts";
import { readProcCpuSeconds } from "./proc_cpu.ts";
import { readProcMemory } from "./proc_memory.ts";
import { buildDeliveries } from "./webhook_deliveries.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * What started: a function, the bare server, or one of two floors (`bare_db_server.ts`): the bare server
 * sending `select 1` through postgres.js, and the same after importing the functions' libraries.
 */
export type ColdStartTarget =
  | "calcom-webhook"
  | "calcom-connection"
  | "calcom-bookings-sync"
  | "bare"
  | "bare+postgres"
  | "bare+libraries";

const TARGETS: readonly ColdStartTarget[] = [
  "bare",
  "bare+postgres",
  "bare+libraries",
  "calcom-webhook",
  "calcom-connection",
  "calcom-bookings-sync",
];

/** The figures of one target. */
export interface ColdStartFigures {
  target: ColdStartTarget;
  entry: string;
  /** The request timed, e.g. `GET /calcom-connection`. */
  request: string;
  /** Its answer's status in the measured starts. */
  statuses: number[];
  /** Milliseconds from spawn to the first answer, per start. */
  samplesMs: number[];
  medianMs: number;
  /** median ÷ the bare server's median. */
  ratio: number;
  /** Median resident memory right after the first answer. */
  rssBytes: number;
  /** The whole module graph, dynamic imports included. */
  graph: ModuleGraphSize;
  /** The part loaded before the entry runs (static imports only). */
  staticGraph: ModuleGraphSize;
}

/** Result of the cold-start benchmark. */
export interface ColdStartBenchResult {
  repetitions: number;
  targets: ColdStartFigures[];
}

/** The file `deno run` starts for `target`. */
export function entryOf(target: ColdStartTarget): string {
  if (target === "bare") return "tools/bench/bare_http_server.ts";
  if (target.startsWith("bare+")) return "tools/bench/bare_db_server.ts";
  return `supabase/functions/${target}/index.ts`;
}

async function graphOf(entry: string): Promise<{ graph: ModuleGraphSize; staticGraph: ModuleGraphSize }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `--config=${ROOT}deno.json`, `${ROOT}${entry}`],
    cwd: ROOT,
    env: { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  const info: DenoInfo = JSON.parse(new TextDecoder().decode(out.stdout));
  return { graph: moduleGraphSize(info), staticGraph: moduleGraphSize(staticGraph(info)) };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A request to time, made fresh for each attempt. */
export interface FirstRequest {
  label: string;
  make(baseUrl: string, start: number): Request;
}

/**
 * Starts `entry` (a path below `root`, default this checkout) once; answers the milliseconds to the first
 * answer, its status, and the RSS and CPU time (user + system, in 10 ms ticks) of the process then.
 */
export async function startOnce(
  entry: string,
  env: Record<string, string>,
  request: FirstRequest,
  start: number,
  root: string = ROOT,
): Promise<{ ms: number; status: number; rssBytes: number; cpuMs: number }> {
  const port = freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const began = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `--config=${root}deno.json`, `${root}${entry}`],
    cwd: root,
    env: {
      ...env,
      DENO_NO_PACKAGE_JSON: "1",
      NO_COLOR: "1",
      DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const stderr = new Response(child.stderr).text();
  try {
    const deadline = began + 60_000;
    while (true) {
      try {
        const res = await fetch(request.make(baseUrl, start));
        await res.body?.cancel();
        const ms = performance.now() - began;
        const [memory, cpuSeconds] = await Promise.all([
          readProcMemory(child.pid),
          readProcCpuSeconds(child.pid),
        ]);
        return { ms, status: res.status, rssBytes: memory.rssBytes, cpuMs: cpuSeconds * 1000 };
      } catch {
        if (exited || performance.now() > deadline) {
          throw new Error(`${entry} did not answer${exited ? " (it exited)" : " in time"}:\n${await stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
  } finally {
    if (!exited) child.kill("SIGKILL");
    await status;
    await stderr;
  }
}

/** Options of {@linkcode runColdStartBench}. */
export interface ColdStartBenchOptions {
  repetitions: number;
  log: (line: string) => void;
}

/** What every start needs: the functions' environment and each target's first request. */
export interface ColdStartSetup {
  env: Record<string, string>;
  requests: Record<ColdStartTarget, FirstRequest>;
}

/**
 * Seeds a user and a connection in `db` and signs what the first requests need: a user JWT and, for the
 * webhook, `deliveries` distinct signed deliveries (request `n` of a start sends delivery `n`).
 */
export async function prepareColdStart(
  db: { sql: postgres.Sql; url: string },
  deliveries: number,
): Promise<ColdStartSetup> {
  const encryptionKey = randomEncryptionKey();
  const connectionId = crypto.randomUUID();
  const webhookSecret = `whsec_${crypto.randomUUID().replaceAll("-", "")}`;
  const connection = await createBenchConnection(db.sql, {
    encryptionKey,
    apiKey: "cal_test_bench_cold_start_key",
    calcomUserId: 1,
    webhookSecret,
    connectionId,
  });
  const jwt = await signTestJwt({ sub: connection.userId, expiresIn: 7200 });
  const env = functionEnv({ dbUrl: db.url, encryptionKey });
  const signed = buildDeliveries({
    count: deliveries,
    secret: webhookSecret,
    path: `/calcom-webhook/${connectionId}`,
    prefix: "cold",
  });
  const authorized = (url: string) => new Request(url, { headers: { authorization: `Bearer ${jwt}` } });
  const requests: Record<ColdStartTarget, FirstRequest> = {
    bare: { label: "GET /", make: (base) => new Request(`${base}/`) },
    "bare+postgres": { label: "GET / (select 1)", make: (base) => new Request(`${base}/`) },
    "bare+libraries": {
      label: "GET / (select 1; Hono, zod, node:crypto imported)",
      make: (base) => new Request(`${base}/`),
    },
    "calcom-webhook": {
      label: "POST /calcom-webhook/:connectionId (a signed BOOKING_CREATED)",
      make: (base, start) =>
        new Request(`${base}${signed[start].path}`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-cal-signature-256": signed[start].signature },
          body: signed[start].body,
        }),
    },
    "calcom-connection": {
      label: "GET /calcom-connection (user JWT)",
      make: (base) => authorized(`${base}/calcom-connection`),
    },
    "calcom-bookings-sync": {
      label: "GET /calcom-bookings-sync?fromDb=true (user JWT)",
      make: (base) => authorized(`${base}/calcom-bookings-sync?fromDb=true`),
    },
  };
  return { env, requests };
}

/** The environment of `target` (the libraries floor imports them first). */
export function targetEnv(target: ColdStartTarget, env: Record<string, string>): Record<string, string> {
  return target === "bare+libraries" ? { ...env, BENCH_IMPORT_LIBRARIES: "1" } : env;
}

/** Starts each function and the bare server `repetitions` times and compares the medians. */
export async function runColdStartBench(options: ColdStartBenchOptions): Promise<ColdStartBenchResult> {
  await using db = await createTestDatabase();
  const starts = options.repetitions + 1;
  const { env, requests } = await prepareColdStart(db, starts);
  const samples = new Map<ColdStartTarget, { ms: number; status: number; rssBytes: number }[]>(
    TARGETS.map((t) => [t, []]),
  );
  for (let start = 0; start < starts; start++) {
    // rotate the order, so drift and a neighbour's burst spread over every target
    const order = TARGETS.map((_, i) => TARGETS[(i + start) % TARGETS.length]);
    for (const target of order) {
      const run = await startOnce(entryOf(target), targetEnv(target, env), requests[target], start);
      if (start > 0) samples.get(target)!.push(run);
    }
    if (start > 0) {
      options.log(
        `cold start ${start}/${options.repetitions}: ` +
          TARGETS.map((t) => `${t} ${samples.get(t)!.at(-1)!.ms.toFixed(0)} ms`).join(", "),
      );
    }
  }
  const bareMedian = median(samples.get("bare")!.map((s) => s.ms));
  const targets: ColdStartFigures[] = [];
  for (const target of TARGETS) {
    const runs = samples.get(target)!;
    const medianMs = median(runs.map((r) => r.ms));
    targets.push({
      target,
      entry: entryOf(target),
      request: requests[target].label,
      statuses: runs.map((r) => r.status),
      samplesMs: runs.map((r) => Math.round(r.ms * 10) / 10),
      medianMs,
      ratio: medianMs / bareMedian,
      rssBytes: median(runs.map((r) => r.rssBytes)),
      ...await graphOf(entryOf(target)),
    });
  }
  return { repetitions: options.repetitions, targets };
}
