/**
 * Benchmarks 2 to 4, the booking sync: for each size, a full sync through the real
 * `calcom-bookings-sync` function (its own process, so its memory is its own) against the Cal.com
 * sandbox, compared with the database limit (the same rows upserted straight into Postgres, one
 * statement per page of 250) and with the row-at-a-time sync (accepted and pending only, one statement per booking, `row_at_a_time_sync.ts`); on the largest
 * size, an incremental sync after 1% of the bookings changed. The sandbox runs in this process and is
 * timed alone, so a slow sandbox would show.
 *
 * @module
 */
import { mapApiBooking } from "../../supabase/functions/_shared/bookings/map_api_booking.ts";
import type { BookingRow } from "../../supabase/functions/_shared/bookings/booking_row.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { type Sandbox, startSandbox } from "../calcom_sandbox/mod.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { signTestJwt } from "../testing/jwt.ts";
import { createBenchConnection, functionEnv } from "./bench_connection.ts";
import { type BenchProcess, startFunctionProcess } from "./bench_process.ts";
import { readAllPages } from "./calcom_pages.ts";
import { upsertPage } from "./direct_upsert.ts";
import { type RowAtATimeRun, runRowAtATimeSync } from "./row_at_a_time_sync.ts";
import { backendCpuBetween, databaseBackendCpu, readProcCpuSeconds } from "./proc_cpu.ts";

/** Bookings per Cal.com page, the API's maximum. */
export const PAGE_SIZE = 250;

/**
 * The least possible requests for a sync of `n` bookings, ceil(n/250)+1: every full page, plus the last one
 * (partial or empty) that says there is no next.
 */
export function minimumRequests(n: number): number {
  return Math.ceil(n / PAGE_SIZE) + 1;
}

/** What one sync through the function did and cost. */
export interface FunctionSync {
  seconds: number;
  /** Function calls it took (more than one when a call stopped at its deadline, partial). */
  calls: number;
  status: string;
  requests: number;
  minimumRequests: number;
  requestsByPath: Record<string, number>;
  fetched: number;
  created: number;
  updated: number;
  /** Rows the table holds afterwards. */
  rows: number;
  rowsPerSecond: number;
}

/** Figures of one size. */
export interface SyncSizeResult {
  bookings: number;
  function: FunctionSync & {
    /** Resident memory of the function process before the sync, and its peak during it. */
    baselineRssBytes: number;
    peakRssBytes: number;
    peakHeapUsedBytes: number;
    /** V8 heap still reachable after a full GC, before and after the sync: what a sync leaves behind. */
    liveHeapBytes: { before: number; after: number };
    /** CPU seconds during the sync: the function process, its database backends, this process (the sandbox). */
    cpuSeconds: { function: number; database: number; sandbox: number };
  };
  limit: { dbSeconds: number; statements: number; rowsPerSecond: number; cpuSeconds: { database: number } };
  /** The sandbox alone: the same pages read by a bare client, timed from request to last byte. */
  sandbox: { seconds: number; rowsPerSecond: number; requests: number; largestPageBytes: number };
  /** function rows/s ÷ limit rows/s. */
  ratio: number;
  rowAtATime?: RowAtATimeRun & {
    /** Bookings the row-at-a-time sync never sees (past, cancelled, rejected). */
    missedRows: number;
    /** Ours ÷ its rows/s. */
    rowsPerSecondRatio: number;
    /** Its wall time ÷ ours, for less data. */
    wallTimeRatio: number;
  };
}

/** The incremental sync after some bookings changed. */
export interface IncrementalResult extends FunctionSync {
  bookings: number;
  changed: number;
  /** Requests the fewest for the changed bookings: ceil(changed/250)+1. */
  minimumRequests: number;
}

/** Result of the sync benchmarks. */
export interface SyncBenchResult {
  sizes: SyncSizeResult[];
  incremental?: IncrementalResult;
  /** Peak memory of the largest size minus the smallest's, and the page body size it is judged against. */
  memoryGrowth: {
    rssBytes: number;
    heapUsedBytes: number;
    /** Live heap left after the largest sync minus after the smallest's. */
    liveHeapBytes: number;
    pageBytes: number;
    allowedBytes: number;
  };
}

/** Options of {@linkcode runSyncBench}. */
export interface SyncBenchOptions {
  sizes: number[];
  incrementalShare: number;
  rowAtATime: boolean;
  log: (line: string) => void;
}

/** Growth allowed between the smallest and the largest size: one page's worth, counted generously. */
const ALLOWED_GROWTH_BYTES = 16 * 1024 * 1024;

async function callSync(
  server: BenchProcess,
  jwt: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/calcom-bookings-sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`Sync answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Runs syncs (repeating while a call ends partial) and counts what they did. */
async function syncThroughFunction(
  server: BenchProcess,
  sandbox: Sandbox,
  options: {
    jwt: string;
    connectionId: string;
    full: boolean;
    minimumRequests: number;
    rows: () => Promise<number>;
  },
): Promise<FunctionSync> {
  sandbox.resetRequests();
  const started = performance.now();
  let calls = 0;
  let answer: Record<string, unknown>;
  const sum = { fetched: 0, created: 0, updated: 0 };
  do {
    answer = await callSync(server, options.jwt, { connectionId: options.connectionId, full: options.full });
    calls++;
    sum.fetched += Number(answer.count ?? answer.fetched ?? 0);
    sum.created += Number(answer.created ?? 0);
    sum.updated += Number(answer.updated ?? 0);
  } while (answer.status === "partial" && calls < 50);
  const seconds = (performance.now() - started) / 1000;
  const requestsByPath: Record<string, number> = {};
  for (const r of sandbox.requests) requestsByPath[r.path] = (requestsByPath[r.path] ?? 0) + 1;
  const rows = await options.rows();
  return {
    seconds,
    calls,
    status: String(answer.status),
    requests: sandbox.requests.length,
    minimumRequests: options.minimumRequests,
    requestsByPath,
    ...sum,
    rows,
    rowsPerSecond: sum.fetched / seconds,
  };
}

/**
 * Changes `count` bookings spread over the list (confirming pending ones, cancelling accepted ones);
 * returns how many bookings the sandbox now shows as changed since.
 */
async function changeBookings(sandbox: Sandbox, userId: number, count: number): Promise<number> {
  // single bookings only: cancelling one occurrence of a series could change the others too
  const open = sandbox.bookings(userId).filter((b) =>
    (b.status === "accepted" || b.status === "pending") && !b.recurringBookingUid
  );
  const since = sandbox.now().getTime();
  const stride = Math.max(1, Math.floor(open.length / count));
  for (let i = 0, done = 0; i < open.length && done < count; i += stride, done++) {
    const b = open[i];
    if (b.status === "accepted") await sandbox.cancelBooking(b.uid, "Bench change");
    else await sandbox.confirmBooking(b.uid);
  }
  // counted from the sandbox's truth: one change may touch more than one booking
  return sandbox.bookings(userId).filter((b) => Date.parse(String(b.updatedAt)) >= since).length;
}

async function runSize(sandbox: Sandbox, n: number, options: SyncBenchOptions, last: boolean): Promise<{
  result: SyncSizeResult;
  incremental?: IncrementalResult;
}> {
  const log = (line: string) => options.log(`sync ${n}: ${line}`);
  const { user, apiKey } = sandbox.addUser({ username: `bench${n}` });
  const t = performance.now();
  // The history ends an hour ago: no seeded change falls in the sync's one-minute watermark lag, so the
  // incremental run reads the changes made below, not the tail of the seeded history
  sandbox.seedBookings(user.id, n, { seed: n, now: new Date(sandbox.now().getTime() - 3_600_000) });
  const total = sandbox.bookings(user.id).length;
  log(`seeded ${total} bookings in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // the limit, and the sandbox alone: the same pages, straight into Postgres
  const limit = { dbSeconds: 0, statements: 0, rowsPerSecond: 0, cpuSeconds: { database: 0 } };
  let sandboxRead;
  {
    await using db = await createTestDatabase();
    const owner = await createBenchConnection(db.sql, { apiKey, calcomUserId: user.id });
    const dbCpu = await databaseBackendCpu(db.name);
    sandboxRead = await readAllPages({ baseUrl: sandbox.url, apiKey }, async (bookings) => {
      const rows: BookingRow[] = bookings.map((b) => mapApiBooking(b));
      const started = performance.now();
      await upsertPage(db.sql, owner, rows);
      limit.dbSeconds += (performance.now() - started) / 1000;
      limit.statements++;
    });
    limit.rowsPerSecond = sandboxRead.bookings / limit.dbSeconds;
    limit.cpuSeconds.database = backendCpuBetween(dbCpu, await databaseBackendCpu(db.name));
    log(
      `limit ${limit.rowsPerSecond.toFixed(0)} rows/s (${
        limit.dbSeconds.toFixed(2)
      } s in ${limit.statements} statements); ` +
        `sandbox alone ${(sandboxRead.bookings / sandboxRead.sandboxSeconds).toFixed(0)} rows/s`,
    );
  }

  // the function, in its own process, on a fresh database
  let fn: SyncSizeResult["function"];
  let incremental: IncrementalResult | undefined;
  {
    await using db = await createTestDatabase();
    const encryptionKey = randomEncryptionKey();
    const connection = await createBenchConnection(db.sql, { encryptionKey, apiKey, calcomUserId: user.id });
    await using server = await startFunctionProcess(
      "calcom-bookings-sync",
      functionEnv({ dbUrl: db.url, encryptionKey, calcomApiUrl: sandbox.url, syncDeadlineSeconds: 3600 }),
      { label: `sync-${n}`, exposeGc: true },
    );
    const jwt = await signTestJwt({ sub: connection.userId, expiresIn: 7200 });
    const rows = async () => {
      const [{ count }] = await db.sql<
        { count: number }[]
      >`select count(*)::int as count from public.calcom_bookings`;
      return count;
    };
    const liveHeapBefore = await server.liveHeapBytes();
    await server.resetPeaks();
    const baseline = await server.memory();
    const cpu = {
      function: await readProcCpuSeconds(server.pid),
      database: await databaseBackendCpu(db.name),
      sandbox: await readProcCpuSeconds(Deno.pid),
    };
    const sync = await syncThroughFunction(server, sandbox, {
      jwt,
      connectionId: connection.connectionId,
      full: true,
      minimumRequests: minimumRequests(total),
      rows,
    });
    const cpuSeconds = {
      function: await readProcCpuSeconds(server.pid) - cpu.function,
      database: backendCpuBetween(cpu.database, await databaseBackendCpu(db.name)),
      sandbox: await readProcCpuSeconds(Deno.pid) - cpu.sandbox,
    };
    const memory = await server.memory();
    const liveHeapAfter = await server.liveHeapBytes();
    fn = {
      ...sync,
      baselineRssBytes: baseline.proc.rssBytes,
      peakRssBytes: Math.max(memory.proc.peakRssBytes, memory.inside.rss),
      peakHeapUsedBytes: memory.inside.heapUsed,
      liveHeapBytes: { before: liveHeapBefore, after: liveHeapAfter },
      cpuSeconds,
    };
    const peakMib = (fn.peakRssBytes / 2 ** 20).toFixed(0);
    log(
      `function ${fn.rowsPerSecond.toFixed(0)} rows/s, ${fn.seconds.toFixed(2)} s, ${fn.requests} requests ` +
        `(minimum ${fn.minimumRequests}), peak RSS ${peakMib} MiB, rows ${fn.rows}; CPU s: function ` +
        `${cpuSeconds.function.toFixed(2)}, database ${cpuSeconds.database.toFixed(2)}, sandbox ${
          cpuSeconds.sandbox.toFixed(2)
        }`,
    );
    if (last && options.incrementalShare > 0) {
      const changed = await changeBookings(sandbox, user.id, Math.round(total * options.incrementalShare));
      const inc = await syncThroughFunction(server, sandbox, {
        jwt,
        connectionId: connection.connectionId,
        full: false,
        minimumRequests: minimumRequests(changed),
        rows,
      });
      incremental = { ...inc, bookings: total, changed };
      log(`incremental after ${changed} changes: ${inc.seconds.toFixed(2)} s, ${inc.requests} requests`);
    }
  }

  let rowAtATime: SyncSizeResult["rowAtATime"];
  if (options.rowAtATime) {
    await using db = await createTestDatabase();
    const owner = await createBenchConnection(db.sql, { apiKey, calcomUserId: user.id });
    const run = await runRowAtATimeSync({ baseUrl: sandbox.url, apiKey, sql: db.sql, owner });
    rowAtATime = {
      ...run,
      missedRows: total - run.rows,
      rowsPerSecondRatio: fn.rowsPerSecond / run.rowsPerSecond,
      wallTimeRatio: run.seconds / fn.seconds,
    };
    log(
      `row-at-a-time ${run.rowsPerSecond.toFixed(0)} rows/s, ${
        run.seconds.toFixed(2)
      } s for ${run.rows} rows`,
    );
  }

  return {
    result: {
      bookings: total,
      function: fn,
      limit,
      sandbox: {
        seconds: sandboxRead.sandboxSeconds,
        rowsPerSecond: sandboxRead.bookings / sandboxRead.sandboxSeconds,
        requests: sandboxRead.requests,
        largestPageBytes: sandboxRead.largestPageBytes,
      },
      ratio: fn.rowsPerSecond / limit.rowsPerSecond,
      rowAtATime,
    },
    incremental,
  };
}

/** Runs every size, smallest first, against one sandbox without a rate limit. */
export async function runSyncBench(options: SyncBenchOptions): Promise<SyncBenchResult> {
  // Cal.com's 120 requests a minute would make this a benchmark of the rate limit
  await using sandbox = await startSandbox({
    rateLimit: { limit: 1_000_000_000, ttlMs: 60_000, blockMs: 1 },
  });
  const sizes: SyncSizeResult[] = [];
  let incremental: IncrementalResult | undefined;
  for (const [i, n] of options.sizes.entries()) {
    const run = await runSize(sandbox, n, options, i === options.sizes.length - 1);
    sizes.push(run.result);
    incremental ??= run.incremental;
  }
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  return {
    sizes,
    incremental,
    memoryGrowth: {
      rssBytes: last.function.peakRssBytes - first.function.peakRssBytes,
      heapUsedBytes: last.function.peakHeapUsedBytes - first.function.peakHeapUsedBytes,
      liveHeapBytes: last.function.liveHeapBytes.after - first.function.liveHeapBytes.after,
      pageBytes: last.sandbox.largestPageBytes,
      allowedBytes: ALLOWED_GROWTH_BYTES,
    },
  };
}
