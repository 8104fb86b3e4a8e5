/**
 * The one way tests start functions: a fresh database with the schema, the functions' real dependencies
 * on it (logs kept in memory, a clock the test can move), the chosen apps served over HTTP on
 * 127.0.0.1 the way Supabase serves them, the Cal.com sandbox unless turned off, and helpers to sign up
 * users, make connections and send signed webhook deliveries. One stack per test file keeps the suite
 * quick; users keep tests apart.
 *
 * ```ts
 * await using stack = await startTestStack({ apps: { connection: true } });
 * const dana = await stack.signUp();
 * const res = await invokeFunction(dana.client, "calcom-connection", { method: "GET" });
 * ```
 *
 * @module
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Hono } from "hono";
import { createCalcomClient } from "../../supabase/functions/_shared/calcom/client.ts";
import { type Config, loadConfig } from "../../supabase/functions/_shared/platform/config.ts";
import {
  type CalcomCallOptions,
  createDeps,
  type Deps,
} from "../../supabase/functions/_shared/platform/deps.ts";
import { createMemoryLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import {
  createApp as createSyncApp,
  type SyncAppOptions,
} from "../../supabase/functions/calcom-bookings-sync/app.ts";
import { createApp as createConnectionApp } from "../../supabase/functions/calcom-connection/app.ts";
import {
  createApp as createWebhookApp,
  type WebhookAppOptions,
} from "../../supabase/functions/calcom-webhook/app.ts";
import { signCalBody } from "../../supabase/functions/calcom-webhook/cal_signature.ts";
import { type Sandbox, type SandboxOptions, startSandbox } from "../calcom_sandbox/mod.ts";
import { createTestDatabase, createUser, type TestDatabase } from "../db/test_database.ts";
import { insertTestConnection, type TestConnection } from "./booking_test_data.ts";
import { type FunctionServer, startFunctionServer } from "./function_server.ts";
import { LOCAL_JWT_SECRET, signAnonKey, signTestJwt } from "./jwt.ts";

// deno-lint-ignore no-explicit-any
type AnyApp = Hono<any, any, any>;

/** Which functions the stack serves; `true` builds one with its default options. */
export interface TestApps {
  webhook?: WebhookAppOptions | true;
  connection?: true;
  sync?: SyncAppOptions | true;
}

/** The clocks of a stack. */
export interface TestClock {
  /** The functions' clock before {@link TestStack.advanceClock} moves it (default: the real time). */
  now?: () => Date;
  /** How far the sandbox's clock runs behind the real time (default 0); ignored when `sandbox.now` is given. */
  sandboxLagMs?: number;
}

/** Options of {@link startTestStack}. */
export interface TestStackOptions {
  /** The functions to serve (default: none, for tests that only need the database and the deps). */
  apps?: TestApps;
  /** The sandbox's options, or `false` for no sandbox (default: a sandbox with its own defaults). */
  sandbox?: false | SandboxOptions;
  clock?: TestClock;
  /** Extra or replaced environment variables (e.g. PUBLIC_FUNCTIONS_URL). */
  env?: Record<string, string>;
  /** Replaces single dependencies after they are built from the environment. */
  deps?: (deps: Deps) => Partial<Deps>;
  /** The deps one app is built with (default: the stack's), e.g. a pool of its own per function. */
  appDeps?: (deps: Deps, name: string) => Deps;
  /** Options for every Cal.com client (default: retry waits capped at 20 ms, so fault tests stay quick). */
  calcom?: CalcomCallOptions;
}

/** A signed-up user: its id, a valid access token and a supabase-js client sending it. */
export interface StackUser {
  id: string;
  email: string;
  token: string;
  client: SupabaseClient;
}

/** A running stack; `sandbox` is there unless the stack was started with `sandbox: false`. */
export interface TestStack<S extends Sandbox | undefined = Sandbox | undefined> {
  db: TestDatabase;
  sandbox: S;
  server: FunctionServer;
  config: Config;
  deps: Deps;
  /** Every log line the functions wrote, in order, one JSON line each. */
  logs: string[];
  /** The project's anon key (HS256, role anon). */
  anonKey: string;
  /** Moves the functions' clock on by `ms`. */
  advanceClock(ms: number): void;
  /** Creates an auth user and a client signed in as them. */
  signUp(email?: string): Promise<StackUser>;
  /** A supabase-js client sending `authorization` (or only the anon key when undefined). */
  clientWith(authorization?: string): SupabaseClient;
  /** A connection row (of a new user unless `userId` is given) whose webhook secret is `webhookSecret`. */
  connection(
    options?: { userId?: string; webhookSecret?: string; isActive?: boolean },
  ): Promise<TestConnection>;
  /** The webhook delivery URL of a connection. */
  webhookUrl(connectionId: string): string;
  /** POSTs a delivery signed with `secret` (or with the given signature header, or none when null). */
  deliver(
    connectionId: string,
    body: string,
    options: { secret?: string; signature?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const quickSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

function appFactories(apps: TestApps): Record<string, (deps: Deps) => AnyApp> {
  const factories: Record<string, (deps: Deps) => AnyApp> = {};
  const { webhook, connection, sync } = apps;
  if (webhook) factories["calcom-webhook"] = (d) => createWebhookApp(d, webhook === true ? {} : webhook);
  if (connection) factories["calcom-connection"] = (d) => createConnectionApp(d);
  if (sync) factories["calcom-bookings-sync"] = (d) => createSyncApp(d, sync === true ? {} : sync);
  return factories;
}

/**
 * A webhook quota no test reaches: for tests that send thousands of signed deliveries to few connections
 * and are about something else (the quota itself is tested in webhook_quota_test.ts).
 */
export const NO_WEBHOOK_QUOTA = { maxPerMinute: 1_000_000, maxBytesPerDay: 1024 ** 4 } as const;

/** Starts the database, the sandbox and the function server; close it (or `await using`) when done. */
export function startTestStack(options: TestStackOptions & { sandbox: false }): Promise<TestStack<undefined>>;
export function startTestStack(options?: TestStackOptions): Promise<TestStack<Sandbox>>;
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const cleanups: (() => Promise<void>)[] = [() => db.drop()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const lagMs = options.clock?.sandboxLagMs ?? 0;
    const sandbox = options.sandbox === false
      ? undefined
      // Self-hosted rules: the functions listen on 127.0.0.1 over http, which the cloud's rules refuse
      : await startSandbox({
        now: () => new Date(Date.now() - lagMs),
        subscriberUrlRules: "self-hosted",
        ...options.sandbox,
      });
    if (sandbox) cleanups.push(() => sandbox.close());
    const config = loadConfig({
      SUPABASE_DB_URL: db.url,
      SUPABASE_URL: "http://127.0.0.1:54321",
      CALCOM_ENCRYPTION_KEY: randomEncryptionKey(),
      SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
      ...(sandbox ? { CALCOM_API_URL: sandbox.url } : {}),
      CALCOM_DB_POOL_MAX: "2",
      // The sync tests were written for 2024-08-13's offsets; cursor paging tests ask for "auto".
      CALCOM_BOOKINGS_PAGING: "offset",
      ...options.env,
    });
    const memory = createMemoryLogger();
    let offset = 0;
    // Functions calling functions (the scheduled sync's workers) use <SUPABASE_URL>/functions/v1, as on
    // Supabase; here that is the stack's function server, known once it listens.
    const platformFunctionsUrl = `${config.supabaseUrl}/functions/v1`;
    const route: { serverUrl?: string } = {};
    const platformFetch: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (route.serverUrl && url.startsWith(`${platformFunctionsUrl}/`)) {
        return fetch(route.serverUrl + url.slice(platformFunctionsUrl.length), init);
      }
      return fetch(input, init);
    };
    const clock = options.clock?.now ?? (() => new Date());
    const base = createDeps(config, {
      log: memory.log,
      fetch: platformFetch,
      now: () => new Date(clock().getTime() + offset),
      calcom: (apiKey, callOptions) =>
        createCalcomClient({
          sleep: quickSleep,
          ...callOptions,
          ...options.calcom,
          apiKey,
          baseUrl: callOptions?.baseUrl ?? config.calcomApiUrl,
        }),
    });
    cleanups.push(() => base.db.end());
    const deps = { ...base, ...options.deps?.(base) };
    const appDeps = options.appDeps;
    const factories = Object.entries(appFactories(options.apps ?? {})).map(([name, create]) =>
      [name, appDeps ? (d: Deps) => create(appDeps(d, name)) : create] as const
    );
    const server = startFunctionServer(Object.fromEntries(factories), deps);
    route.serverUrl = server.url;
    cleanups.push(() => server.close());
    const anonKey = await signAnonKey();

    const clientWith = (authorization?: string) =>
      createClient(server.supabaseUrl, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        global: { headers: authorization ? { Authorization: authorization } : {} },
      });
    const webhookUrl = (connectionId: string) => `${server.url}/calcom-webhook/${connectionId}`;

    return {
      db,
      sandbox,
      server,
      config,
      deps,
      logs: memory.lines,
      anonKey,
      advanceClock(ms) {
        offset += ms;
      },
      async signUp(email = `${crypto.randomUUID().slice(0, 8)}@example.test`) {
        const id = await createUser(db.sql, email);
        const token = await signTestJwt({ sub: id, email });
        return { id, email, token, client: clientWith(`Bearer ${token}`) };
      },
      clientWith,
      async connection(opts = {}) {
        return await insertTestConnection(db.sql, {
          userId: opts.userId ?? await createUser(db.sql),
          secrets: deps.secrets,
          webhookSecret: opts.webhookSecret,
          isActive: opts.isActive,
        });
      },
      webhookUrl,
      async deliver(connectionId, body, opts) {
        const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
        const signature = opts.signature !== undefined
          ? opts.signature
          : signCalBody(opts.secret ?? "", body);
        if (signature !== null) headers["x-cal-signature-256"] = signature;
        return await fetch(webhookUrl(connectionId), { method: "POST", headers, body });
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
