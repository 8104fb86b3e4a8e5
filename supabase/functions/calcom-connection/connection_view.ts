/**
 * How a connection looks to clients: camelCase fields, the hint instead of the key, and
 * never a ciphertext or secret.
 *
 * @module
 */
import { webhookUrlFor } from "./webhook_url.ts";

/** The client-visible columns of a calcom_connections row (what `authenticated` may select). */
export interface ConnectionRow {
  id: string;
  label: string;
  api_key_hint: string;
  calcom_user_id: number;
  calcom_username: string | null;
  calcom_email: string | null;
  calcom_time_zone: string | null;
  calcom_webhook_id: string | null;
  calcom_webhook_error: string | null;
  is_active: boolean;
  last_synced_at: Date | null;
  last_sync_status: string | null;
  created_at: Date;
}

/** A connection in responses. */
export interface ConnectionView {
  id: string;
  label: string;
  isActive: boolean;
  calcomUser: { id: number; username: string | null; email: string | null; timeZone: string | null };
  /** The API key's last four characters. */
  apiKeyHint: string;
  /** Where Cal.com delivers this connection's webhooks. */
  webhookUrl: string;
  /** Whether a webhook is registered with Cal.com for it. */
  webhookRegistered: boolean;
  /** Why registering the webhook failed or was skipped, if it was. */
  webhookError: string | null;
  lastSynced: string | null;
  lastSyncStatus: string | null;
  createdAt: string;
}

/** Maps a row to its client view; `publicFunctionsUrl` is the base of the webhook URL. */
export function toConnectionView(row: ConnectionRow, publicFunctionsUrl: string): ConnectionView {
  return {
    id: row.id,
    label: row.label,
    isActive: row.is_active,
    calcomUser: {
      id: row.calcom_user_id,
      username: row.calcom_username,
      email: row.calcom_email,
      timeZone: row.calcom_time_zone,
    },
    apiKeyHint: row.api_key_hint,
    webhookUrl: webhookUrlFor(publicFunctionsUrl, row.id),
    webhookRegistered: row.calcom_webhook_id !== null,
    webhookError: row.calcom_webhook_error,
    lastSynced: row.last_synced_at?.toISOString() ?? null,
    lastSyncStatus: row.last_sync_status,
    createdAt: row.created_at.toISOString(),
  };
}
