/**
 * The webhook event log (`public.calcom_webhook_events`): every delivery a connection received, verified
 * ones deduplicated by the SHA-256 of their exact body, unverified ones bounded per connection and hour.
 *
 * @module
 */
import type { Tx } from "./db.ts";
import { jsonbSafe, textSafe } from "./jsonb_text.ts";

/** SHA-256 (hex) of the exact body bytes: the dedupe key of a verified delivery. */
export async function webhookDedupeKey(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", body);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
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
}

/**
 * Logs an unverified delivery unless the connection already logged `maxPerHour` of them in the hour
 * before `receivedAt`: the count and the insert are one statement, serialised per connection by a
 * transaction-level advisory lock, so a flood of forged requests cannot grow the table past the bound.
 *
 * @returns whether the event was logged
 */
export async function logUnverifiedEvent(tx: Tx, event: UnverifiedEvent): Promise<boolean> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`calcom-webhook-unverified:${event.connectionId}`}, 0))`;
  const rows = await tx`
    insert into public.calcom_webhook_events
      (user_id, calcom_connection_id, verified, verification_error, processed, received_at)
    select ${event.userId}, ${event.connectionId}, false, ${event.reason}, false, ${event.receivedAt}
    where (
      select count(*) from public.calcom_webhook_events
      where calcom_connection_id = ${event.connectionId}
        and not verified
        and received_at > ${event.receivedAt}::timestamptz - interval '1 hour'
    ) < ${event.maxPerHour}
    returning id`;
  return rows.length > 0;
}

/** A verified delivery as logged. */
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
  errorMessage?: string | null;
  receivedAt: Date;
}

/**
 * Logs a verified delivery, unprocessed, unless this connection already has one with the same body:
 * `on conflict do nothing` on (connection, dedupe key). A concurrent identical delivery waits on the
 * first one's transaction and then finds the conflict, so only one of them is ever applied.
 *
 * @returns the new event's id, or null for a duplicate
 */
export async function insertVerifiedEvent(tx: Tx, event: VerifiedEvent): Promise<string | null> {
  // public.calcom_insert_verified_event: the same insert, planned once per session
  const [row] = await tx<{ id: string | null }[]>`
    select public.calcom_insert_verified_event(${event.userId}, ${event.connectionId}, ${event.dedupeKey},
      ${event.trigger}, ${event.bookingUid},
      ${event.payloadJson === null ? null : jsonbSafe(event.payloadJson)},
      ${event.rawBody === null ? null : textSafe(event.rawBody)}, ${event.errorMessage ?? null},
      ${event.receivedAt}) as id`;
  return row?.id ?? null;
}

/** What the log holds about an earlier delivery of the same body. */
export interface LoggedEvent {
  id: string;
  trigger: string | null;
  processed: boolean;
}

/** Finds the event a duplicate delivery matches. */
export async function findEventByDedupeKey(
  tx: Tx,
  connectionId: string,
  dedupeKey: string,
): Promise<LoggedEvent | null> {
  const [row] = await tx<{ id: string; trigger_event: string | null; processed: boolean }[]>`
    select id, trigger_event, processed from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} and dedupe_key = ${dedupeKey}`;
  return row ? { id: row.id, trigger: row.trigger_event, processed: row.processed } : null;
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
  // public.calcom_record_event_outcome: the same update, planned once per session
  await tx`
    select public.calcom_record_event_outcome(${eventId}, ${outcome.processed},
      ${outcome.error === null ? null : textSafe(outcome.error)}, ${outcome.at}, ${
    outcome.bookingUid ?? null
  },
      ${outcome.isRetry ?? false})`;
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
