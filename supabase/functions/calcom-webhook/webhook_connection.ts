/**
 * The connection a webhook URL names, read as service role: Cal.com carries no user token, so the
 * connection id in the URL and the signature made with its secret are all there is.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import { type ApiError, apiError } from "../_shared/platform/http.ts";
import type { EventConnection } from "./process_event.ts";
import { isUuid } from "../_shared/platform/uuid.ts";

/** A connection with what verifying its webhooks needs. */
export interface WebhookConnection extends EventConnection {
  /** The secret box ciphertext of the webhook secret (the connection id is its additional data). */
  webhookSecretEncrypted: string;
}

/** The 404 for a connection id that names no connection (or, for a user, none of theirs). */
export function connectionNotFound(): ApiError {
  return apiError(404, "not_found", "No Cal.com connection with this id");
}

/** Whether a path segment can be a connection id at all (anything else is a 404 without a query). */
export function isConnectionId(value: string): boolean {
  return isUuid(value);
}

/** The columns an {@linkcode EventConnection} is read from (none a user may not select). */
const CONNECTION_COLUMNS = "id, user_id, is_active, calcom_user_id, calcom_email";

interface ConnectionRow {
  id: string;
  user_id: string;
  is_active: boolean;
  calcom_user_id: number;
  calcom_email: string | null;
}

function eventConnection(row: ConnectionRow): EventConnection {
  return {
    id: row.id,
    userId: row.user_id,
    isActive: row.is_active,
    keyUser: { id: row.calcom_user_id, email: row.calcom_email },
  };
}

/** Reads a connection by id; null when there is none. */
export async function findWebhookConnection(tx: Tx, connectionId: string): Promise<WebhookConnection | null> {
  const [row] = await tx<(ConnectionRow & { webhook_secret_encrypted: string })[]>`
    select ${tx.unsafe(CONNECTION_COLUMNS)}, webhook_secret_encrypted from public.calcom_connections
    where id = ${connectionId}`;
  if (!row) return null;
  return { ...eventConnection(row), webhookSecretEncrypted: row.webhook_secret_encrypted };
}

/**
 * Reads a connection as the caller sees it: run it `asUser`, and RLS answers null for someone else's. It
 * reads no ciphertext, which users may not select.
 */
export async function findOwnConnection(tx: Tx, connectionId: string): Promise<EventConnection | null> {
  const [row] = await tx<ConnectionRow[]>`
    select ${tx.unsafe(CONNECTION_COLUMNS)} from public.calcom_connections where id = ${connectionId}`;
  return row ? eventConnection(row) : null;
}
