/**
 * `startDevServer(options)`: the whole local stack in one process. A database (an external
 * `DATABASE_URL`, or an embedded PGlite kept in `<dataDir>/pglite`) with the platform SQL and the
 * migrations applied and a dev user in auth.users; the Cal.com sandbox with a seeded dev host (unless
 * `CALCOM_API_URL` names a real Cal.com) and, in it, an OAuth client the functions are configured with,
 * so the page offers "Continue with Cal.com"; and the three functions behind a gateway that honours
 * `verify_jwt` from config.toml, on 127.0.0.1.
 *
 * @module
 */
import { Hono } from "hono";
import postgres from "postgres";
import type { JSONWebKeySet } from "jose";
import { loadConfig } from "../../supabase/functions/_shared/platform/config.ts";
import { createDeps, type Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { parseSyncWorkers } from "../../supabase/functions/calcom-bookings-sync/sync_dispatcher.ts";
import { applyMigrations, applyPlatform } from "../db/apply_schema.ts";
import { type Sandbox, startSandbox } from "../calcom_sandbox/mod.ts";
import { readFunctionsConfig } from "./config_toml.ts";
import { DEFAULT_DB_PORT, DEFAULT_SANDBOX_PORT, type DevOptions } from "./dev_options.ts";
import { type DataDirLock, lockDataDir } from "./data_dir_lock.ts";
import { devLogSink } from "./dev_log.ts";
import { signAnonKey, signUserToken } from "./dev_tokens.ts";
import { loadOrCreateSigningKey } from "./signing_key.ts";
import { createDevWebhookRegistrar, withDevWebhookRegistration } from "./dev_webhooks.ts";
import { loadFunctions } from "./function_apps.ts";
import { createGateway } from "./gateway.ts";
import { loadOrCreateLocalSecrets } from "./local_secrets.ts";
import { type EmbeddedPostgres, isPortFree, startEmbeddedPostgres } from "./pglite_server.ts";
import { createSandboxControl } from "./sandbox_control.ts";
import { settingsPageRoutes } from "./settings_page/settings_page_routes.ts";

const configTomlUrl = new URL("../../supabase/config.toml", import.meta.url);

/** The dev user every newcomer gets a token for. */
export const DEV_USER_EMAIL = "dev@example.test";
/** How many bookings the sandbox's dev host starts with. */
export const SEEDED_BOOKINGS = 40;
/** Lifetime of the printed dev user token: a week, Supabase's longest. */
const USER_TOKEN_SECONDS = 7 * 24 * 3600;

/** What a running dev server tells the banner, `/_dev/info` and the tests. */
export interface DevServerInfo {
  /** `http://127.0.0.1:PORT`: what supabase-js takes as the project URL. */
  supabaseUrl: string;
  functionsUrl: string;
  port: number;
  /** Every function config.toml enables; `available` is always true (a function that cannot load stops the server). */
  functions: { name: string; verifyJwt: boolean; available: boolean }[];
  database: {
    kind: "embedded" | "external";
    /** Connection URL; an external one with its password masked. */
    url: string;
    dataDir?: string;
    migrationsApplied: string[];
  };
  calcom: {
    apiUrl: string;
    sandbox?: {
      url: string;
      userId: number;
      username: string;
      apiKey: string;
      bookings: number;
      /** The sandbox's OAuth client for "Continue with Cal.com" (its secret only in the functions' config). */
      oauth?: { clientId: string; consentUrl: string; redirectUrl: string; returnUrls: string[] };
    };
  };
  anonKey: string;
  /** A stand-in for the project's `sb_publishable_…` key, when tokens are ES256 (the default). */
  publishableKey?: string;
  /** How the dev user's token is signed: ES256 (JWT signing keys, the default) or HS256 (`--legacy-jwt`). */
  jwtSigning: "ES256" | "HS256";
  devUser: { id: string; email: string; accessToken: string; expiresAt: string };
  encryptionKeySource: "env" | "generated" | "file";
  encryptionKeyFile?: string;
}

/** A running dev server. */
export interface DevServer extends DevServerInfo {
  /** The sandbox, when the dev server runs one (tests drive it directly too). */
  sandbox?: Sandbox;
  /** Stops everything: HTTP server, sandbox, pool, embedded database. Safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Masks the password of a postgres URL for printing. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Finds the dev user in auth.users, creating it as GoTrue would on sign-up when missing. */
async function ensureDevUser(sql: postgres.Sql): Promise<string> {
  const [found] = await sql<
    { id: string }[]
  >`select id from auth.users where email = ${DEV_USER_EMAIL} limit 1`;
  if (found) return found.id;
  const id = crypto.randomUUID();
  await sql`
    insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
    values (${id}, 'authenticated', 'authenticated', ${DEV_USER_EMAIL}, now(),
            ${sql.json({ provider: "email", providers: ["email"] })}, ${sql.json({})})`;
  return id;
}

/**
 * Whether a `Host` header names this machine. A DNS-rebinding page reaches 127.0.0.1 under its own name,
 * so anything else is refused.
 */
export function isLoopbackHost(host: string | null): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, "").toLowerCase();
  return name === "127.0.0.1" || name === "localhost" || name === "[::1]" || /^127(\.\d{1,3}){3}$/.test(name);
}

function parseJwks(text: string | undefined): JSONWebKeySet | undefined {
  if (!text) return undefined;
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? { keys: parsed } : parsed;
}

/** What is running, stopped in the order the fields are listed. */
interface Running {
  /** First: no new requests, and the ones in flight finish while the database is still there. */
  server?: Deno.HttpServer;
  sandbox?: Sandbox;
  deps?: Deps;
  embedded?: EmbeddedPostgres;
  lock?: DataDirLock;
}

/** Stops what is running, all of it even when one step fails; rethrows the first failure. */
async function stopAll(running: Running): Promise<void> {
  const steps = [
    () => running.server?.shutdown(),
    () => running.sandbox?.close(),
    () => running.deps?.db.end(),
    () => running.embedded?.close(),
    () => running.lock?.release(),
  ];
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/**
 * Starts the dev stack. `log` receives one line per request and the dev server's own notes.
 *
 * @throws {Error} when a port is taken, the database cannot be reached, or the configuration is invalid
 *   (everything started so far is stopped again)
 */
export async function startDevServer(
  options: DevOptions,
  log: (line: string) => void = (line) => console.log(line),
): Promise<DevServer> {
  const running: Running = {};
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= stopAll(running);
  try {
    const functionsConfig = readFunctionsConfig(await Deno.readTextFile(configTomlUrl));
    if (options.reset && options.databaseUrl) {
      throw new Error(
        "--reset only empties the embedded database; it does nothing to DATABASE_URL's database",
      );
    }

    // The HTTP port first: failing on a taken port should not cost a database start.
    if (options.port !== 0 && !isPortFree(options.port)) {
      throw new Error(
        `Port ${options.port} is in use (another dev server, or supabase start?): choose one with --port or PORT`,
      );
    }

    let encryptionKey = options.encryptionKey;
    let encryptionKeySource: DevServerInfo["encryptionKeySource"] = "env";
    let encryptionKeyFile: string | undefined;
    if (!encryptionKey) {
      const local = await loadOrCreateLocalSecrets(options.dataDir);
      encryptionKey = local.encryptionKey;
      encryptionKeySource = local.created ? "generated" : "file";
      encryptionKeyFile = local.path;
    }

    let embedded: EmbeddedPostgres | undefined;
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      running.lock = await lockDataDir(options.dataDir);
      embedded = await startEmbeddedPostgres({
        dataDir: `${options.dataDir}/pglite`,
        reset: options.reset,
        port: options.dbPort,
        fallbackToFreePort: options.dbPort === DEFAULT_DB_PORT,
      });
      running.embedded = embedded;
      databaseUrl = embedded.url;
    }

    // One connection, ended before the functions' pool opens: PGlite serves one client at a time well.
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    let migrationsApplied: string[];
    let devUserId: string;
    try {
      await applyPlatform(admin);
      migrationsApplied = await applyMigrations(admin);
      devUserId = await ensureDevUser(admin);
    } finally {
      await admin.end({ timeout: 5 });
    }

    let sandbox: Sandbox | undefined;
    let sandboxInfo: DevServerInfo["calcom"]["sandbox"];
    let sandboxSeed: { userId: number; username: string; apiKey: string } | undefined;
    if (!options.calcomApiUrl) {
      let sandboxPort = options.sandboxPort;
      if (sandboxPort === DEFAULT_SANDBOX_PORT && !isPortFree(sandboxPort)) sandboxPort = 0;
      // A fixed seed: the dev host and its API key are the same on every start, so a connection stored
      // in the embedded database keeps working after a restart (the sandbox itself keeps no state).
      // Self-hosted rules: the dev functions listen on http://127.0.0.1, which the cloud refuses.
      sandbox = await startSandbox({ port: sandboxPort, seed: 1, subscriberUrlRules: "self-hosted" });
      running.sandbox = sandbox;
      const { user, apiKey } = sandbox.addUser({
        username: "dev-host",
        email: "dev-host@example.com",
        name: "Dev Host",
        timeZone: "Europe/Berlin",
      });
      sandbox.seedBookings(user.id, SEEDED_BOOKINGS, { seed: 1 });
      sandboxSeed = { userId: user.id, username: user.username, apiKey };
    }
    const calcomApiUrl = options.calcomApiUrl ?? sandbox!.url;

    let handler: (request: Request) => Response | Promise<Response> = () =>
      Response.json({ success: false, error: { code: "starting", message: "The dev server is starting" } }, {
        status: 503,
      });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: options.port, onListen() {} },
      (request) => handler(request),
    );
    running.server = server;
    const port = server.addr.port;
    const supabaseUrl = `http://127.0.0.1:${port}`;
    const functionsUrl = `${supabaseUrl}/functions/v1`;

    // Projects on JWT signing keys: the dev user's token is ES256, verified through the JWKS.
    // "Continue with Cal.com" against the sandbox: a client whose redirect URI is this server's callback,
    // and the settings page (under either loopback name) as the place to come back to.
    let oauthEnv: Record<string, string> = {};
    let oauthInfo: NonNullable<DevServerInfo["calcom"]["sandbox"]>["oauth"];
    if (sandbox && sandboxSeed && !options.noOAuth) {
      const redirectUrl = `${functionsUrl}/calcom-connection/oauth/callback`;
      const returnUrls = [`${supabaseUrl}/`, `http://localhost:${port}/`];
      const consentUrl = `${sandbox.url}/auth/oauth2/authorize`;
      const { clientId, clientSecret } = await sandbox.addOAuthClient({
        redirectUris: [redirectUrl],
        name: "calcom-supabase (dev server)",
      });
      oauthEnv = {
        CALCOM_OAUTH_CLIENT_ID: clientId,
        CALCOM_OAUTH_CLIENT_SECRET: clientSecret,
        CALCOM_OAUTH_REDIRECT_URL: redirectUrl,
        CALCOM_OAUTH_RETURN_URLS: returnUrls.join(","),
        CALCOM_OAUTH_AUTHORIZE_URL: consentUrl,
      };
      oauthInfo = { clientId, consentUrl, redirectUrl, returnUrls };
    }
    if (sandbox && sandboxSeed) {
      sandboxInfo = {
        url: sandbox.url,
        ...sandboxSeed,
        bookings: sandbox.bookings(sandboxSeed.userId).length,
        ...(oauthInfo ? { oauth: oauthInfo } : {}),
      };
    }

    const signingKey = options.legacyJwt ? undefined : await loadOrCreateSigningKey(options.dataDir);
    const extraJwks = parseJwks(options.passthrough.SUPABASE_JWKS);
    const jwks: JSONWebKeySet | undefined = signingKey || extraJwks
      ? { keys: [...(signingKey ? [signingKey.publicJwk] : []), ...(extraJwks?.keys ?? [])] }
      : undefined;
    const config = loadConfig({
      ...options.passthrough,
      ...(jwks ? { SUPABASE_JWKS: JSON.stringify(jwks) } : {}),
      SUPABASE_DB_URL: databaseUrl,
      SUPABASE_URL: supabaseUrl,
      CALCOM_ENCRYPTION_KEY: encryptionKey,
      SUPABASE_JWT_SECRET: options.jwtSecret,
      CALCOM_API_URL: calcomApiUrl,
      ...oauthEnv,
      // PGlite hangs under a postgres.js pool of more than one connection.
      ...(embedded ? { CALCOM_DB_POOL_MAX: "1" } : {}),
    });
    const deps: Deps = createDeps(config, { log: createLogger({ sink: devLogSink(log) }) });
    running.deps = deps;

    // What the functions' index.ts files read from the environment themselves.
    const cronSecret = options.passthrough.CALCOM_CRON_SECRET;
    const workers = parseSyncWorkers(options.passthrough.CALCOM_SYNC_WORKERS);
    const loaded = await loadFunctions(functionsConfig, deps, {
      appOptions: cronSecret ? { "calcom-bookings-sync": { cronSecret, workers } } : {},
    });
    if (sandbox) {
      const register = createDevWebhookRegistrar(deps, functionsUrl);
      for (const fn of loaded) {
        if (fn.name === "calcom-connection" && fn.fetch) {
          fn.fetch = withDevWebhookRegistration(fn.fetch, register, log);
        }
      }
    }

    const now = new Date();
    const anonKey = await signAnonKey(options.jwtSecret);
    const accessToken = await signUserToken({
      sub: devUserId,
      email: DEV_USER_EMAIL,
      secret: options.jwtSecret,
      signingKey,
      supabaseUrl,
      now,
      expiresInSeconds: USER_TOKEN_SECONDS,
    });

    const info: DevServerInfo = {
      supabaseUrl,
      functionsUrl,
      port,
      functions: loaded.map((f) => ({
        name: f.name,
        verifyJwt: f.verifyJwt,
        available: true,
      })),
      database: {
        kind: embedded ? "embedded" : "external",
        url: embedded ? embedded.url : maskDatabaseUrl(databaseUrl),
        ...(embedded ? { dataDir: embedded.dataDir } : {}),
        migrationsApplied,
      },
      calcom: { apiUrl: calcomApiUrl, ...(sandboxInfo ? { sandbox: sandboxInfo } : {}) },
      anonKey,
      ...(signingKey ? { publishableKey: signingKey.publishableKey } : {}),
      jwtSigning: signingKey ? "ES256" : "HS256",
      devUser: {
        id: devUserId,
        email: DEV_USER_EMAIL,
        accessToken,
        expiresAt: new Date(now.getTime() + USER_TOKEN_SECONDS * 1000).toISOString(),
      },
      encryptionKeySource,
      ...(encryptionKeyFile ? { encryptionKeyFile } : {}),
    };

    const routes = new Hono();
    // Browsers get the settings page at `/`; scripts keep the JSON index.
    routes.route(
      "/",
      settingsPageRoutes(() => ({
        name: "calcom-supabase dev server",
        functions: info.functions.map((f) => `${functionsUrl}/${f.name}`),
        info: `${supabaseUrl}/_dev/info`,
        settingsPage: `${supabaseUrl}/`,
      }), log),
    );
    routes.get("/_dev/health", (c) => c.json({ ok: true }));
    // Local-only conveniences for scripts and tests: the keys the banner prints, as JSON. It hands out a
    // signed-in token for the dev user, which is why the server answers loopback Host names only.
    routes.get("/_dev/info", (c) =>
      c.json({
        ...info,
        notice: "This answer holds a signed-in token for the dev user. The dev server answers only " +
          "requests whose Host is a loopback name, so a web page on another origin cannot read it.",
      }));
    // Where Supabase publishes the project's signing keys: the dev key's public half (unless --legacy-jwt).
    routes.get("/auth/v1/.well-known/jwks.json", (c) => c.json({ keys: jwks?.keys ?? [] }));
    if (sandbox && sandboxInfo) {
      routes.route(
        "/",
        createSandboxControl({ sandbox, userId: sandboxInfo.userId, apiKey: sandboxInfo.apiKey }),
      );
    }

    const gateway = createGateway({
      functions: Object.fromEntries(loaded.map((f) => [f.name, f])),
      jwtSecret: options.jwtSecret,
      jwks,
      routes,
      log,
    });
    handler = (request) =>
      isLoopbackHost(request.headers.get("host")) ? gateway.fetch(request) : Response.json({
        success: false,
        error: {
          code: "forbidden_host",
          message: "The dev server answers only loopback Host names (127.0.0.1, localhost, [::1])",
        },
      }, { status: 403 });

    return { ...info, sandbox, close: stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
