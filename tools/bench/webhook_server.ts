/**
 * The two servers the webhook load is sent to, started the same way by the benchmark and the profiler:
 * the real `calcom-webhook` function (`function_process.ts`, served as production serves it) and its
 * limit (`webhook_limit_process.ts`), each in its own process on a database holding the connection the
 * pre-signed deliveries are addressed to.
 *
 * @module
 */
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import type { TestDatabase } from "../db/test_database.ts";
import { DEFAULT_WEBHOOK_QUOTA } from "../../supabase/functions/calcom-webhook/webhook_quota.ts";
import { createBenchConnection, functionEnv } from "./bench_connection.ts";
import { type BenchProcess, startBenchProcess, startFunctionProcess } from "./bench_process.ts";

/**
 * Which server takes the load: the function, the three-statement limit (`webhook_limit_process.ts`) or
 * the bare server making the function's single call (`bare_webhook_server.ts`).
 */
export type WebhookServer = "function" | "limit" | "bare";

/** The function's pool size (`CALCOM_DB_POOL_MAX`'s default), given to the limit for a like-for-like database side. */
export const POOL_MAX = 4;

/** The per-connection quota both the function and the bare server run with: lifted (see below). */
const LIFTED_QUOTA = { maxPerMinute: 2_000_000_000, maxBytesPerDay: 1e15 };

/** Where a run's deliveries go: one connection id (it is in the path) and webhook secret for every database. */
export interface WebhookTarget {
  connectionId: string;
  secret: string;
  /** `/calcom-webhook/<connection id>`. */
  path: string;
}

/** A fresh target: the deliveries are signed for it before any database exists. */
export function webhookTarget(): WebhookTarget {
  const connectionId = crypto.randomUUID();
  return {
    connectionId,
    secret: `whsec_${crypto.randomUUID().replaceAll("-", "")}`,
    path: `/calcom-webhook/${connectionId}`,
  };
}

/** Inserts the target's connection into `db` and starts `server` on it. */
export async function startWebhookServer(
  server: WebhookServer,
  db: Pick<TestDatabase, "sql" | "url">,
  target: WebhookTarget,
  options: { label: string; denoFlags?: string[] },
): Promise<BenchProcess> {
  const encryptionKey = randomEncryptionKey();
  const connection = await createBenchConnection(db.sql, {
    encryptionKey,
    apiKey: "cal_test_bench_webhook_key",
    calcomUserId: 1,
    webhookSecret: target.secret,
    connectionId: target.connectionId,
  });
  if (server === "function") {
    return await startFunctionProcess(
      "calcom-webhook",
      {
        ...functionEnv({ dbUrl: db.url, encryptionKey }),
        // One connection receives thousands of deliveries a second: lift its quota (60 a minute by
        // default) so every delivery takes the full path; the quota's check still runs and is measured.
        BENCH_APP_OPTIONS: JSON.stringify({ quota: LIFTED_QUOTA }),
      },
      options,
    );
  }
  if (server === "bare") {
    return await startBenchProcess("tools/bench/bare_webhook_server.ts", {
      BENCH_DB_URL: db.url,
      BENCH_WEBHOOK_SECRET: target.secret,
      BENCH_USER_ID: connection.userId,
      BENCH_CONNECTION_ID: connection.connectionId,
      BENCH_POOL_MAX: String(POOL_MAX),
      BENCH_QUOTA: JSON.stringify({ ...DEFAULT_WEBHOOK_QUOTA, ...LIFTED_QUOTA }),
    }, options);
  }
  return await startBenchProcess("tools/bench/webhook_limit_process.ts", {
    BENCH_DB_URL: db.url,
    BENCH_WEBHOOK_SECRET: target.secret,
    BENCH_USER_ID: connection.userId,
    BENCH_CONNECTION_ID: connection.connectionId,
    BENCH_POOL_MAX: String(POOL_MAX),
  }, options);
}
