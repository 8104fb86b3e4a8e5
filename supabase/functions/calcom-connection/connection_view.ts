/**
 * How a connection looks to clients: camelCase fields, the hint instead of the key, the
 * counts a settings page shows (stored bookings, webhook health), and never a ciphertext or secret. The
 * zod schema is the contract (docs/openapi.json is generated from it); the type follows from it.
 *
 * @module
 */
import { z } from "zod";
import { webhookUrlFor } from "./webhook_url.ts";

/** The client-visible columns of a calcom_connections row (what `authenticated` may select). */
export interface ConnectionRow {
  id: string;
  label: string;
  api_key_hint: string;
  auth_kind: "api_key" | "oauth";
  /** The scopes Cal.com granted an OAuth connection; null for an API key. */
  oauth_scopes: string[] | null;
  calcom_user_id: number;
  /** The connection's self-hosted Cal.com origin; null for the default server. */
  calcom_api_url: string | null;
  calcom_username: string | null;
  calcom_email: string | null;
  calcom_time_zone: string | null;
  calcom_webhook_id: string | null;
  calcom_webhook_error: string | null;
  is_active: boolean;
  last_synced_at: Date | null;
  last_sync_status: string | null;
  last_sync_error: string | null;
  created_at: Date;
}

/**
 * What the database counts for a connection (connection_store.ts): its stored bookings and its webhook
 * deliveries of the last 24 hours by the database's clock.
 */
export interface ConnectionStats {
  booking_count: number;
  /** `received_at` of the newest verified delivery, whenever it came. */
  last_verified_at: Date | null;
  /** Verified deliveries received in the last 24 hours. */
  deliveries_24h: number;
  /** Deliveries refused in the last 24 hours (no valid signature). */
  refused_24h: number;
  /** Verified deliveries of the last 24 hours that were not applied (unprocessed or with an error). */
  not_applied_24h: number;
}

const isoTime = z.iso.datetime();

/** The health of a connection's webhook, from its delivery log. */
export const WebhookHealthSchema = z.object({
  /** When the newest delivery with a valid signature arrived, or null if none ever did. */
  lastVerifiedAt: isoTime.nullable(),
  /** Deliveries with a valid signature in the last 24 hours. */
  deliveries24h: z.int().nonnegative(),
  /**
   * Deliveries refused in the last 24 hours: missing or bad signature (at most a bounded number per hour
   * is logged, see docs/security.md).
   */
  refused24h: z.int().nonnegative(),
  /** Deliveries of the last 24 hours with a valid signature that were not applied (replayable). */
  notApplied24h: z.int().nonnegative(),
}).meta({ id: "WebhookHealth" });

/** A connection in responses. */
export const ConnectionViewSchema = z.object({
  id: z.uuid(),
  label: z.string(),
  isActive: z.boolean(),
  calcomUser: z.object({
    id: z.int(),
    username: z.string().nullable(),
    email: z.string().nullable(),
    timeZone: z.string().nullable(),
  }),
  /**
   * The Cal.com server the account is on: `CALCOM_API_URL` or one of the origins the operator allows
   * (`calcomOrigins` of the list).
   */
  calcomApiUrl: z.string(),
  /** How the account was connected: with an API key, or with "Continue with Cal.com" (OAuth). */
  authKind: z.enum(["api_key", "oauth"]),
  /** The API key's last four characters; `""` for an OAuth connection. */
  apiKeyHint: z.string(),
  /** The scopes Cal.com granted an OAuth connection; null for an API key. */
  scopes: z.array(z.string()).nullable(),
  /** Where Cal.com delivers this connection's webhooks. */
  webhookUrl: z.string(),
  /** Whether a webhook is registered with Cal.com for it. */
  webhookRegistered: z.boolean(),
  /** Why registering the webhook failed or was skipped, if it was. */
  webhookError: z.string().nullable(),
  lastSynced: isoTime.nullable(),
  lastSyncStatus: z.enum(["running", "succeeded", "partial", "failed"]).nullable(),
  /** Why the last sync failed, in words safe to show (never a secret). */
  lastSyncError: z.string().nullable(),
  /** Bookings stored for this connection. */
  bookingCount: z.int().nonnegative(),
  webhookHealth: WebhookHealthSchema,
  createdAt: isoTime,
}).meta({ id: "ConnectionView" });

/** A connection in responses. */
export type ConnectionView = z.infer<typeof ConnectionViewSchema>;

/**
 * Maps a row and its counts to its client view; `publicFunctionsUrl` is the base of the webhook URL,
 * `defaultCalcomApiUrl` the server of a row that names none.
 */
export function toConnectionView(
  row: ConnectionRow & ConnectionStats,
  publicFunctionsUrl: string,
  defaultCalcomApiUrl: string,
): ConnectionView {
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
    calcomApiUrl: row.calcom_api_url ?? defaultCalcomApiUrl,
    authKind: row.auth_kind,
    apiKeyHint: row.api_key_hint,
    scopes: row.oauth_scopes,
    webhookUrl: webhookUrlFor(publicFunctionsUrl, row.id),
    webhookRegistered: row.calcom_webhook_id !== null,
    webhookError: row.calcom_webhook_error,
    lastSynced: row.last_synced_at?.toISOString() ?? null,
    lastSyncStatus: row.last_sync_status as ConnectionView["lastSyncStatus"],
    lastSyncError: row.last_sync_error,
    bookingCount: row.booking_count,
    webhookHealth: {
      lastVerifiedAt: row.last_verified_at?.toISOString() ?? null,
      deliveries24h: row.deliveries_24h,
      refused24h: row.refused_24h,
      notApplied24h: row.not_applied_24h,
    },
    createdAt: row.created_at.toISOString(),
  };
}
