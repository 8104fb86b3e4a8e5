/**
 * Benchmark 2, ten thousand connections: N connected users with small histories, 1% of them changed since
 * the last sweep, and one scheduled sweep through the dispatcher (`POST …/scheduled`) and its workers
 * (`POST …/scheduled/work`, a process of their own, as their own invocations would be): the time until
 * every connection is current, the Cal.com requests it made against the minimum (one per connection), and
 * the database CPU per connection. Its limit is `bare_sweep.ts`: the same requests and one minimal write
 * per connection by a bare loop with as many loops as there are workers.
 *
 * Before the measured sweep every connection has a watermark (a warm-up sweep), reconciliation is not
 * due (`last_reconciled_at` set to now: it runs at most every 6 h), every connection is made due and the
 * sync tables are vacuumed.
 * A second sweep with reconciliation due for every connection is reported beside it.
 *
 * Database CPU is the CPU time of the database's backends read from `/proc`. Where the server preloads
 * pg_stat_statements (`DATABASE_URL` naming such a server), the statements of each phase are counted too.
 * `SWEEP_PROFILE=<file>` records the workers' CPU profile during the measured sweep: its summary goes to
 * the log, the `.cpuprofile` to the file (the profiler slows the sweep: such a run is for profiling only).
 *
 * @module
 */
import type postgres from "postgres";
import { type Sandbox, startSandbox } from "../calcom_sandbox/mod.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { cronSecretHeader } from "../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import { createTestDatabase, type TestDatabase } from "../db/test_database.ts";
import type { BareSweepAnswer, BareSweepConnection } from "./bare_sweep.ts";
import { functionEnv } from "./bench_connection.ts";
import { type BenchProcess, startBenchProcess, startFunctionProcess } from "./bench_process.ts";
import { backendCpuBetween, databaseBackendCpu, readProcCpuSeconds } from "./proc_cpu.ts";
import { summarizeProfile } from "./cpu_profile.ts";
import { inspectorSession } from "./inspector_session.ts";
import { readStatementStats, resetStatementStats, type StatementStats } from "./statement_stats.ts";
import { insertSweepConnections, seedSandboxUsers, type SweepAccount } from "./sweep_seed.ts";

/** Bookings of each sandbox user. */
export const BOOKINGS_EACH = 3;
/** Share of the users with a changed booking before the measured sweep. */
export const CHANGED_SHARE = 0.01;
/** The deployed deadline of one call (`CALCOM_SYNC_DEADLINE_SECONDS`'s default). */
const DEADLINE_SECONDS = 100;

/** One sweep: scheduled calls until nothing is due. */
export interface SweepFigures {
  seconds: number;
  /** `POST …/scheduled` calls it took (one unless a worker hit its deadline). */
  calls: number;
  /** Every Cal.com request of the sweep, and those that were `GET /v2/bookings`. */
  requests: number;
  bookingRequests: number;
  /** One request per connection. */
  minimumRequests: number;
  /** Connections whose schedule row shows a succeeded run that began in this sweep. */
  current: number;
  /** Changed bookings stored as changed afterwards. */
  changesStored: number;
  reconciled: number;
  /** CPU seconds: the database's backends, the function processes, the harness (the sandbox). */
  cpuSeconds: { database: number; functions: number; sandbox: number };
  /** Database CPU per connection, ms. */
  databaseCpuMsPerConnection: number;
  /** Statements run, where the server has pg_stat_statements. */
  statements?: StatementStats;
}

/** One size. */
export interface SweepRun {
  connections: number;
  workers: number;
  changed: number;
  /** Seconds to seed the sandbox and the database. */
  seedSeconds: { sandbox: number; database: number };
  warmupSeconds: number;
  /** The measured sweep, reconciliation not due. */
  sweep: SweepFigures;
  /** The bare loop. */
  limit: {
    seconds: number;
    requests: number;
    cpuSeconds: { database: number; process: number };
    databaseCpuMsPerConnection: number;
    statements?: StatementStats;
  };
  /** limit.seconds ÷ sweep.seconds. */
  ratio: number;
  /** A sweep with reconciliation due for every connection (not set against the limit). */
  reconcileDue?: SweepFigures;
}

/** The whole benchmark. */
export interface SweepBenchResult {
  workers: number;
  bookingsEach: number;
  changedShare: number;
  runs: SweepRun[];
  /** Sweep ms per connection per worker (seconds × workers ÷ connections), and relative to the first. */
  growth: { connections: number; msPerConnectionPerWorker: number; relative: number }[];
}

/** Options of {@linkcode runSweepBench}. */
export interface SweepBenchOptions {
  sizes: number[];
  workers: number;
  /** Also measure a sweep with reconciliation due. */
  reconcileDue: boolean;
  log: (line: string) => void;
}

/** How the sweep time grows: ms per connection per worker, and each size's relative to the first. */
export function sweepGrowth(runs: readonly Pick<SweepRun, "connections" | "workers" | "sweep">[]) {
  const per = runs.map((r) => ({
    connections: r.connections,
    msPerConnectionPerWorker: r.sweep.seconds * 1000 * r.workers / r.connections,
  }));
  return per.map((p) => ({ ...p, relative: p.msPerConnectionPerWorker / per[0].msPerConnectionPerWorker }));
}

interface Stack {
  sandbox: Sandbox;
  db: TestDatabase;
  dispatcher: BenchProcess;
  worker: BenchProcess;
  cronSecret: string;
  accounts: SweepAccount[];
}

/** Scheduled calls until none is left due; returns the seconds and calls. */
async function sweep(stack: Stack): Promise<{ seconds: number; calls: number; reconciled: number }> {
  const started = performance.now();
  let reconciled = 0;
  for (let calls = 1;; calls++) {
    const res = await fetch(`${stack.dispatcher.url}/calcom-bookings-sync/scheduled`, {
      method: "POST",
      headers: { [cronSecretHeader]: stack.cronSecret },
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`Scheduled call answered ${res.status}: ${JSON.stringify(body.error)}`);
    const results = body.results as { status: string; reconciled?: unknown }[];
    reconciled += results.filter((r) => r.reconciled).length;
    const failed = results.filter((r) => r.status === "failed").length;
    if (failed || body.workerErrors) {
      throw new Error(`Scheduled call: ${failed} connections failed, ${body.workerErrors} workers failed`);
    }
    if (body.remaining === 0) return { seconds: (performance.now() - started) / 1000, calls, reconciled };
    if (calls >= 20) throw new Error(`Still ${body.remaining} connections due after ${calls} calls`);
  }
}

async function cpuNow(stack: Stack, pids: number[]) {
  return {
    database: await databaseBackendCpu(stack.db.name),
    processes: await Promise.all(pids.map(readProcCpuSeconds)),
    harness: await readProcCpuSeconds(Deno.pid),
  };
}

function cpuBetween(
  before: Awaited<ReturnType<typeof cpuNow>>,
  after: Awaited<ReturnType<typeof cpuNow>>,
) {
  return {
    database: backendCpuBetween(before.database, after.database),
    processes: after.processes.reduce((sum, s, i) => sum + s - before.processes[i], 0),
    harness: after.harness - before.harness,
  };
}

/**
 * Makes every connection due now; `reconcile` says whether reconciliation is due too. Then vacuums, as
 * autovacuum would between two sweeps minutes apart (the test server runs without it): otherwise the
 * claim's index scan wades through every earlier sweep's dead row versions.
 */
async function makeAllDue(sql: postgres.Sql, reconcile: boolean): Promise<void> {
  await sql`update public.calcom_connections
            set last_reconciled_at = ${reconcile ? null : sql`now()`}`;
  await sql`update public.calcom_sync_schedule set next_due_at = now() - interval '1 second'`;
  await sql`vacuum (analyze) public.calcom_connections, public.calcom_sync_schedule, public.calcom_sync_runs`;
}

/** One measured sweep with its requests, CPU and checks. */
async function measuredSweep(
  stack: Stack,
  changedUids: string[],
  changedSince: Date,
): Promise<SweepFigures> {
  const n = stack.accounts.length;
  stack.sandbox.resetRequests();
  const counted = await resetStatementStats(stack.db.sql);
  const [{ began }] = await stack.db.sql<{ began: Date }[]>`select now() as began`;
  const before = await cpuNow(stack, [stack.dispatcher.pid, stack.worker.pid]);
  const { seconds, calls, reconciled } = await sweep(stack);
  const cpu = cpuBetween(before, await cpuNow(stack, [stack.dispatcher.pid, stack.worker.pid]));
  const statements = counted ? await readStatementStats(stack.db.sql) : undefined;
  const requests = stack.sandbox.requests;
  const [{ current }] = await stack.db.sql<{ current: number }[]>`
    select count(*)::int as current from public.calcom_sync_schedule
    where last_outcome = 'succeeded' and last_run_at >= ${began}`;
  const [{ stored }] = await stack.db.sql<{ stored: number }[]>`
    select count(*)::int as stored from public.calcom_bookings
    where booking_uid = any(${changedUids}) and source_updated_at >= ${changedSince}`;
  return {
    seconds,
    calls,
    requests: requests.length,
    bookingRequests: requests.filter((r) => r.method === "GET" && r.path === "/v2/bookings").length,
    minimumRequests: n,
    current,
    changesStored: stored,
    reconciled,
    cpuSeconds: { database: cpu.database, functions: cpu.processes, sandbox: cpu.harness },
    databaseCpuMsPerConnection: cpu.database * 1000 / n,
    statements,
  };
}

/**
 * Changes one booking of every {@linkcode CHANGED_SHARE}th user as the user would: cancels one that has
 * not ended, or marks the host absent from one that has started. Returns the changed uids.
 */
async function changeBookings(sandbox: Sandbox, accounts: readonly SweepAccount[]): Promise<string[]> {
  const step = Math.round(1 / CHANGED_SHARE);
  const changed: string[] = [];
  for (let i = 0; i < accounts.length; i += step) {
    const now = sandbox.now().getTime();
    const bookings = accounts[i].uids.map((uid) => sandbox.booking(uid)!);
    const open = bookings.find((b) => b.status !== "cancelled" && Date.parse(b.end) > now);
    const started = bookings.find((b) => Date.parse(b.start) <= now);
    if (open) await sandbox.cancelBooking(open.uid, "sweep benchmark");
    else if (started) await sandbox.markAbsent(started.uid, { host: true });
    else throw new Error(`Sandbox user ${accounts[i].calcomUserId} has no booking to change`);
    changed.push((open ?? started)!.uid);
  }
  return changed;
}

async function runSize(connections: number, options: SweepBenchOptions): Promise<SweepRun> {
  const { workers, log } = options;
  await using sandbox = await startSandbox();
  let t = performance.now();
  const seeded = seedSandboxUsers(sandbox, connections, BOOKINGS_EACH);
  const sandboxSeconds = (performance.now() - t) / 1000;
  await using db = await createTestDatabase();
  const encryptionKey = randomEncryptionKey();
  t = performance.now();
  const accounts = await insertSweepConnections(db.sql, seeded, encryptionKey);
  const databaseSeconds = (performance.now() - t) / 1000;
  log(
    `sweep ${connections}: seeded in ${sandboxSeconds.toFixed(1)} s (sandbox) + ${
      databaseSeconds.toFixed(1)
    } s`,
  );

  const cronSecret = `cron-${crypto.randomUUID()}`;
  const env = functionEnv({
    dbUrl: db.url,
    encryptionKey,
    calcomApiUrl: sandbox.url,
    syncDeadlineSeconds: DEADLINE_SECONDS,
  });
  const profileFile = Deno.env.get("SWEEP_PROFILE");
  const inspectPort = 9241;
  await using worker = await startFunctionProcess(
    "calcom-bookings-sync",
    { ...env, BENCH_APP_OPTIONS: JSON.stringify({ cronSecret }) },
    {
      label: `sweep-workers-${connections}`,
      denoFlags: profileFile ? [`--inspect=127.0.0.1:${inspectPort}`] : [],
    },
  );
  await using dispatcher = await startFunctionProcess("calcom-bookings-sync", {
    ...env,
    BENCH_APP_OPTIONS: JSON.stringify({
      cronSecret,
      workers,
      workerUrl: `${worker.url}/calcom-bookings-sync/scheduled/work`,
    }),
  }, { label: `sweep-dispatcher-${connections}` });
  const stack: Stack = { sandbox, db, dispatcher, worker, cronSecret, accounts };

  const warmup = await sweep(stack);
  const [{ without }] = await db.sql<{ without: number }[]>`
    select count(*)::int as without from public.calcom_connections where sync_watermark is null`;
  if (without > 0) throw new Error(`${without} connections have no watermark after the warm-up sweep`);
  log(`sweep ${connections}: warm-up sweep ${warmup.seconds.toFixed(1)} s in ${warmup.calls} calls`);

  const changedSince = sandbox.now();
  const changedUids = await changeBookings(sandbox, accounts);
  await makeAllDue(db.sql, false);
  // the watermarks the sweep starts from: the bare loop asks from the same ones
  const marks = await db.sql<{ id: string; mark: Date }[]>`
    select id, sync_watermark as mark from public.calcom_connections`;
  const markOf = new Map(marks.map((m) => [m.id, m.mark.toISOString()]));

  const inspector = profileFile ? await inspectorSession(inspectPort) : undefined;
  if (inspector) {
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 500 });
    await inspector.send("Profiler.start");
  }
  const measured = await measuredSweep(stack, changedUids, changedSince);
  if (inspector) {
    const { profile } = await inspector.send("Profiler.stop") as { profile: unknown };
    await inspector.close();
    await Deno.writeTextFile(profileFile!, JSON.stringify(profile));
    log(
      `sweep ${connections}: workers' profile\n${
        summarizeProfile(profile as Parameters<typeof summarizeProfile>[0], { top: 40 })
      }`,
    );
  }
  log(
    `sweep ${connections}: ${measured.seconds.toFixed(2)} s, ${measured.requests} requests ` +
      `(minimum ${measured.minimumRequests}), ${measured.current} current, ` +
      `db CPU ${measured.databaseCpuMsPerConnection.toFixed(2)} ms per connection` +
      (measured.statements
        ? `, ${(measured.statements.calls / connections).toFixed(1)} statements each`
        : ""),
  );

  const limit = await bareSweep(stack, workers, markOf);
  log(
    `sweep ${connections}: bare loop ${limit.seconds.toFixed(2)} s, ${limit.requests} requests, ` +
      `ratio ${(limit.seconds / measured.seconds).toFixed(2)}`,
  );

  let reconcileDue: SweepFigures | undefined;
  if (options.reconcileDue) {
    await makeAllDue(db.sql, true);
    reconcileDue = await measuredSweep(stack, changedUids, changedSince);
    log(
      `sweep ${connections} with reconciliation due: ${reconcileDue.seconds.toFixed(2)} s, ` +
        `${reconcileDue.requests} requests, ${reconcileDue.reconciled} reconciled`,
    );
  }
  return {
    connections,
    workers,
    changed: changedUids.length,
    seedSeconds: { sandbox: sandboxSeconds, database: databaseSeconds },
    warmupSeconds: warmup.seconds,
    sweep: measured,
    limit,
    ratio: limit.seconds / measured.seconds,
    reconcileDue,
  };
}

async function bareSweep(
  stack: Stack,
  workers: number,
  markOf: Map<string, string>,
): Promise<SweepRun["limit"]> {
  await using bare = await startBenchProcess(
    "tools/bench/bare_sweep.ts",
    { BARE_SWEEP_DB_URL: stack.db.url },
    {
      label: `bare-sweep-${stack.accounts.length}`,
    },
  );
  const connections: BareSweepConnection[] = stack.accounts.map((a) => ({
    connectionId: a.connectionId,
    apiKey: a.apiKey,
    afterUpdatedAt: markOf.get(a.connectionId)!,
  }));
  stack.sandbox.resetRequests();
  const counted = await resetStatementStats(stack.db.sql);
  const before = await cpuNow(stack, [bare.pid]);
  const res = await fetch(`${bare.url}/run`, {
    method: "POST",
    body: JSON.stringify({ calcomUrl: stack.sandbox.url, workers, connections }),
  });
  if (!res.ok) throw new Error(`Bare sweep answered ${res.status}: ${await res.text()}`);
  const answer = await res.json() as BareSweepAnswer;
  const cpu = cpuBetween(before, await cpuNow(stack, [bare.pid]));
  const statements = counted ? await readStatementStats(stack.db.sql) : undefined;
  return {
    seconds: answer.seconds,
    requests: stack.sandbox.requests.length,
    cpuSeconds: { database: cpu.database, process: cpu.processes },
    databaseCpuMsPerConnection: cpu.database * 1000 / connections.length,
    statements,
  };
}

/** Runs every size, smallest first, each in a fresh sandbox, database and function processes. */
export async function runSweepBench(options: SweepBenchOptions): Promise<SweepBenchResult> {
  const runs: SweepRun[] = [];
  for (const size of options.sizes) runs.push(await runSize(size, options));
  return {
    workers: options.workers,
    bookingsEach: BOOKINGS_EACH,
    changedShare: CHANGED_SHARE,
    runs,
    growth: sweepGrowth(runs),
  };
}
