/**
 * Everything a function's app needs from the outside world, built once from the configuration and
 * injectable as a whole or in part (tests swap the clock, fetch, the Cal.com client or the logger).
 *
 * @module
 */
import { createUserVerifier, type UserVerifier } from "./auth.ts";
import type { BearerSource, CalcomClient, CalcomClientOptions } from "../calcom/client.ts";
import { createLazyCalcomClient } from "../calcom/lazy_client.ts";
import { type Config, loadConfig } from "./config.ts";
import { createDb, type Db } from "./db.ts";
import { createLogger, type Logger } from "./log.ts";
import { createSecretBox, type SecretBox } from "./secret_box.ts";

/**
 * Per-call tuning of a Cal.com client, e.g. fewer retries for an interactive request, and the server of
 * a connection on a self-hosted Cal.com (`baseUrl`, one `serverUrlFor` allowed; default `config.calcomApiUrl`).
 */
export type CalcomCallOptions = Omit<CalcomClientOptions, "apiKey">;

/** The dependencies of every function's `createApp(deps)`. */
export interface Deps {
  config: Config;
  db: Db;
  secrets: SecretBox;
  verifyUser: UserVerifier;
  /**
   * A Cal.com client for one API key (or an OAuth connection's token source), on `options.baseUrl` or
   * else `config.calcomApiUrl`.
   */
  calcom: (apiKey: string | BearerSource, options?: CalcomCallOptions) => CalcomClient;
  now: () => Date;
  fetch: typeof fetch;
  log: Logger;
}

/**
 * Builds the dependencies from a configuration; `overrides` replace single pieces (and are not built,
 * so an injected `db` opens no pool).
 */
export function createDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  const fetchImpl = overrides.fetch ?? ((input, init) => fetch(input, init));
  return {
    config,
    db: overrides.db ?? createDb(config.dbUrl, { max: config.dbPoolMax }),
    secrets: overrides.secrets ??
      createSecretBox({ currentKey: config.encryptionKey, oldKeys: config.encryptionOldKeys }),
    verifyUser: overrides.verifyUser ??
      createUserVerifier({
        jwtSecret: config.jwtSecret,
        jwks: config.jwks,
        jwksUrl: config.jwksUrl,
        issuer: config.jwtIssuer,
      }),
    calcom: overrides.calcom ??
      ((apiKey, options) =>
        // imported on the first call: most requests never call Cal.com (lazy_client.ts)
        createLazyCalcomClient({
          fetch: fetchImpl,
          ...options,
          apiKey,
          baseUrl: options?.baseUrl ?? config.calcomApiUrl,
        })),
    now: overrides.now ?? (() => new Date()),
    fetch: fetchImpl,
    log: overrides.log ?? createLogger(),
  };
}

/**
 * Builds the dependencies from the environment (the function's secrets).
 *
 * @throws {import("./config.ts").ConfigError} naming each missing or malformed variable
 */
export function createDepsFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
  overrides: Partial<Deps> = {},
): Deps {
  return createDeps(loadConfig(env), overrides);
}
