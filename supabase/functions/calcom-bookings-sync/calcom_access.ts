/**
 * A Cal.com client for one of the caller's active connections, for the routes that act on the user's
 * behalf (event types, slots, booking): the connection chosen under RLS, its API key decrypted, and an
 * interactive client (few retries, short deadline) sharing the key's rate limiter with the sync.
 *
 * @module
 */
import type { KeyUser } from "../_shared/bookings/key_relation.ts";
import type { CalcomClient } from "../_shared/calcom/client.ts";
import type { UserClaims } from "../_shared/platform/auth.ts";
import { calcomForConnection } from "../_shared/oauth/connection_client.ts";
import { requireScopes } from "../_shared/oauth/oauth_scopes.ts";
import type { CalcomCallOptions, Deps } from "../_shared/platform/deps.ts";
import { apiError } from "../_shared/platform/http.ts";
import { CalcomError } from "../_shared/calcom/errors.ts";

/** The connection a request acts through and a client bound to its key. */
export interface CalcomAccess {
  connectionId: string;
  userId: string;
  client: CalcomClient;
  /** The Cal.com user the key belongs to, for the rows' `key_relation`. */
  keyUser: KeyUser;
}

/** How long one interactive request may talk to Cal.com in all. */
const interactiveDeadlineMs = 25_000;

/** Client options for a person waiting on the answer: one retry, 10 s per attempt. */
export function interactiveCalls(now: Date): CalcomCallOptions {
  return {
    maxAttempts: 2,
    timeoutMs: 10_000,
    deadlineMs: 20_000,
    deadlineAt: new Date(now.getTime() + interactiveDeadlineMs),
  };
}

/**
 * The caller's active connection named `connectionId`, or their only active one when it names none.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 404 for a connection that is not the
 * caller's (or none at all), 409 for a paused one, 400 when several are active and none was named
 */
export async function activeConnection(deps: Deps, user: UserClaims, connectionId?: string): Promise<string> {
  const rows = await deps.db.asUser(user, (tx) =>
    connectionId
      ? tx<{ id: string; is_active: boolean }[]>`
          select id, is_active from public.calcom_connections where id = ${connectionId}`
      : tx<{ id: string; is_active: boolean }[]>`
          select id, is_active from public.calcom_connections where is_active order by created_at, id`);
  if (connectionId) {
    if (!rows[0]) throw apiError(404, "not_found", "Cal.com connection not found");
    if (!rows[0].is_active) {
      throw apiError(409, "conflict", "This Cal.com connection is paused: set it active to use it");
    }
    return rows[0].id;
  }
  if (rows.length === 0) {
    throw apiError(404, "not_found", "No active Cal.com connection: connect a Cal.com account first");
  }
  if (rows.length > 1) {
    throw apiError(400, "invalid_request", "You have several active Cal.com connections: pass connectionId", {
      connectionIds: rows.map((r) => r.id),
    });
  }
  return rows[0].id;
}

/**
 * Opens {@linkcode CalcomAccess} for the caller (see {@linkcode activeConnection} for the refusals). An
 * OAuth connection must have been granted `scopes` (403 `insufficient_scope` otherwise).
 */
export async function openCalcom(
  deps: Deps,
  user: UserClaims,
  connectionId?: string,
  scopes: readonly string[] = [],
): Promise<CalcomAccess> {
  const id = await activeConnection(deps, user, connectionId);
  const [row] = await deps.db.asService((tx) =>
    tx<
      {
        api_key_encrypted: string;
        auth_kind: "api_key" | "oauth";
        oauth_scopes: string[] | null;
        calcom_user_id: number;
        calcom_email: string | null;
        calcom_api_url: string | null;
      }[]
    >`
      select api_key_encrypted, auth_kind, oauth_scopes, calcom_user_id, calcom_email, calcom_api_url
      from public.calcom_connections
      where id = ${id} and user_id = ${user.sub}`
  );
  if (!row) throw apiError(404, "not_found", "Cal.com connection not found");
  requireScopes(row, scopes);
  let client: CalcomClient;
  try {
    client = await calcomForConnection(deps, {
      id,
      userId: user.sub,
      authKind: row.auth_kind,
      apiKeyEncrypted: row.api_key_encrypted,
      calcomApiUrl: row.calcom_api_url,
    }, interactiveCalls(deps.now()));
  } catch (err) {
    if (err instanceof CalcomError) throw apiError(409, "conflict", err.message);
    deps.log.error("cannot decrypt the connection's API key", { connectionId: id, error: err });
    throw apiError(
      400,
      "invalid_api_key",
      "The stored Cal.com API key cannot be read: connect the account again",
    );
  }
  return {
    connectionId: id,
    userId: user.sub,
    client,
    keyUser: { id: row.calcom_user_id, email: row.calcom_email },
  };
}
