/**
 * The quota on what correctly signed deliveries may store per connection. A user may choose their own
 * webhook secret, so the signature proves only that the delivery comes from someone who knows it, possibly
 * the user themself: without a bound, every distinct signed body of up to 1 MB became an event row and a
 * booking row. Beyond the quota a delivery is answered 202 (Cal.com does not retry a non-2xx answer, so a
 * genuine change must never be refused) and only a compact record of it is kept, the booking uid to read
 * again from Cal.com at the next sync. `public.calcom_log_webhook_event` enforces it in the statement that
 * logs the delivery; see docs/webhooks.md, "Webhook quota".
 *
 * @module
 */

/** The bounds, per connection. */
export interface WebhookQuota {
  /** Verified deliveries stored in full per minute (fixed windows of the delivery's receipt time). */
  maxPerMinute: number;
  /** Bytes of their bodies stored per UTC day. */
  maxBytesPerDay: number;
  /** Booking uids kept to read again; beyond, one record asks the next sync to read everything. */
  maxDeferred: number;
}

/** Default: 60 deliveries a minute. Cal.com's API allows 120 requests a minute per key. */
export const WEBHOOK_MAX_DELIVERIES_PER_MINUTE = 60;
/** Default: 10 MiB of bodies a day, some 2,000 to 3,000 booking deliveries of 3 to 5 KB each. */
export const WEBHOOK_MAX_BYTES_PER_DAY = 10 * 1024 * 1024;
/** Default: 1,000 booking uids waiting to be read again. */
export const WEBHOOK_MAX_DEFERRED = 1_000;

/** The default quota. */
export const DEFAULT_WEBHOOK_QUOTA: Readonly<WebhookQuota> = {
  maxPerMinute: WEBHOOK_MAX_DELIVERIES_PER_MINUTE,
  maxBytesPerDay: WEBHOOK_MAX_BYTES_PER_DAY,
  maxDeferred: WEBHOOK_MAX_DEFERRED,
};
