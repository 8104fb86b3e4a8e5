/**
 * The dev server's settings, from command-line flags (which win) and the environment, each with the
 * default a newcomer gets and where the value came from, so the startup banner can show both.
 *
 * @module
 */
import { readFlags } from "../cli_flags.ts";
import { LOCAL_JWT_SECRET } from "./dev_tokens.ts";

/** Where a setting's value came from. */
export type Source = "flag" | "env" | "default";

/** The dev server's settings. */
export interface DevOptions {
  /** HTTP port of the gateway on 127.0.0.1 (0: a free one). */
  port: number;
  /** Local state: the embedded database (`<dataDir>/pglite`) and the generated dev secrets. */
  dataDir: string;
  /** Start with an empty embedded database. */
  reset: boolean;
  /** An external Postgres (plain or a Supabase stack); the embedded PGlite when undefined. */
  databaseUrl?: string;
  /** Port of the embedded database's socket (0: a free one; a taken default falls back to a free one). */
  dbPort: number;
  jwtSecret: string;
  /** Sign the dev user's token with the HS256 secret (legacy projects) instead of the ES256 key. */
  legacyJwt: boolean;
  /** Real Cal.com (or any Cal.com API v2) when set; the in-process sandbox otherwise. */
  calcomApiUrl?: string;
  /** Leave "Continue with Cal.com" off: no OAuth client in the sandbox, API keys only. */
  noOAuth: boolean;
  /** Port of the in-process sandbox (0: a free one; a taken default falls back to a free one). */
  sandboxPort: number;
  /** Given by the environment; otherwise generated once and kept in `<dataDir>`. */
  encryptionKey?: string;
  /** Every other variable the functions read, passed through unchanged. */
  passthrough: Record<string, string>;
  /** Where each setting came from. */
  sources: Record<
    "port" | "dataDir" | "databaseUrl" | "jwtSecret" | "calcomApiUrl" | "encryptionKey",
    Source
  >;
  help: boolean;
}

/** The gateway's default port: the Supabase CLI's API port. */
export const DEFAULT_PORT = 54321;
/** The embedded database's default port: the Supabase CLI's database port. */
export const DEFAULT_DB_PORT = 54322;
/** The sandbox's default port (what `deno task sandbox` uses too). */
export const DEFAULT_SANDBOX_PORT = 54329;
export const DEFAULT_DATA_DIR = ".local";

/** Variables the functions read that the dev server does not set itself; passed through when present. */
const PASSTHROUGH = [
  "CALCOM_ENCRYPTION_OLD_KEYS",
  "CALCOM_SYNC_DEADLINE_SECONDS",
  "PUBLIC_FUNCTIONS_URL",
  "SUPABASE_JWKS",
  "CALCOM_DB_POOL_MAX",
  "CALCOM_BOOKINGS_PAGING",
  "CALCOM_CRON_SECRET",
  "CALCOM_SYNC_WORKERS",
  "CALCOM_API_ORIGINS",
  "CALCOM_API_ORIGINS_ALLOW_HTTP",
];

export const USAGE = `Usage: deno task dev [options]   (npm run dev -- [options])

Serves the Edge Functions on http://127.0.0.1:54321/functions/v1/<name> with a database and Cal.com.

Options:
  --port <n>          HTTP port (env PORT, default ${DEFAULT_PORT}; 0 picks a free one)
  --data-dir <dir>    local state: embedded database and dev secrets (default ${DEFAULT_DATA_DIR})
  --reset             start with an empty embedded database
  --legacy-jwt        sign the dev user's token with the HS256 secret, as legacy projects do (default:
                      an ES256 key kept in the data folder, its JWKS at /auth/v1/.well-known/jwks.json)
  --db-port <n>       embedded database port (default ${DEFAULT_DB_PORT}, or a free one when taken)
  --sandbox-port <n>  Cal.com sandbox port (env CALCOM_SANDBOX_PORT, default ${DEFAULT_SANDBOX_PORT})
  --no-oauth          do not offer Continue with Cal.com (default: an OAuth client in the sandbox)
  --help              this text

Environment (each optional):
  DATABASE_URL           Postgres to use instead of the embedded PGlite
  SUPABASE_JWT_SECRET    HS256 secret for JWTs (default: the Supabase CLI's local secret)
  CALCOM_API_URL         Cal.com API base, e.g. https://api.cal.com (default: the in-process sandbox)
  CALCOM_ENCRYPTION_KEY  key for API keys at rest (default: generated once, kept in <data-dir>)
  PORT                   as --port
`;

const DEV_FLAGS = {
  port: { type: "string" },
  "data-dir": { type: "string" },
  "db-port": { type: "string" },
  "sandbox-port": { type: "string" },
  reset: { type: "boolean" },
  "legacy-jwt": { type: "boolean" },
  "no-oauth": { type: "boolean" },
  help: { type: "boolean" },
} as const;

function parsePort(value: string | undefined, what: string): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) {
    throw new Error(`${what} must be a port number from 0 to 65535`);
  }
  return Number(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * Reads the settings from `args` (flags as `--name value` or `--name=value`) and `env`.
 *
 * @throws {Error} naming an unknown flag or a malformed value
 */
export function parseDevOptions(args: string[], env: Record<string, string | undefined>): DevOptions {
  const flags = readFlags(args, DEV_FLAGS, (problem) => {
    switch (problem.kind) {
      case "positional":
        return new Error(`Unexpected argument ${problem.arg}; see --help`);
      case "missing-value":
        return new Error(`${problem.flag} needs a value`);
      case "unexpected-value":
        return new Error(`${problem.flag} takes no value; see --help`);
      case "unknown":
        return new Error(`Unknown option ${problem.flag}; see --help`);
    }
  });

  const portFlag = flags.port;
  const portEnv = nonEmpty(env.PORT);
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const jwtSecret = nonEmpty(env.SUPABASE_JWT_SECRET);
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new Error("SUPABASE_JWT_SECRET must be at least 32 characters long");
  }
  const calcomApiUrl = nonEmpty(env.CALCOM_API_URL)?.replace(/\/+$/, "");
  if (calcomApiUrl !== undefined && !/^https?:\/\/[^/]/.test(calcomApiUrl)) {
    throw new Error("CALCOM_API_URL must be an http(s) URL");
  }
  const encryptionKey = nonEmpty(env.CALCOM_ENCRYPTION_KEY);
  const dataDirFlag = flags["data-dir"];
  const sandboxPort = flags["sandbox-port"] ?? nonEmpty(env.CALCOM_SANDBOX_PORT);

  const passthrough: Record<string, string> = {};
  for (const name of PASSTHROUGH) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) passthrough[name] = value;
  }

  return {
    port: portFlag !== undefined
      ? parsePort(portFlag, "--port")
      : portEnv !== undefined
      ? parsePort(portEnv, "PORT")
      : DEFAULT_PORT,
    dataDir: dataDirFlag ?? DEFAULT_DATA_DIR,
    reset: flags.reset === true,
    databaseUrl,
    dbPort: flags["db-port"] !== undefined ? parsePort(flags["db-port"], "--db-port") : DEFAULT_DB_PORT,
    jwtSecret: jwtSecret ?? LOCAL_JWT_SECRET,
    legacyJwt: flags["legacy-jwt"] === true,
    noOAuth: flags["no-oauth"] === true,
    calcomApiUrl,
    sandboxPort: sandboxPort !== undefined ? parsePort(sandboxPort, "--sandbox-port") : DEFAULT_SANDBOX_PORT,
    encryptionKey,
    passthrough,
    sources: {
      port: portFlag !== undefined ? "flag" : portEnv !== undefined ? "env" : "default",
      dataDir: dataDirFlag !== undefined ? "flag" : "default",
      databaseUrl: databaseUrl !== undefined ? "env" : "default",
      jwtSecret: jwtSecret !== undefined ? "env" : "default",
      calcomApiUrl: calcomApiUrl !== undefined ? "env" : "default",
      encryptionKey: encryptionKey !== undefined ? "env" : "default",
    },
    help: flags.help === true,
  };
}
