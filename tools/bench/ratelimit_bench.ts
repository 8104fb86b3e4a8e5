/**
 * Benchmark 1, the sync under Cal.com's real rate limit: the sandbox enforces 120 requests a minute per
 * key with Cal.com's headers and 60 s block, and a full sync of N bookings runs through the real
 * function (its own process, `CALCOM_SYNC_DEADLINE_SECONDS` as deployed, so it takes as many calls as
 * the deadline needs). Its wall time is set against the least the limit allows for ⌈N/250⌉ requests:
 * ⌈R/limit⌉ − 1 whole windows before the last request may start. Then the same with two users of the
 * same key syncing at once (two connections of one Cal.com account): together they must stay under the
 * limit. `--quick` scales the window down (10 requests per 5 s) so the run ends within a minute.
 *
 * @module
 */
import { type Sandbox, startSandbox } from "../calcom_sandbox/mod.ts";
import type { RequestRecord } from "../calcom_sandbox/server.ts";
import type { RateLimitConfig } from "../calcom_sandbox/rate_limit.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { signTestJwt } from "../testing/jwt.ts";
import { createBenchConnection, functionEnv } from "./bench_connection.ts";
import { type BenchProcess, startFunctionProcess } from "./bench_process.ts";
import { PAGE_SIZE } from "./sync_bench.ts";

/** One run: `users` syncs of the same key at once, each of every booking. */
export interface RateLimitRun {
  users: number;
  /** Bookings of the account (each sync stores all of them). */
  bookings: number;
  /** From the first call to the last answer of every sync. */
  seconds: number;
  /** Function calls, all syncs together (a call ends partial at its deadline). */
  calls: number;
  /** Cal.com requests made with the key, 429s included. */
  requests: number;
  /** ⌈N/250⌉ per sync. */
  minimumRequests: number;
  /** ⌈minimumRequests/limit⌉ − 1 windows: the least time the limit allows. */
  boundSeconds: number;
  /** boundSeconds ÷ seconds. */
  ratio: number;
  /** 429 answers, and the most in one of the sandbox's windows. */
  throttled: number;
  maxThrottledPerWindow: number;
  /** Requests the sandbox counted in its busiest window (at most the limit when never exceeded). */
  maxHitsPerWindow: number;
  /** Rows stored per sync's connection. */
  rows: number[];
}

/** Result of the rate-limit benchmark. */
export interface RateLimitBenchResult {
  limit: RateLimitConfig;
  deadlineSeconds: number;
  single: RateLimitRun;
  shared: RateLimitRun;
}

/** Options of {@linkcode runRateLimitBench}. */
export interface RateLimitBenchOptions {
  bookings: number;
  quick: boolean;
  log: (line: string) => void;
}

/** Cal.com's limit for API keys (contract §7.3), and the quick run's scaled copy. */
const CALCOM_LIMIT: RateLimitConfig = { limit: 120, ttlMs: 60_000, blockMs: 60_000 };
const QUICK_LIMIT: RateLimitConfig = { limit: 10, ttlMs: 5_000, blockMs: 5_000 };

/**
 * The sandbox's windows replayed from its request log (as `rate_limit.ts` counts them: a window opens at
 * the first request after the previous one ended, its first 429 starts a block of `blockMs`).
 */
export function windowsOf(
  requests: readonly Pick<RequestRecord, "at" | "status">[],
  config: RateLimitConfig,
): { hits: number; throttled: number }[] {
  const windows: { hits: number; throttled: number }[] = [];
  let end = -Infinity;
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    if (r.at >= end) {
      windows.push({ hits: 0, throttled: 0 });
      end = r.at + config.ttlMs;
    }
    const w = windows[windows.length - 1];
    if (r.status !== 429) w.hits++;
    // The first refusal starts the block; refusals during it do not lengthen it.
    else if (w.throttled++ === 0) end = Math.max(end, r.at + config.blockMs);
  }
  return windows;
}

async function syncUntilDone(server: BenchProcess, jwt: string, connectionId: string): Promise<number> {
  let calls = 0;
  for (;;) {
    const res = await fetch(`${server.url}/calcom-bookings-sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      // A full run stopped by its deadline is continued by the next full call.
      body: JSON.stringify({ connectionId, full: true }),
    });
    const answer = await res.json();
    calls++;
    // A call stopped by the limit (partial, or a 429 answered as 502) continues where it stopped.
    const retry = answer.status === "partial" || answer.error?.code === "calcom_unavailable";
    if (res.ok && answer.status === "succeeded") return calls;
    if (!retry || calls >= 200) throw new Error(`Sync answered ${res.status}: ${JSON.stringify(answer)}`);
  }
}

async function runOnce(
  sandbox: Sandbox,
  account: { userId: number; apiKey: string; bookings: number },
  users: number,
  config: RateLimitConfig,
  deadlineSeconds: number,
): Promise<RateLimitRun> {
  await using db = await createTestDatabase();
  const encryptionKey = randomEncryptionKey();
  const connections = [];
  for (let i = 0; i < users; i++) {
    connections.push(
      await createBenchConnection(db.sql, {
        encryptionKey,
        apiKey: account.apiKey,
        calcomUserId: account.userId,
      }),
    );
  }
  // A fresh process: its per-key limiter starts knowing nothing, as the sandbox's fresh window does.
  await using server = await startFunctionProcess(
    "calcom-bookings-sync",
    functionEnv({
      dbUrl: db.url,
      encryptionKey,
      calcomApiUrl: sandbox.url,
      syncDeadlineSeconds: deadlineSeconds,
    }),
    { label: `ratelimit-${users}` },
  );
  const jwts = await Promise.all(connections.map((c) => signTestJwt({ sub: c.userId, expiresIn: 7200 })));
  sandbox.setRateLimit(config);
  sandbox.resetRequests();
  const started = performance.now();
  const calls = await Promise.all(connections.map((c, i) => syncUntilDone(server, jwts[i], c.connectionId)));
  const seconds = (performance.now() - started) / 1000;
  const hint = `…${account.apiKey.slice(-4)}`;
  const requests = sandbox.requests.filter((r) => r.apiKeyHint === hint);
  const windows = windowsOf(requests, config);
  const rows = [];
  for (const c of connections) {
    const [{ n }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from public.calcom_bookings where calcom_connection_id = ${c.connectionId}`;
    rows.push(n);
  }
  const minimumRequests = users * Math.ceil(account.bookings / PAGE_SIZE);
  const boundSeconds = (Math.ceil(minimumRequests / config.limit) - 1) * config.ttlMs / 1000;
  return {
    users,
    bookings: account.bookings,
    seconds,
    calls: calls.reduce((a, b) => a + b, 0),
    requests: requests.length,
    minimumRequests,
    boundSeconds,
    ratio: boundSeconds / seconds,
    throttled: requests.filter((r) => r.status === 429).length,
    maxThrottledPerWindow: Math.max(0, ...windows.map((w) => w.throttled)),
    maxHitsPerWindow: Math.max(0, ...windows.map((w) => w.hits)),
    rows,
  };
}

/** Runs the single and the shared sync, each in a fresh database and function process. */
export async function runRateLimitBench(options: RateLimitBenchOptions): Promise<RateLimitBenchResult> {
  const config = options.quick ? QUICK_LIMIT : CALCOM_LIMIT;
  // The deployed default; the quick run's windows are 12 times shorter, and so is its deadline.
  const deadlineSeconds = options.quick ? 3 : 100;
  await using sandbox = await startSandbox({ rateLimit: config });
  const { user, apiKey } = sandbox.addUser({ username: "ratelimit" });
  // The history ends an hour ago, outside the sync's watermark lag.
  sandbox.seedBookings(user.id, options.bookings, {
    seed: options.bookings,
    now: new Date(sandbox.now().getTime() - 3_600_000),
  });
  const account = { userId: user.id, apiKey, bookings: sandbox.bookings(user.id).length };
  const describe = (r: RateLimitRun) =>
    `${r.seconds.toFixed(1)} s (bound ${r.boundSeconds.toFixed(0)} s, ratio ${r.ratio.toFixed(3)}), ` +
    `${r.requests} requests in ${r.calls} calls, ${r.throttled} × 429, rows ${r.rows.join(" + ")}`;
  options.log(
    `ratelimit: ${account.bookings} bookings, ${config.limit} requests per ${config.ttlMs / 1000} s`,
  );
  const single = await runOnce(sandbox, account, 1, config, deadlineSeconds);
  options.log(`ratelimit: one sync ${describe(single)}`);
  const shared = await runOnce(sandbox, account, 2, config, deadlineSeconds);
  options.log(`ratelimit: two syncs of one key ${describe(shared)}`);
  return { limit: config, deadlineSeconds, single, shared };
}
