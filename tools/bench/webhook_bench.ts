/**
 * Benchmark 1, webhook ingestion: the real `calcom-webhook` function over HTTP on 127.0.0.1 against its
 * limit (`webhook_limit_process.ts`), each in its own process on a fresh Postgres database, loaded by wrk
 * with 16 connections for a fixed time with pre-signed unique `BOOKING_CREATED` deliveries; then the
 * same with a mix of duplicates, older states and forged signatures.
 *
 * @module
 */
import { createTestDatabase } from "../db/test_database.ts";
import { backendCpuBetween, databaseBackendCpu, readProcCpuSeconds } from "./proc_cpu.ts";
import {
  buildDeliveries,
  countKinds,
  type Delivery,
  type DeliveryKind,
  MIXED,
  writeDeliveries,
} from "./webhook_deliveries.ts";
import {
  POOL_MAX,
  startWebhookServer,
  type WebhookServer,
  type WebhookTarget,
  webhookTarget,
} from "./webhook_server.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

/** What one load run measured. */
export interface LoadFigures {
  requestsPerSecond: number;
  requests: number;
  durationS: number;
  latencyMs: WrkResult["latencyMs"];
  /** Socket errors plus answers that were not the expected ones (see `docs/benchmarks.md`). */
  errors: number;
  statuses: Record<string, number>;
  /** Deliveries sent more than once because the load outran the prepared set (then duplicates). */
  wrapped: boolean;
  /**
   * CPU milliseconds per answered request: the server process, and the Postgres backends of its
   * database. On a machine with few cores, throughput follows their sum.
   */
  cpuMsPerRequest: { server: number; database: number };
  /** Peak resident memory of the server process during the measured run. */
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  /** What the database holds afterwards. */
  database: {
    events: number;
    processedEvents: number;
    bookings: number;
    /**
     * Bookings holding an older state although the newer one was processed: a broken order guard.
     * (An older state whose newer one never arrived, because wrk stopped first, is no fault.)
     */
    olderStatesKept: number;
    /** Bookings created by a forged delivery. */
    forged: number;
  };
}

/** The server against its limit under the same load. */
export interface WebhookComparison {
  function: LoadFigures;
  limit: LoadFigures;
  /** function requests/s ÷ limit requests/s. */
  throughputRatio: number;
  /** function p99 ÷ limit p99. */
  p99Ratio: number;
}

/** Result of the webhook benchmark. */
export interface WebhookBenchResult {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  dbPoolMax: number;
  plain: WebhookComparison;
  mixed: WebhookComparison & { mix: typeof MIXED; sentKinds: Record<DeliveryKind, number> };
  /**
   * The function against the bare server (`bare_webhook_server.ts`: HMAC and the function's single SQL
   * call, nothing else), on the same loads: `limit` is the bare server's figures. Absent in results
   * written before the bare server existed.
   */
  bare?: { plain: WebhookComparison; mixed: WebhookComparison };
}

/** Deliveries prepared per second of load: more than both servers can take on this machine. */
const DELIVERIES_PER_SECOND = 2500;

interface Scenario {
  server: WebhookServer;
  deliveries: Delivery[];
  file: string;
  warmupFile: string;
}

async function runScenario(
  scenario: Scenario,
  common: {
    target: WebhookTarget;
    seconds: number;
    warmupSeconds: number;
    connections: number;
  },
): Promise<LoadFigures> {
  await using db = await createTestDatabase();
  await using server = await startWebhookServer(scenario.server, db, common.target, {
    label: `webhook-${scenario.server}`,
  });
  // JIT, pool connections and caches warm up on deliveries of their own, outside the measurement
  await runWrk({
    baseUrl: server.url,
    payloadFile: scenario.warmupFile,
    connections: common.connections,
    seconds: common.warmupSeconds,
  });
  await server.resetPeaks();
  const cpuBefore = {
    server: await readProcCpuSeconds(server.pid),
    database: await databaseBackendCpu(db.name),
  };
  const result = await runWrk({
    baseUrl: server.url,
    payloadFile: scenario.file,
    connections: common.connections,
    seconds: common.seconds,
  });
  const cpu = {
    server: await readProcCpuSeconds(server.pid) - cpuBefore.server,
    database: backendCpuBetween(cpuBefore.database, await databaseBackendCpu(db.name)),
  };
  const memory = await server.memory();
  // the answers still in flight when wrk stopped land before the database is read
  await server.stop();
  const [database] = await db.sql<LoadFigures["database"][]>`
    select
      (select count(*) from public.calcom_webhook_events)::int as events,
      (select count(*) from public.calcom_webhook_events where processed)::int as "processedEvents",
      (select count(*) from public.calcom_bookings)::int as bookings,
      (select count(*) from public.calcom_bookings b
       where b.title = 'Older title' and exists (
         select 1 from public.calcom_webhook_events e
         where e.booking_uid = b.booking_uid and e.processed
           and e.payload -> 'payload' ->> 'title' <> 'Older title'))::int as "olderStatesKept",
      (select count(*) from public.calcom_bookings where title = 'Forged booking')::int as forged`;
  return {
    requestsPerSecond: result.requestsPerSecond,
    requests: result.requests,
    durationS: result.durationS,
    latencyMs: result.latencyMs,
    errors: countErrors(result, scenario.deliveries, common.connections),
    statuses: result.statuses,
    wrapped: result.sent > result.lines,
    cpuMsPerRequest: {
      server: (cpu.server * 1000) / result.requests,
      database: (cpu.database * 1000) / result.requests,
    },
    peakRssBytes: Math.max(memory.proc.peakRssBytes, memory.inside.rss),
    peakHeapUsedBytes: memory.inside.heapUsed,
    database,
  };
}

/**
 * Errors: socket errors, answers other than 2xx and 401, and a count of 401s that differs from the number
 * of forged deliveries among the first `requests` sent by more than `slack` (wrk sends in file order but
 * the last `connections` deliveries may still have been in flight when it stopped).
 */
export function countErrors(
  result: Pick<WrkResult, "socketErrors" | "statuses" | "requests">,
  deliveries: readonly Pick<Delivery, "kind">[],
  slack: number,
): number {
  let unexpected = 0;
  let unauthorized = 0;
  for (const [status, count] of Object.entries(result.statuses)) {
    if (status === "401") unauthorized += count;
    else if (!status.startsWith("2")) unexpected += count;
  }
  let forged = 0;
  for (let i = 0; i < result.requests; i++) {
    if (deliveries[i % deliveries.length].kind === "bad_signature") forged++;
  }
  return result.socketErrors + unexpected + Math.max(0, Math.abs(unauthorized - forged) - slack);
}

function compare(fn: LoadFigures, limit: LoadFigures): WebhookComparison {
  return {
    function: fn,
    limit,
    throughputRatio: fn.requestsPerSecond / limit.requestsPerSecond,
    p99Ratio: fn.latencyMs.p99 / limit.latencyMs.p99,
  };
}

/**
 * Runs the six load runs (bare, limit, function, function mixed, limit mixed, bare mixed: mirrored
 * against drift).
 */
export async function runWebhookBench(
  options: { seconds: number; connections: number; quick: boolean; log: (line: string) => void },
): Promise<WebhookBenchResult> {
  const warmupSeconds = options.quick ? 1 : 3;
  const target = webhookTarget();
  const { secret, path } = target;
  const dir = await Deno.makeTempDir({ prefix: "bench_webhook_" });
  try {
    options.log("webhook: signing deliveries");
    const count = options.seconds * DELIVERIES_PER_SECOND;
    const warmup = buildDeliveries({
      count: warmupSeconds * DELIVERIES_PER_SECOND,
      secret,
      path,
      prefix: "warm",
    });
    const plain = buildDeliveries({ count, secret, path, prefix: "plain" });
    const mixed = buildDeliveries({ count, secret, path, mix: MIXED, seed: 7, prefix: "mixed" });
    const files = { warmup: `${dir}/warmup.tsv`, plain: `${dir}/plain.tsv`, mixed: `${dir}/mixed.tsv` };
    await writeDeliveries(files.warmup, warmup);
    await writeDeliveries(files.plain, plain);
    await writeDeliveries(files.mixed, mixed);
    const common = {
      target,
      seconds: options.seconds,
      warmupSeconds,
      connections: options.connections,
    };
    const run = async (server: WebhookServer, name: "plain" | "mixed") => {
      options.log(
        `webhook: ${name} load on the ${server} (${options.seconds} s, ${options.connections} connections)`,
      );
      const deliveries = name === "plain" ? plain : mixed;
      const figures = await runScenario(
        { server, deliveries, file: files[name], warmupFile: files.warmup },
        common,
      );
      options.log(
        `webhook: ${name} ${server}: ${
          figures.requestsPerSecond.toFixed(0)
        } req/s, p50 ${figures.latencyMs.p50} ms, ` +
          `p99 ${figures.latencyMs.p99} ms, errors ${figures.errors}, CPU/request ` +
          `${figures.cpuMsPerRequest.server.toFixed(2)} ms server + ${
            figures.cpuMsPerRequest.database.toFixed(2)
          } ms database`,
      );
      return figures;
    };
    const barePlain = await run("bare", "plain");
    const limitPlain = await run("limit", "plain");
    const functionPlain = await run("function", "plain");
    const functionMixed = await run("function", "mixed");
    const limitMixed = await run("limit", "mixed");
    const bareMixed = await run("bare", "mixed");
    return {
      connections: options.connections,
      seconds: options.seconds,
      warmupSeconds,
      dbPoolMax: POOL_MAX,
      plain: compare(functionPlain, limitPlain),
      mixed: { ...compare(functionMixed, limitMixed), mix: MIXED, sentKinds: countKinds(mixed) },
      bare: { plain: compare(functionPlain, barePlain), mixed: compare(functionMixed, bareMixed) },
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
