/**
 * The calcom_connections statements of OAuth connections (run as service, always filtered by the
 * verified user id): create or convert a connection with its encrypted tokens, and read the credential
 * of any connection for a Cal.com client.
 *
 * @module
 */
import type { ConnectionCredential } from "../_shared/oauth/connection_client.ts";
import type { Tx } from "../_shared/platform/db.ts";
import type { ConnectionRow } from "./connection_view.ts";

const VIEW = [
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

/** What an OAuth connect writes. */
export interface OAuthConnectionWrite {
  id: string;
  userId: string;
  label: string;
  /** Ciphertext of the empty string: OAuth rows keep `api_key_encrypted` not null but unusable. */
  apiKeyEncrypted: string;
  webhookSecretEncrypted: string;
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string;
  accessTokenExpiresAt: Date;
  scopes: string[];
  calcomUserId: number;
  calcomUsername: string | null;
  calcomEmail: string | null;
  calcomTimeZone: string | null;
}

/**
 * Inserts the connection, or updates the user's existing one for this Cal.com account in place (same
 * id, an API-key connection becomes an OAuth one), active again. Returns it as clients see it.
 */
export async function upsertOAuthConnection(tx: Tx, w: OAuthConnectionWrite): Promise<ConnectionRow> {
  const [row] = await tx<ConnectionRow[]>`
    insert into public.calcom_connections (
      id, user_id, label, auth_kind, api_key_encrypted, api_key_hint, webhook_secret_encrypted,
      oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at, oauth_scopes,
      calcom_user_id, calcom_username, calcom_email, calcom_time_zone
    ) values (
      ${w.id}, ${w.userId}, ${w.label}, 'oauth', ${w.apiKeyEncrypted}, '', ${w.webhookSecretEncrypted},
      ${w.accessTokenEncrypted}, ${w.refreshTokenEncrypted}, ${w.accessTokenExpiresAt}, ${w.scopes}::text[],
      ${w.calcomUserId}, ${w.calcomUsername}, ${w.calcomEmail}, ${w.calcomTimeZone}
    )
    on conflict (user_id, calcom_api_url, calcom_user_id) do update set
      auth_kind = 'oauth',
      api_key_encrypted = excluded.api_key_encrypted,
      api_key_hint = '',
      webhook_secret_encrypted = excluded.webhook_secret_encrypted,
      oauth_access_token_encrypted = excluded.oauth_access_token_encrypted,
      oauth_refresh_token_encrypted = excluded.oauth_refresh_token_encrypted,
      oauth_access_token_expires_at = excluded.oauth_access_token_expires_at,
      oauth_scopes = excluded.oauth_scopes,
      calcom_username = excluded.calcom_username,
      calcom_email = excluded.calcom_email,
      calcom_time_zone = excluded.calcom_time_zone,
      is_active = true,
      last_sync_error = null,
      last_sync_status = case
        when calcom_connections.last_sync_status = 'failed' then null
        else calcom_connections.last_sync_status
      end
    where calcom_connections.id = ${w.id}
    returning ${tx(VIEW)}`;
  if (!row) throw new Error("OAuth connection upsert matched another row than the one locked");
  return row;
}

/** The credential of a user's connection, for `calcomForConnection`; undefined when it is gone. */
export async function readCredential(
  tx: Tx,
  id: string,
  userId: string,
): Promise<ConnectionCredential | undefined> {
  const [row] = await tx<
    { auth_kind: "api_key" | "oauth"; api_key_encrypted: string; calcom_api_url: string | null }[]
  >`
    select auth_kind, api_key_encrypted, calcom_api_url from public.calcom_connections
    where id = ${id} and user_id = ${userId}`;
  return row && {
    id,
    userId,
    authKind: row.auth_kind,
    apiKeyEncrypted: row.api_key_encrypted,
    calcomApiUrl: row.calcom_api_url,
  };
}
