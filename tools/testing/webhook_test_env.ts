/**
 * Test environment for the webhook function: a fresh database, real dependencies on it, the app served
 * over real HTTP on 127.0.0.1, and helpers to make connections and send signed deliveries. Not used by
 * production code.
 *
 * @module
 */
import { createTestDatabase, createUser, type TestDatabase } from "../db/test_database.ts";
import { startFunctionServer } from "./function_server.ts";
import { LOCAL_JWT_SECRET } from "./jwt.ts";
import { signCalBody } from "../../supabase/functions/calcom-webhook/cal_signature.ts";
import { loadConfig } from "../../supabase/functions/_shared/platform/config.ts";
import { createDeps, type Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { createMemoryLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { insertTestConnection, type TestConnection } from "./booking_test_data.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { createApp, type WebhookAppOptions } from "../../supabase/functions/calcom-webhook/app.ts";

/** A running webhook function on its own database. */
export interface WebhookTestEnv {
  db: TestDatabase;
  deps: Deps;
  /** The functions' base URL (`http://127.0.0.1:PORT/functions/v1`). */
  url: string;
  supabaseUrl: string;
  /** What the function logged, one JSON line each. */
  logLines: string[];
  /** Moves the function's clock (it starts at the real time). */
  advanceClock(ms: number): void;
  /** A new user with a connection whose webhook secret is `webhookSecret` (random by default). */
  connection(
    options?: { userId?: string; webhookSecret?: string; isActive?: boolean },
  ): Promise<TestConnection>;
  /** The delivery URL of a connection. */
  webhookUrl(connectionId: string): string;
  /** POSTs a body signed with `secret` (or with the given signature header, or none when null). */
  deliver(
    connectionId: string,
    body: string,
    options: { secret?: string; signature?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the webhook function on a fresh database. */
export async function startWebhookTestEnv(options: WebhookAppOptions = {}): Promise<WebhookTestEnv> {
  const db = await createTestDatabase();
  const memory = createMemoryLogger();
  let offset = 0;
  const config = loadConfig({
    SUPABASE_DB_URL: db.url,
    SUPABASE_URL: "http://127.0.0.1:54321",
    CALCOM_ENCRYPTION_KEY: randomEncryptionKey(),
    SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
  });
  const deps = createDeps(config, { log: memory.log, now: () => new Date(Date.now() + offset) });
  const server = startFunctionServer({ "calcom-webhook": (d) => createApp(d, options) }, deps);
  const close = async () => {
    await server.close();
    await deps.db.end();
    await db.drop();
  };
  const env: WebhookTestEnv = {
    db,
    deps,
    url: server.url,
    supabaseUrl: server.supabaseUrl,
    logLines: memory.lines,
    advanceClock: (ms) => {
      offset += ms;
    },
    async connection(opts = {}) {
      const userId = opts.userId ?? await createUser(db.sql);
      return await insertTestConnection(db.sql, {
        userId,
        secrets: deps.secrets,
        webhookSecret: opts.webhookSecret,
        isActive: opts.isActive,
      });
    },
    webhookUrl: (connectionId) => `${server.url}/calcom-webhook/${connectionId}`,
    async deliver(connectionId, body, opts) {
      const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
      const signature = opts.signature !== undefined ? opts.signature : signCalBody(opts.secret ?? "", body);
      if (signature !== null) headers["x-cal-signature-256"] = signature;
      return await fetch(env.webhookUrl(connectionId), { method: "POST", headers, body });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return env;
}
