/**
 * The calcom_connections statements of the connection function. Reads for clients run in an `asUser`
 * transaction (RLS picks the rows, column grants keep the ciphertexts out); writes and secret reads run
 * as service and always filter by the verified user id as well.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import type { ConnectionRow, ConnectionStats } from "./connection_view.ts";

const VIEW_COLUMNS = [
  "id",
  "label",
  "api_key_hint",
  "auth_kind",
  "oauth_scopes",
  "calcom_user_id",
  "calcom_api_url",
  "calcom_username",
  "calcom_email",
  "calcom_time_zone",
  "calcom_webhook_id",
  "calcom_webhook_error",
  "is_active",
  "last_synced_at",
  "last_sync_status",
  "last_sync_error",
  "created_at",
];

/** A connection row as clients see it, with what the database counts for it. */
export type ConnectionWithStats = ConnectionRow & ConnectionStats;

/**
 * The counts of connection `c` (see {@link ConnectionStats}), as columns of a select over
 * `public.calcom_connections c`: each is a lateral lookup by connection id, so a list of connections costs
 * one statement. Bookings are counted on `calcom_bookings_user_id_connection_id_start_time_idx`; the newest
 * verified delivery and the last 24 hours (by the database's `now()`) are index ranges of
 * `calcom_webhook_events_user_id_connection_id_received_idx` (as the user, with RLS's `user_id` condition)
 * or `calcom_webhook_events_connection_received_idx` (as service). Refused deliveries are the
 * unverified ones; not applied are verified ones left unprocessed or with an error, as
 * calcom-webhook/write_delivery.ts logs them.
 */
function statsColumns(tx: Tx) {
  return tx`
    (select count(*)::int from public.calcom_bookings b
     where b.user_id = c.user_id and b.calcom_connection_id = c.id) as booking_count,
    (select e.received_at from public.calcom_webhook_events e
     where e.calcom_connection_id = c.id and e.verified
     order by e.received_at desc limit 1) as last_verified_at,
    h.deliveries_24h, h.refused_24h, h.not_applied_24h`;
}

/** The lateral join that {@link statsColumns} reads the last 24 hours from. */
function last24Hours(tx: Tx) {
  return tx`
    cross join lateral (
      select count(*) filter (where e.verified)::int as deliveries_24h,
             count(*) filter (where not e.verified)::int as refused_24h,
             count(*) filter (where e.verified and (not e.processed or e.error_message is not null))::int
               as not_applied_24h
      from public.calcom_webhook_events e
      where e.calcom_connection_id = c.id and e.received_at > now() - interval '24 hours'
    ) h`;
}

/** The caller's connections with their counts, oldest first (run as the user), in one statement. */
export async function listConnectionsWithStats(tx: Tx): Promise<ConnectionWithStats[]> {
  return await tx<ConnectionWithStats[]>`
    select ${tx(VIEW_COLUMNS.map((column) => `c.${column}`))}, ${statsColumns(tx)}
    from public.calcom_connections c ${last24Hours(tx)}
    order by c.created_at, c.id`;
}

/**
 * The counts of one of a user's connections (as service, filtered by the user id, or as the user), for an
 * answer built from a row a write returned.
 */
export async function readConnectionStats(
  tx: Tx,
  id: string,
  userId: string,
): Promise<ConnectionStats | undefined> {
  const [row] = await tx<ConnectionStats[]>`
    select ${statsColumns(tx)}
    from public.calcom_connections c ${last24Hours(tx)}
    where c.id = ${id} and c.user_id = ${userId}`;
  return row;
}

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
 * Another user's connects, or other accounts', do not wait. An account is a Cal.com user id on one
 * server (`calcomApiUrl`, null for the default one).
 *
 * @throws the database error `lock_not_available` (55P03) after {@link CONNECT_LOCK_TIMEOUT}
 */
export async function lockCalcomAccount(
  tx: Tx,
  userId: string,
  calcomUserId: number,
  calcomApiUrl: string | null = null,
): Promise<void> {
  await tx`select set_config('lock_timeout', ${CONNECT_LOCK_TIMEOUT}, true)`;
  // A hash collision only makes two unrelated connects wait for each other
  await tx`
    select pg_advisory_xact_lock(hashtextextended(
      'calcom-connect:' || ${userId} || ':' || ${calcomUserId} || ':' || ${calcomApiUrl ?? ""}, 0))`;
}

/**
 * A user's connection to a Cal.com account on a server (null: the default one) with its stored webhook
 * secret, if any (run as service, filtered by the verified user id).
 */
export async function findOwnConnection(
  tx: Tx,
  userId: string,
  calcomUserId: number,
  calcomApiUrl: string | null = null,
): Promise<(ConnectionRow & { webhook_secret_encrypted: string }) | undefined> {
  const [row] = await tx<(ConnectionRow & { webhook_secret_encrypted: string })[]>`
    select ${tx(VIEW_COLUMNS)}, webhook_secret_encrypted from public.calcom_connections
    where user_id = ${userId} and calcom_user_id = ${calcomUserId}
      and calcom_api_url is not distinct from ${calcomApiUrl}::text`;
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
  /** The account's server: a self-hosted origin, or null for the default one. */
  calcomApiUrl: string | null;
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
      calcom_user_id, calcom_api_url, calcom_username, calcom_email, calcom_time_zone
    ) values (
      ${w.id}, ${w.userId}, ${w.label ?? "Cal.com"}, ${w.apiKeyEncrypted}, ${w.apiKeyHint},
      ${w.webhookSecretEncrypted}, ${w.calcomUserId}, ${w.calcomApiUrl}, ${w.calcomUsername}, ${w.calcomEmail},
      ${w.calcomTimeZone}
    )
    on conflict (user_id, calcom_api_url, calcom_user_id) do nothing
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
      oauth_scopes = null,
      -- a new credential: the last failure (an expired key, say) no longer describes the connection
      last_sync_error = null,
      last_sync_status = case when last_sync_status = 'failed' then null else last_sync_status end
    where id = ${w.id} and user_id = ${w.userId} and calcom_user_id = ${w.calcomUserId}
      and calcom_api_url is not distinct from ${w.calcomApiUrl}::text
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

/** What a client may change of its own connection (`PATCH calcom-connection`). */
export interface ConnectionChange {
  label?: string;
  isActive?: boolean;
}

/**
 * Renames, pauses or resumes one of the caller's connections (run as the user: RLS and the column grants
 * allow exactly this, and someone else's connection is simply not found). Nothing else changes: resuming
 * keeps the last sync's status and error, and the scheduled sync takes the connection up again.
 */
export async function changeConnection(
  tx: Tx,
  id: string,
  change: ConnectionChange,
): Promise<ConnectionRow | undefined> {
  const [row] = await tx<ConnectionRow[]>`
    update public.calcom_connections set
      label = coalesce(${change.label ?? null}, label),
      is_active = coalesce(${change.isActive ?? null}::boolean, is_active)
    where id = ${id}
    returning ${tx(VIEW_COLUMNS)}`;
  return row;
}

/** Deletes a user's connection; bookings, webhook events and sync runs go with it (run as service). */
export async function deleteConnection(tx: Tx, id: string, userId: string): Promise<boolean> {
  const rows = await tx`
    delete from public.calcom_connections where id = ${id} and user_id = ${userId} returning id`;
  return rows.length === 1;
}
