/**
 * Everything a function test talks to, started in one call: a fresh database with the schema, the
 * Cal.com sandbox, the functions' real dependencies (logs kept in memory) and the apps served over HTTP on
 * 127.0.0.1, plus signed-up users with a supabase-js client each. One stack per test file keeps the suite
 * quick; users keep tests apart.
 *
 * ```ts
 * await using stack = await startFunctionStack({ "calcom-connection": createApp });
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
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { type Sandbox, type SandboxOptions, startSandbox } from "../calcom_sandbox/mod.ts";
import { createTestDatabase, createUser, type TestDatabase } from "../db/test_database.ts";
import { type FunctionServer, startFunctionServer } from "./function_server.ts";
import { LOCAL_JWT_SECRET, signAnonKey, signTestJwt } from "./jwt.ts";

// deno-lint-ignore no-explicit-any
type AnyApp = Hono<any, any, any>;

/** A signed-up user: its id, a valid access token and a supabase-js client sending it. */
export interface StackUser {
  id: string;
  email: string;
  token: string;
  client: SupabaseClient;
}

/** A running stack. */
export interface FunctionStack {
  db: TestDatabase;
  sandbox: Sandbox;
  server: FunctionServer;
  config: Config;
  deps: Deps;
  /** Every log line the functions wrote, in order. */
  logs: string[];
  /** The project's anon key (HS256, role anon). */
  anonKey: string;
  /** Creates an auth user and a client signed in as them. */
  signUp(email?: string): Promise<StackUser>;
  /** A supabase-js client sending `authorization` (or only the anon key when undefined). */
  clientWith(authorization?: string): SupabaseClient;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link startFunctionStack}. */
export interface FunctionStackOptions {
  /** Extra or replaced environment variables (e.g. PUBLIC_FUNCTIONS_URL). */
  env?: Record<string, string>;
  /** Replaces single dependencies after they are built from the environment. */
  deps?: (deps: Deps) => Partial<Deps>;
  /** Options for every Cal.com client (default: retry waits capped at 20 ms, so fault tests stay quick). */
  calcom?: CalcomCallOptions;
  sandbox?: SandboxOptions;
}

const quickSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));

/** Starts the database, the sandbox and the function server; close it (or `await using`) when done. */
export async function startFunctionStack(
  apps: Record<string, (deps: Deps) => AnyApp>,
  options: FunctionStackOptions = {},
): Promise<FunctionStack> {
  const db = await createTestDatabase();
  const cleanups: (() => Promise<void>)[] = [() => db.drop()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const sandbox = await startSandbox(options.sandbox);
    cleanups.push(() => sandbox.close());
    const config = loadConfig({
      SUPABASE_DB_URL: db.url,
      SUPABASE_URL: "http://127.0.0.1:54321",
      CALCOM_ENCRYPTION_KEY: randomEncryptionKey(),
      SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
      CALCOM_API_URL: sandbox.url,
      CALCOM_DB_POOL_MAX: "2",
      ...options.env,
    });
    const logs: string[] = [];
    const log = createLogger({ sink: (line) => logs.push(line) });
    const base = createDeps(config, {
      log,
      calcom: (apiKey, callOptions) =>
        createCalcomClient({
          sleep: quickSleep,
          ...callOptions,
          ...options.calcom,
          apiKey,
          baseUrl: config.calcomApiUrl,
        }),
    });
    cleanups.push(() => base.db.end());
    const deps = { ...base, ...options.deps?.(base) };
    const server = startFunctionServer(apps, deps);
    cleanups.push(() => server.close());
    const anonKey = await signAnonKey();

    const clientWith = (authorization?: string) =>
      createClient(server.supabaseUrl, anonKey, {
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        global: { headers: authorization ? { Authorization: authorization } : {} },
      });

    return {
      db,
      sandbox,
      server,
      config,
      deps,
      logs,
      anonKey,
      async signUp(email = `${crypto.randomUUID().slice(0, 8)}@example.test`) {
        const id = await createUser(db.sql, email);
        const token = await signTestJwt({ sub: id, email });
        return { id, email, token, client: clientWith(`Bearer ${token}`) };
      },
      clientWith,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A function's answer, whatever its status. */
export interface FunctionResponse {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

/**
 * Calls a function through supabase-js `functions.invoke` and returns status and parsed body for both
 * success and error answers (supabase-js hides the body of errors in `error.context`).
 */
export async function invokeFunction(
  client: SupabaseClient,
  name: string,
  options: {
    method?: "GET" | "POST" | "DELETE" | "PUT" | "PATCH";
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<FunctionResponse> {
  const { data, error, response } = await client.functions.invoke(name, {
    method: options.method,
    body: options.body as Record<string, unknown> | undefined,
    headers: options.headers,
  });
  if (!response) throw error ?? new Error(`No response from ${name}`);
  if (error) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  }
  return { status: response.status, body: data, headers: response.headers };
}
