/**
 * The Cal.com OAuth scopes this integration asks for, and the check an action runs before it calls
 * Cal.com: a connection made by OAuth may only do what its grant allows (Cal.com checks scopes by exact
 * name, `_WRITE` does not imply `_READ`), while an API key may do everything.
 *
 * @module
 */
import { apiError } from "../platform/http.ts";

/**
 * The fewest scopes the features need: the account (`/v2/me`), reading bookings (sync), writing them
 * (the two-way booking actions), event types (the booking form) and the user webhook that pushes
 * changes. Operators may narrow it with `CALCOM_OAUTH_SCOPES`.
 */
export const defaultOAuthScopes: readonly string[] = [
  "PROFILE_READ",
  "BOOKING_READ",
  "BOOKING_WRITE",
  "EVENT_TYPE_READ",
  "WEBHOOK_READ",
  "WEBHOOK_WRITE",
];

/** The scope columns of a connection row. */
export interface ScopedConnection {
  auth_kind: "api_key" | "oauth";
  oauth_scopes: string[] | null;
}

/** The scopes of `needed` the connection was not granted (none for an API-key connection). */
export function missingScopes(connection: ScopedConnection, needed: readonly string[]): string[] {
  if (connection.auth_kind !== "oauth") return [];
  const granted = new Set(connection.oauth_scopes ?? []);
  return needed.filter((scope) => !granted.has(scope));
}

/**
 * Refuses with a 403 `insufficient_scope` an action the connection's grant does not cover, telling the
 * user to reconnect (a new grant asks for today's scopes).
 *
 * @throws {import("hono/http-exception").HTTPException} 403 with `details.missingScopes`
 */
export function requireScopes(connection: ScopedConnection, needed: readonly string[]): void {
  const missing = missingScopes(connection, needed);
  if (missing.length === 0) return;
  throw apiError(
    403,
    "insufficient_scope",
    `This Cal.com connection was not granted ${missing.join(", ")}: reconnect Cal.com to allow it`,
    { missingScopes: missing },
  );
}
