/**
 * The calcom_connections statements of the connection function. Reads for clients run in an `asUser`
 * transaction (RLS picks the rows, column grants keep the ciphertexts out); writes and secret reads run
 * as service and always filter by the verified user id as well.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import type { ConnectionRow } from "./connection_view.ts";

const VIEW_COLUMNS = [
  "id",
  "label",
  "api_key_hint",
  "calcom_user_id",
  "calcom_username",
  "calcom_email",
  "calcom_time_zone",
  "calcom_webhook_id",
  "calcom_webhook_error",
  "is_active",
  "last_synced_at",
  "last_sync_status",
  "created_at",
];

/** The caller's connections, oldest first (run as the user). */
export async function listConnections(tx: Tx): Promise<ConnectionRow[]> {
  return await tx<ConnectionRow[]>`
    select ${tx(VIEW_COLUMNS)} from public.calcom_connections order by created_at, id`;
}

/** One of the caller's connections by id (run as the user: someone else's is simply not found). */
export async function findConnection(tx: Tx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await tx<ConnectionRow[]>`
    select ${tx(VIEW_COLUMNS)} from public.calcom_connections where id = ${id}`;
  return row;
}

/** Longest a connect waits for another connect of the same account before it answers 409. */
const CONNECT_LOCK_TIMEOUT = "25s";

/**
 * Takes the transaction-scoped lock on a user's connection to a Cal.com account (run as service), so
 * connects of one account run one at a time from the read of the row to the recording of its webhook.
 * Another user's connects, or other accounts', do not wait.
 *
 * @throws the database error `lock_not_available` (55P03) after {@link CONNECT_LOCK_TIMEOUT}
 */
export async function lockCalcomAccount(tx: Tx, userId: string, calcomUserId: number): Promise<void> {
  await tx`select set_config('lock_timeout', ${CONNECT_LOCK_TIMEOUT}, true)`;
  // A hash collision only makes two unrelated connects wait for each other
  await tx`
    select pg_advisory_xact_lock(hashtextextended('calcom-connect:' || ${userId} || ':' || ${calcomUserId}, 0))`;
}

/**
 * A user's connection to a Cal.com account with its stored webhook secret, if any (run as service,
 * filtered by the verified user id).
 */
export async function findOwnConnection(
  tx: Tx,
  userId: string,
  calcomUserId: number,
): Promise<(ConnectionRow & { webhook_secret_encrypted: string }) | undefined> {
  const [row] = await tx<(ConnectionRow & { webhook_secret_encrypted: string })[]>`
    select ${tx(VIEW_COLUMNS)}, webhook_secret_encrypted from public.calcom_connections
    where user_id = ${userId} and calcom_user_id = ${calcomUserId}`;
  return row;
}

/** The stored ciphertexts of a user's connection (run as service). */
export async function readCiphertexts(
  tx: Tx,
  id: string,
  userId: string,
): Promise<{ apiKey: string; webhookSecret: string } | undefined> {
  const [row] = await tx<{ api_key_encrypted: string; webhook_secret_encrypted: string }[]>`
    select api_key_encrypted, webhook_secret_encrypted from public.calcom_connections
    where id = ${id} and user_id = ${userId}`;
  return row && { apiKey: row.api_key_encrypted, webhookSecret: row.webhook_secret_encrypted };
}

/** What a connect writes: the account as Cal.com describes it and the encrypted secrets. */
export interface ConnectionWrite {
  id: string;
  userId: string;
  label?: string;
  apiKeyEncrypted: string;
  apiKeyHint: string;
  webhookSecretEncrypted: string;
  calcomUserId: number;
  calcomUsername: string | null;
  calcomEmail: string | null;
  calcomTimeZone: string | null;
}

/**
 * Inserts a new connection (run as service) and returns it as clients see it; undefined when the user
 * already has one for this Cal.com account: a concurrent connect won the race.
 */
export async function insertConnection(tx: Tx, w: ConnectionWrite): Promise<ConnectionRow | undefined> {
  const [row] = await tx<ConnectionRow[]>`
    insert into public.calcom_connections (
      id, user_id, label, api_key_encrypted, api_key_hint, webhook_secret_encrypted,
      calcom_user_id, calcom_username, calcom_email, calcom_time_zone
    ) values (
      ${w.id}, ${w.userId}, ${w.label ?? "Cal.com"}, ${w.apiKeyEncrypted}, ${w.apiKeyHint},
      ${w.webhookSecretEncrypted}, ${w.calcomUserId}, ${w.calcomUsername}, ${w.calcomEmail}, ${w.calcomTimeZone}
    )
    on conflict (user_id, calcom_user_id) do nothing
    returning ${tx(VIEW_COLUMNS)}`;
  return row;
}

/**
 * Updates an existing connection in place on reconnect (run as service): new key and secret, fresh
 * account details, active again; the label only when one was given. Returns it as clients see it, or
 * undefined when it is gone.
 */
export async function updateConnection(tx: Tx, w: ConnectionWrite): Promise<ConnectionRow | undefined> {
  const [row] = await tx<ConnectionRow[]>`
    update public.calcom_connections set
      label = coalesce(${w.label ?? null}, label),
      api_key_encrypted = ${w.apiKeyEncrypted},
      api_key_hint = ${w.apiKeyHint},
      webhook_secret_encrypted = ${w.webhookSecretEncrypted},
      calcom_username = ${w.calcomUsername},
      calcom_email = ${w.calcomEmail},
      calcom_time_zone = ${w.calcomTimeZone},
      is_active = true,
      -- connecting with a key replaces an OAuth grant: the key is the credential from now on
      auth_kind = 'api_key',
      oauth_access_token_encrypted = null,
      oauth_refresh_token_encrypted = null,
      oauth_access_token_expires_at = null,
      oauth_scopes = null
    where id = ${w.id} and user_id = ${w.userId} and calcom_user_id = ${w.calcomUserId}
    returning ${tx(VIEW_COLUMNS)}`;
  return row;
}

/**
 * Records the outcome of registering the webhook (run as service); returns the connection as clients
 * see it, or undefined when it is gone.
 */
export async function setWebhookState(
  tx: Tx,
  id: string,
  userId: string,
  state: { webhookId: string | null; error: string | null },
): Promise<ConnectionRow | undefined> {
  const [row] = await tx<ConnectionRow[]>`
    update public.calcom_connections
    set calcom_webhook_id = ${state.webhookId}, calcom_webhook_error = ${state.error}
    where id = ${id} and user_id = ${userId}
    returning ${tx(VIEW_COLUMNS)}`;
  return row;
}

/** Deletes a user's connection; bookings, webhook events and sync runs go with it (run as service). */
export async function deleteConnection(tx: Tx, id: string, userId: string): Promise<boolean> {
  const rows = await tx`
    delete from public.calcom_connections where id = ${id} and user_id = ${userId} returning id`;
  return rows.length === 1;
}
