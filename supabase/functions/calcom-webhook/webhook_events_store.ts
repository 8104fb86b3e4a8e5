/**
 * The webhook event log (`public.calcom_webhook_events`): every delivery a connection received, verified
 * ones deduplicated by the SHA-256 of their exact body, unverified ones bounded per connection and hour.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import { type InlineSql, inlineSql } from "../_shared/platform/inline_sql.ts";
import { jsonbSafe, textSafe } from "../_shared/bookings/jsonb_text.ts";
import { sha256Hex } from "../_shared/platform/sha256.ts";
import type { WebhookQuota } from "./webhook_quota.ts";

/** SHA-256 (hex) of the exact body bytes: the dedupe key of a verified delivery. */
export function webhookDedupeKey(body: Uint8Array): string {
  return sha256Hex(body);
}

/** An unverified delivery: only the fact, the reason and the time are kept, never the body. */
export interface UnverifiedEvent {
  connectionId: string;
  userId: string;
  /** Why verification failed (a `SignatureFailureReason` or another short code): never a secret. */
  reason: string;
  receivedAt: Date;
  /** How many unverified events a connection keeps per rolling hour; later ones are not logged. */
  maxPerHour: number;
  /** The webhook secret ciphertext the delivery was checked against. */
  verifiedWith: string;
}

/**
 * What became of an unverified delivery: logged, not logged because the hourly bound is reached, not
 * logged because the connection's secret is no longer the one it was checked against (check it again),
 * or not logged because the connection is gone.
 */
export type UnverifiedOutcome = "logged" | "bounded" | "secret_changed" | "gone";

/**
 * Logs an unverified delivery unless the connection already logged `maxPerHour` of them in the hour
 * before `receivedAt`, in one statement (`public.calcom_log_unverified_event`): it counts and inserts under
 * a transaction-level advisory lock per connection, so a flood of forged requests cannot grow the table
 * past the bound, and first checks that the connection still has the secret the delivery was checked
 * against, so a connection kept in memory never turns a rotated secret into a refusal.
 */
export async function logUnverifiedEvent(tx: Tx, event: UnverifiedEvent): Promise<UnverifiedOutcome> {
  return unverifiedOutcome(await tx.unsafe(logUnverifiedStatement(event).text));
}

/**
 * The statement of {@linkcode logUnverifiedEvent}, without parameters (`inline_sql.ts`), for
 * `Db.asServiceOnce`; read its rows with {@linkcode unverifiedOutcome}.
 */
export function logUnverifiedStatement(event: UnverifiedEvent): InlineSql {
  return inlineSql`
    select public.calcom_log_unverified_event(${event.userId}::uuid, ${event.connectionId}::uuid,
      ${event.reason}::text, ${event.receivedAt}::timestamptz, ${event.maxPerHour}::int,
      ${event.verifiedWith}::text) as outcome`;
}

/** What {@linkcode logUnverifiedStatement}'s rows say. */
export function unverifiedOutcome(rows: readonly Record<string, unknown>[]): UnverifiedOutcome {
  return (rows[0] as { outcome: UnverifiedOutcome }).outcome;
}

/** A verified delivery as logged, with what processing it decided. */
export interface VerifiedEvent {
  connectionId: string;
  userId: string;
  dedupeKey: string;
  trigger: string | null;
  bookingUid: string | null;
  /** The body as JSON text when it parsed, stored as `payload`. */
  payloadJson: string | null;
  /** The body text when it did not parse, kept so the event can be replayed after a fix. */
  rawBody: string | null;
  receivedAt: Date;
  /** The webhook secret ciphertext the delivery verified against. */
  verifiedWith: string;
  /** Whether the connection was active when the event's outcome was decided. */
  connectionActive: boolean;
  /** The connection's quota: beyond it only a compact record is kept (`webhook_quota.ts`). */
  quota: WebhookQuota;
  /** Whether the event is processed once this call commits (default false: processed later, or never). */
  processed?: boolean;
  /** Why it is not processed. */
  errorMessage?: string | null;
  /** When it was processed (with `processed`). */
  processedAt?: Date | null;
  /**
   * Booking rows to upsert in the same statement (`bookingRecordsJson`), for an event whose writes are all
   * upserts; the event is only logged processed if they are written (a failure aborts the transaction).
   */
  bookingsJson?: string | null;
}

/** What logging a verified delivery found. */
export interface LoggedEvent {
  /** The event's id; null only when a duplicate's first event was deleted in the meantime. */
  id: string | null;
  /** The body was logged already for this connection: nothing was written. */
  duplicate: boolean;
  /** Whether the (first) event is processed. */
  processed: boolean;
  trigger: string | null;
  /**
   * Nothing was written: the connection's secret or active flag is no longer the one the delivery was
   * checked and decided with. Read the connection again and start over.
   */
  connectionChanged: boolean;
  /**
   * Nothing was logged or applied: the delivery is beyond the connection's quota, and only the booking
   * uid was kept for the next sync to read again.
   */
  deferred: boolean;
}

/**
 * Logs a verified delivery with its outcome, and applies its booking upserts, in ONE statement
 * (`public.calcom_log_webhook_event`), unless this connection already has an event with the same body:
 * `on conflict do nothing` on (connection, dedupe key). A concurrent identical delivery waits on the first
 * one's transaction and then finds the conflict, so only one of them is ever applied; a duplicate answers
 * what the first one's event holds. The same statement first checks that the connection still holds
 * `verifiedWith` and `connectionActive`, so a connection kept in memory never outlives a new secret or a
 * pause (nothing is written then, and `connectionChanged` says so). A new body beyond the connection's
 * quota is not logged either: only its trigger and booking uid are kept, and `deferred` says so.
 */
export async function logWebhookEvent(tx: Tx, event: VerifiedEvent): Promise<LoggedEvent> {
  return loggedEvent(event, await tx.unsafe(logWebhookStatement(event).text));
}

/**
 * The statement of {@linkcode logWebhookEvent}, without parameters (`inline_sql.ts`), for
 * `Db.asServiceOnce` when it is the transaction's only statement; read its rows with
 * {@linkcode loggedEvent}.
 */
export function logWebhookStatement(event: VerifiedEvent): InlineSql {
  return inlineSql`
    select * from public.calcom_log_webhook_event(${event.userId}::uuid, ${event.connectionId}::uuid,
      ${event.dedupeKey}::text, ${event.trigger === null ? null : textSafe(event.trigger)}::text,
      ${event.bookingUid === null ? null : textSafe(event.bookingUid)}::text,
      ${event.payloadJson === null ? null : jsonbSafe(event.payloadJson)}::text,
      ${event.rawBody === null ? null : textSafe(event.rawBody)}::text, ${event.processed ?? false}::boolean,
      ${event.errorMessage == null ? null : textSafe(event.errorMessage)}::text,
      ${event.receivedAt}::timestamptz, ${event.processedAt ?? null}::timestamptz,
      ${event.bookingsJson ?? null}::text::jsonb, ${event.verifiedWith}::text,
      ${event.connectionActive}::boolean, ${event.quota.maxPerMinute}::int,
      ${event.quota.maxBytesPerDay}::bigint, ${event.quota.maxDeferred}::int)`;
}

/** What {@linkcode logWebhookStatement}'s rows say about `event`. */
export function loggedEvent(event: VerifiedEvent, rows: readonly Record<string, unknown>[]): LoggedEvent {
  const row = rows[0] as {
    event_id: string | null;
    duplicate: boolean;
    processed: boolean;
    trigger_event: string | null;
    connection_changed: boolean;
    deferred: boolean;
  } | undefined;
  if (!row) {
    return {
      id: null,
      duplicate: true,
      processed: false,
      trigger: event.trigger,
      connectionChanged: false,
      deferred: false,
    };
  }
  return {
    id: row.event_id,
    duplicate: row.duplicate,
    processed: row.processed,
    trigger: row.trigger_event,
    connectionChanged: row.connection_changed,
    deferred: row.deferred,
  };
}

/** The result of processing an event. */
export interface EventOutcome {
  processed: boolean;
  /** Why it was not processed (stored, shown to the owner); null when processed. */
  error: string | null;
  /** The booking the event was about, when known. */
  bookingUid?: string | null;
}

/**
 * Records the outcome of processing an event. `processed_at` is set when it was processed; a replay
 * also counts an attempt.
 */
export async function recordEventOutcome(
  tx: Tx,
  eventId: string,
  outcome: EventOutcome & { at: Date; isRetry?: boolean },
): Promise<void> {
  const error = outcome.error === null ? null : textSafe(outcome.error);
  // public.calcom_record_event_outcome: the same update, planned once per session
  await tx`
    select public.calcom_record_event_outcome(${eventId}, ${outcome.processed}, ${error}, ${outcome.at},
      ${outcome.bookingUid ?? null}, ${outcome.isRetry ?? false})`;
}

/** Counts a connection's verified events still waiting to be processed. */
export async function countReplayableEvents(tx: Tx, connectionId: string): Promise<number> {
  const [{ count }] = await tx<{ count: number }[]>`
    select count(*)::int as count from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} and verified and not processed`;
  return count;
}

/** The ids of a connection's verified, unprocessed events, in the order they were received. */
export async function listReplayableEventIds(tx: Tx, connectionId: string, limit: number): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} and verified and not processed
    order by received_at, created_at, id
    limit ${limit}`;
  return rows.map((r) => r.id);
}

/** An event taken for a replay. */
export interface ReplayableEvent {
  id: string;
  trigger: string | null;
  payload: unknown;
  rawBody: string | null;
}

/**
 * Locks one event for a replay in this transaction; null when it is processed by now, or locked by a
 * concurrent replay (which then owns it).
 */
export async function lockReplayableEvent(
  tx: Tx,
  connectionId: string,
  eventId: string,
): Promise<ReplayableEvent | null> {
  const [row] = await tx<
    { id: string; trigger_event: string | null; payload: unknown; raw_body: string | null }[]
  >`
    select id, trigger_event, payload, raw_body from public.calcom_webhook_events
    where id = ${eventId} and calcom_connection_id = ${connectionId} and verified and not processed
    for update skip locked`;
  return row ? { id: row.id, trigger: row.trigger_event, payload: row.payload, rawBody: row.raw_body } : null;
}
