/**
 * Fresh access tokens for an OAuth connection, across processes. Cal.com's access tokens live 30
 * minutes and every refresh rotates the refresh token (the old one, and every other of the same user
 * for our client, dies at once), so a refresh token must never be sent twice. Every refresh therefore
 * runs in one transaction holding the connection row's lock: it re-reads the tokens after the lock is
 * granted, and when another process refreshed meanwhile it takes that process's token instead of
 * refreshing again. The new tokens are committed before the new access token is used.
 *
 * A refresh Cal.com refuses (`invalid_grant`) pauses the connection with "Reconnect Cal.com".
 *
 * @module
 */
import type { BearerSource } from "../calcom/client.ts";
import { CalcomError, CalcomErrorCode } from "../calcom/errors.ts";
import { connectionSecret } from "../platform/connection_secret.ts";
import type { Tx } from "../platform/db.ts";
import type { Deps } from "../platform/deps.ts";
import { OAuthTokenError, refreshTokens } from "./token_endpoint.ts";

/** Refresh this long before the access token expires (Cal.com's own clients use 2–5 minutes). */
export const refreshAheadMs = 5 * 60_000;

/** Longest a refresh waits for another process's refresh of the same connection. */
const REFRESH_LOCK_TIMEOUT = "20s";

/** The reason a connection is paused with when Cal.com refuses its refresh token. */
export const reconnectReason =
  "Reconnect Cal.com: Cal.com no longer accepts this connection's authorisation (it was revoked, expired or replaced)";

/** What the token source needs. */
export type OAuthTokenDeps = Pick<Deps, "db" | "secrets" | "now" | "fetch" | "config" | "log">;

/** The connection whose tokens are meant. */
export interface OAuthConnectionRef {
  id: string;
  userId: string;
}

interface TokenRow {
  oauth_access_token_encrypted: string;
  oauth_refresh_token_encrypted: string;
  oauth_access_token_expires_at: Date;
}

async function readTokens(tx: Tx, ref: OAuthConnectionRef, lock: boolean): Promise<TokenRow> {
  const [row] = lock
    ? await tx<TokenRow[]>`
      select oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at
      from public.calcom_connections
      where id = ${ref.id} and user_id = ${ref.userId} and auth_kind = 'oauth'
      for no key update`
    : await tx<TokenRow[]>`
      select oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at
      from public.calcom_connections
      where id = ${ref.id} and user_id = ${ref.userId} and auth_kind = 'oauth'`;
  if (!row) {
    throw new CalcomError("The Cal.com connection is gone or no longer uses OAuth", {
      code: CalcomErrorCode.reauthorize,
      status: 401,
      retryable: false,
    });
  }
  return row;
}

function unavailable(message: string): CalcomError {
  return new CalcomError(message, { code: CalcomErrorCode.oauthUnavailable, retryable: true });
}

/**
 * The token source of an OAuth connection for the Cal.com client: the stored access token while it
 * has more than {@link refreshAheadMs} left, else a refreshed one; after a 401, a token other than the
 * refused one.
 */
export function oauthBearer(deps: OAuthTokenDeps, ref: OAuthConnectionRef): BearerSource {
  const decryptAccess = (row: TokenRow) =>
    deps.secrets.decrypt(
      row.oauth_access_token_encrypted,
      connectionSecret("oauth_access_token_encrypted", ref),
    );
  const fresh = (expiresAt: Date) => expiresAt.getTime() - deps.now().getTime() > refreshAheadMs;
  // The token this client last used, so a sync's pages do not each read the row again
  let known: { token: string; expiresAt: Date } | undefined;
  const remember = async () => {
    const row = await deps.db.asService((tx) => readTokens(tx, ref, false));
    known = { token: await decryptAccess(row), expiresAt: row.oauth_access_token_expires_at };
    return known;
  };
  return {
    async accessToken() {
      if (known && fresh(known.expiresAt)) return known.token;
      const current = await remember();
      if (fresh(current.expiresAt)) return current.token;
      await refreshConnection(deps, ref, undefined);
      return (await remember()).token;
    },
    async renew(rejected) {
      await refreshConnection(deps, ref, rejected);
      return (await remember()).token;
    },
  };
}

/**
 * Refreshes a connection's tokens under its row lock, unless another process did while this one
 * waited: then its access token is returned. `rejected` is an access token Cal.com refused (a token
 * other than it is good enough); without it, a token that is not about to expire is.
 *
 * @throws {CalcomError} `OAuthReauthorizeRequired` (the connection is paused) or `OAuthUnavailable`
 */
export async function refreshConnection(
  deps: OAuthTokenDeps,
  ref: OAuthConnectionRef,
  rejected: string | undefined,
): Promise<string> {
  const client = deps.config.oauth;
  const outcome = await deps.db.asService(async (tx) => {
    await tx`select set_config('lock_timeout', ${REFRESH_LOCK_TIMEOUT}, true)`;
    const row = await readTokens(tx, ref, true);
    const current = await deps.secrets.decrypt(
      row.oauth_access_token_encrypted,
      connectionSecret("oauth_access_token_encrypted", ref),
    );
    const notExpiring = row.oauth_access_token_expires_at.getTime() - deps.now().getTime() > refreshAheadMs;
    if (rejected === undefined ? notExpiring : current !== rejected) return { token: current };
    if (!client) {
      return { error: unavailable("Cannot renew the Cal.com connection: OAuth is not configured") };
    }
    const refreshToken = await deps.secrets.decrypt(
      row.oauth_refresh_token_encrypted,
      connectionSecret("oauth_refresh_token_encrypted", ref),
    );
    let issued;
    try {
      issued = await refreshTokens(client, refreshToken, { fetch: deps.fetch });
    } catch (err) {
      if (!(err instanceof OAuthTokenError)) throw err;
      if (!err.grantRefused) {
        deps.log.warn("OAuth refresh failed", { connectionId: ref.id, error: err.error, status: err.status });
        return { error: unavailable(`Cannot renew the Cal.com connection now: ${err.message}`) };
      }
      deps.log.warn("OAuth refresh refused: connection paused", { connectionId: ref.id });
      await tx`
        update public.calcom_connections
        set is_active = false, last_sync_error = ${reconnectReason}
        where id = ${ref.id} and user_id = ${ref.userId}`;
      return {
        error: new CalcomError(reconnectReason, {
          code: CalcomErrorCode.reauthorize,
          status: 401,
          retryable: false,
        }),
      };
    }
    await tx`
      update public.calcom_connections set
        oauth_access_token_encrypted = ${await deps.secrets.encrypt(
      issued.accessToken,
      connectionSecret("oauth_access_token_encrypted", ref),
    )},
        oauth_refresh_token_encrypted = ${await deps.secrets.encrypt(
      issued.refreshToken,
      connectionSecret("oauth_refresh_token_encrypted", ref),
    )},
        oauth_access_token_expires_at = ${new Date(deps.now().getTime() + issued.expiresIn * 1000)},
        oauth_scopes = coalesce(${issued.scopes ?? null}::text[], oauth_scopes)
      where id = ${ref.id} and user_id = ${ref.userId}`;
    return { token: issued.accessToken };
  }).catch((err) => {
    if ((err as { code?: unknown }).code === "55P03") {
      return {
        error: unavailable("Cannot renew the Cal.com connection: another renewal is taking too long"),
      };
    }
    throw err;
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.token;
}
