/**
 * Which of the caller's connections a request is about, decided under RLS (a transaction as the user):
 * someone else's connection is indistinguishable from one that does not exist.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import { apiError } from "../_shared/platform/http.ts";

/**
 * The connection a request names, or the caller's only one when it names none.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 404 when the named connection is not the
 * caller's or the caller has none; 400 when the caller has several and named none
 */
export async function resolveConnection(tx: Tx, connectionId: string | undefined): Promise<string> {
  if (connectionId) {
    const [row] = await tx<{ id: string }[]>`
      select id from public.calcom_connections where id = ${connectionId}`;
    if (!row) throw apiError(404, "not_found", "Cal.com connection not found");
    return row.id;
  }
  const rows = await tx<{ id: string }[]>`
    select id from public.calcom_connections order by created_at, id`;
  if (rows.length === 0) {
    throw apiError(404, "not_found", "No Cal.com connection: connect a Cal.com account first");
  }
  if (rows.length > 1) {
    throw apiError(400, "invalid_request", "You have several Cal.com connections: pass connectionId", {
      connectionIds: rows.map((r) => r.id),
    });
  }
  return rows[0].id;
}
