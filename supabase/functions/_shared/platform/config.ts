/**
 * The functions' configuration, read once from the environment (function secrets) and validated, so a
 * missing or malformed value stops the function with a message that names the variable, never its value.
 *
 * @module
 */
import { z } from "zod";
import { parseAllowedOrigin } from "./calcom_servers.ts";

/** Decodes standard or URL-safe base64 (padding optional); undefined when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const normal = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal)) return undefined;
  try {
    const binary = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, "="));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const KEY_MESSAGE = "must be 32 random bytes encoded as base64 (openssl rand -base64 32)";

function isEncryptionKey(text: string): boolean {
  return decodeBase64(text)?.length === 32;
}

/** Empty strings count as unset: a secret set to "" is as good as missing. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
}

function httpUrl(message: string) {
  return z.string().trim().refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, message).transform((v) => v.replace(/\/+$/, ""));
}

function isHttpUrl(v: string): boolean {
  try {
    const url = new URL(v);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** An http(s) URL kept exactly as given: Cal.com compares redirect URIs as exact strings. */
function httpUrlExact(message: string) {
  return z.string().trim().refine(isHttpUrl, message);
}

const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

/** A JSON Web Key Set, as `{ "keys": [...] }` (a bare array of keys is accepted too). */
export type Jwks = z.infer<typeof JwksSchema>;

const jwksFromJson = z.string().transform((text, ctx) => {
  try {
    const parsed = JSON.parse(text);
    const result = JwksSchema.safeParse(Array.isArray(parsed) ? { keys: parsed } : parsed);
    if (result.success) return result.data;
  } catch {
    // reported below, without the text
  }
  ctx.addIssue({ code: "custom", message: 'must be a JSON Web Key Set: {"keys": [...]}' });
  return z.NEVER;
});

function positiveInt(message: string, max: number) {
  return z.string().trim().regex(/^\d+$/, message).transform(Number).refine(
    (n) => n >= 1 && n <= max,
    message,
  );
}

/**
 * The environment the functions read, by variable name, mapped to {@link Config}. Every message names
 * the rule, never the value, because the values are secrets.
 */
export const ConfigSchema = z.object({
  SUPABASE_DB_URL: z.string({ error: "is required" }).trim().refine((v) => {
    try {
      return /^postgres(ql)?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, "must be a postgres:// URL"),
  SUPABASE_URL: z.string({ error: "is required" }).pipe(httpUrl("must be an http(s) URL")),
  CALCOM_ENCRYPTION_KEY: z.string({ error: "is required" }).trim().refine(isEncryptionKey, KEY_MESSAGE),
  CALCOM_ENCRYPTION_OLD_KEYS: optional(
    z.string().transform((v) => v.split(",").map((k) => k.trim()).filter((k) => k !== "")).refine(
      (keys) => keys.every(isEncryptionKey),
      `must be comma-separated keys, each ${KEY_MESSAGE}`,
    ),
  ),
  SUPABASE_JWKS: optional(jwksFromJson),
  SUPABASE_JWT_SECRET: optional(z.string().min(32, "must be at least 32 characters long")),
  SUPABASE_JWT_ISSUER: optional(httpUrl("must be an http(s) URL")),
  CALCOM_API_URL: optional(httpUrl("must be an http(s) URL")),
  CALCOM_API_ORIGINS: optional(
    z.string().transform((v) => v.split(",").map((o) => o.trim()).filter((o) => o !== "")),
  ),
  CALCOM_API_ORIGINS_ALLOW_HTTP: optional(
    z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true"),
  ),
  PUBLIC_FUNCTIONS_URL: optional(httpUrl("must be an http(s) URL")),
  CALCOM_SYNC_DEADLINE_SECONDS: optional(
    positiveInt("must be a whole number of seconds from 1 to 3600", 3600),
  ),
  CALCOM_BOOKINGS_PAGING: optional(z.enum(["auto", "offset"], { message: "must be auto or offset" })),
  CALCOM_DB_POOL_MAX: optional(positiveInt("must be a whole number from 1 to 100", 100)),
  CALCOM_OAUTH_CLIENT_ID: optional(z.string().trim().regex(/^[\x21-\x7e]{1,200}$/, "must be printable")),
  CALCOM_OAUTH_CLIENT_SECRET: optional(z.string().trim().regex(/^[\x21-\x7e]{1,500}$/, "must be printable")),
  CALCOM_OAUTH_REDIRECT_URL: optional(httpUrlExact("must be an http(s) URL")),
  CALCOM_OAUTH_RETURN_URLS: optional(
    z.string().transform((v) => v.split(",").map((u) => u.trim()).filter((u) => u !== "")).refine(
      (urls) => urls.length > 0 && urls.every(isHttpUrl),
      "must be comma-separated http(s) URLs",
    ),
  ),
  CALCOM_OAUTH_AUTHORIZE_URL: optional(httpUrlExact("must be an http(s) URL")),
  CALCOM_OAUTH_SCOPES: optional(
    z.string().transform((v) => v.split(/[ ,]+/).filter((s) => s !== "")).refine(
      (scopes) => scopes.length > 0 && scopes.every((s) => /^[A-Z_]{3,60}$/.test(s)),
      "must be Cal.com scope names (e.g. BOOKING_READ) separated by spaces or commas",
    ),
  ),
}).superRefine((env, ctx) => {
  for (const entry of env.CALCOM_API_ORIGINS ?? []) {
    const parsed = parseAllowedOrigin(entry, { allowHttp: env.CALCOM_API_ORIGINS_ALLOW_HTTP ?? false });
    // the message never repeats the entry: a URL may carry credentials
    if ("error" in parsed) {
      ctx.addIssue({ code: "custom", path: ["CALCOM_API_ORIGINS"], message: parsed.error });
    }
  }
  // OAuth is on when the client is configured; then every part of it must be there.
  const parts = [
    "CALCOM_OAUTH_CLIENT_ID",
    "CALCOM_OAUTH_CLIENT_SECRET",
    "CALCOM_OAUTH_REDIRECT_URL",
  ] as const;
  const set = parts.filter((p) => env[p] !== undefined);
  if (set.length === 0) return;
  for (const p of [...parts, "CALCOM_OAUTH_RETURN_URLS"] as const) {
    if (env[p] === undefined) {
      ctx.addIssue({ code: "custom", path: [p], message: "is required when CALCOM_OAUTH_CLIENT_ID is set" });
    }
  }
}).transform((env) => ({
  dbUrl: env.SUPABASE_DB_URL,
  supabaseUrl: env.SUPABASE_URL,
  encryptionKey: env.CALCOM_ENCRYPTION_KEY,
  encryptionOldKeys: env.CALCOM_ENCRYPTION_OLD_KEYS ?? [],
  jwks: env.SUPABASE_JWKS,
  jwtSecret: env.SUPABASE_JWT_SECRET,
  /** Where the functions fetch the project's signing keys when SUPABASE_JWKS is not given. */
  jwksUrl: `${env.SUPABASE_URL}/auth/v1/.well-known/jwks.json`,
  /** The `iss` of the project's user tokens: Supabase Auth's URL, unless the project says otherwise. */
  jwtIssuer: env.SUPABASE_JWT_ISSUER ?? `${env.SUPABASE_URL}/auth/v1`,
  calcomApiUrl: env.CALCOM_API_URL ?? "https://api.cal.com",
  /**
   * Further Cal.com API origins a user may connect to (self-hosted instances), as origins; connections
   * on them keep theirs in `calcom_api_url`.
   */
  calcomApiOrigins: [
    ...new Set(
      (env.CALCOM_API_ORIGINS ?? []).map((entry) => {
        const parsed = parseAllowedOrigin(entry, { allowHttp: true });
        return "origin" in parsed ? parsed.origin : entry;
      }),
    ),
  ],
  publicFunctionsUrl: env.PUBLIC_FUNCTIONS_URL ?? `${env.SUPABASE_URL}/functions/v1`,
  syncDeadlineSeconds: env.CALCOM_SYNC_DEADLINE_SECONDS ?? 100,
  dbPoolMax: env.CALCOM_DB_POOL_MAX ?? 4,
  /**
   * How the sync pages `GET /v2/bookings`: "auto" tries hosted Cal.com's cursor version (2026-05-01) and
   * falls back to 2024-08-13's offsets where it is not served; "offset" always uses 2024-08-13.
   */
  bookingsPaging: env.CALCOM_BOOKINGS_PAGING ?? "auto",
  /** "Continue with Cal.com": undefined unless the operator configured an OAuth client. */
  oauth: env.CALCOM_OAUTH_CLIENT_ID === undefined ? undefined : {
    clientId: env.CALCOM_OAUTH_CLIENT_ID,
    clientSecret: env.CALCOM_OAUTH_CLIENT_SECRET!,
    redirectUrl: env.CALCOM_OAUTH_REDIRECT_URL!,
    /** App URLs the callback may send the browser back to (exact origin and path, any query). */
    returnUrls: env.CALCOM_OAUTH_RETURN_URLS!,
    authorizeUrl: env.CALCOM_OAUTH_AUTHORIZE_URL ?? "https://app.cal.com/auth/oauth2/authorize",
    tokenUrl: `${env.CALCOM_API_URL ?? "https://api.cal.com"}/v2/auth/oauth2/token`,
    scopes: env.CALCOM_OAUTH_SCOPES,
  },
}));

/** The validated configuration every function receives (through `Deps`). */
export type Config = z.output<typeof ConfigSchema>;

/** A configuration error: names the variables at fault and why, never their values. */
export class ConfigError extends Error {
  /** The environment variables at fault, e.g. `["CALCOM_ENCRYPTION_KEY"]`. */
  readonly variables: string[];

  constructor(problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join("; ")}`);
    this.name = "ConfigError";
    this.variables = [...new Set(problems.map((p) => p.variable))];
  }
}

/**
 * Reads and validates the configuration from an environment (e.g. `Deno.env.toObject()`).
 *
 * @throws {ConfigError} naming every missing or malformed variable
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? "environment"),
    // zod's own messages for a wrong type are generic ("Invalid input: …") and carry no value
    message: issue.code === "invalid_type" ? "is required" : issue.message,
  })));
}
