/**
 * Writes to `public.calcom_bookings`, shared by the sync (API pages) and the webhook function.
 *
 * Every write is keyed by `(calcom_connection_id, booking_uid)`, so one connection can never touch
 * another's rows, and is order-guarded by `source_updated_at`, Cal.com's time of the state a row holds
 * (never the database clock). The merge rules:
 *
 * - **State** (status, times, title, attendees, location, reasons, metadata, raw…) is replaced only by a
 *   write whose source time is the same or newer and whose content hash (`source_hash`) differs. An older
 *   write never overwrites it; an identical one writes nothing, however new: a row with the stored content
 *   hash takes the stored source time (trigger `calcom_bookings_keep_source_time_of_unchanged_state`), since
 *   an API read's source time is the time of the read and every sync is newer than the last (see
 *   docs/decisions.md, "One clock"). Columns a source may not know (`null` in
 *   the row: event type title, organizer, absent host…) keep their value.
 * - **Links that never change** once known (`rescheduled_from_uid`, `rescheduled_to_uid`, `ical_uid`,
 *   `calcom_created_at`) are filled in by any write, even an older one, but never replaced by it.
 * - **Attendee `absent` flags**: a state write whose attendee has no `absent` key (webhook payloads do not
 *   say) keeps the flag the row holds for that email.
 * - **How the key's user relates to the booking** (`key_relation`, `key_relation.ts`): a newer state that
 *   knows it replaces it; any write fills it in on a row that has none; a write that does not know it
 *   (null) keeps it.
 * - **An action's answer** (a change made through the booking action routes) is stored with its hash
 *   marked `action:`. The webhook Cal.com sends for the same change, or a sync page, describing the same
 *   state (status, times, title, reasons, attendees) within ten minutes does not replace it, so the
 *   mirror does not switch to another source's spelling of the same booking (the trigger
 *   `calcom_absorb_action_echo`, for every writer).
 * - **Facts** (meeting started/ended, recording links, no-show flags from no-show events) do not conflict
 *   with the state: {@linkcode mergeBookingFacts} merges them whatever their time, without moving
 *   `source_updated_at`.
 *
 * @module
 */
import { type BookingRow, BookingRowSchema, type BookingStatus } from "./booking_row.ts";
import { BOOKING_ROW_COLUMNS } from "./booking_columns.ts";
import type { Tx } from "../platform/db.ts";
import { toJsonbText } from "./jsonb_text.ts";
import { sha256Hex } from "../platform/sha256.ts";

/** What a batch upsert did, per row of the (deduplicated) batch. */
export interface UpsertResult {
  /** New rows. */
  created: number;
  /** Existing rows whose state changed. */
  updated: number;
  /** Rows left as they were: older than the stored state, or identical to it. */
  skipped: number;
}

/** Who the rows belong to: the connection and its owner (checked against each other in the statement). */
export interface BookingOwner {
  userId: string;
  connectionId: string;
}

/** Thrown when the user does not own the connection; nothing was written. */
export class BookingOwnerError extends Error {
  constructor(owner: BookingOwner) {
    super(`Cannot write bookings: connection ${owner.connectionId} does not belong to user ${owner.userId}`);
    this.name = "BookingOwnerError";
  }
}

/** The columns a write of a source row sets: the row's own and its content hash. */
const INSERT_COLUMNS: readonly string[] = [...BOOKING_ROW_COLUMNS, "source_hash"];

/**
 * Columns that are `not null` with a default: the insert stores the default for "not given" (the
 * status insert below; `calcom_upsert_bookings` does the same).
 */
const DEFAULTED: Record<string, string> = { metadata: "'{}'::jsonb", absent_host: "false" };

/** A column of the recordset `r` as inserted. */
function insertValue(column: string): string {
  return column in DEFAULTED ? `coalesce(r.${column}, ${DEFAULTED[column]})` : `r.${column}`;
}

/** The batch as rows of the table's own type (the types are the table's; a missing key is null). */
const RECORDSET = "jsonb_populate_recordset(null::public.calcom_bookings, $3::text::jsonb) as r";

/**
 * The batch upsert is the SQL function `public.calcom_upsert_bookings` (latest definition in migration
 * 20261204600001): its statement costs ~2 ms to plan and ~0.4 ms to run, and sent as text it would be
 * planned on every call (no prepared statements through Supabase's transaction pooler), while PL/pgSQL
 * keeps its plan for the session. It reads the hashes the rows hold before the write, so the counts tell
 * a changed row from a skipped one; `owned` is 0 when the user does not own the connection.
 */
const UPSERT_SQL = "select * from public.calcom_upsert_bookings($1::uuid, $2::uuid, $3::text::jsonb)";

/**
 * SHA-256 (hex) of a row's content, its source time left out: see the `source_hash` column. Key order
 * is the mapper's and the source's own, both stable for the same source object; a source that reorders
 * its keys costs one needless rewrite, not a wrong skip.
 */
function bookingSourceHash(row: BookingRow): string {
  const { source_updated_at: _, ...content } = row;
  return sha256Hex(JSON.stringify(content));
}

/**
 * The order every writer takes booking rows in within one transaction: by uid, in the byte order
 * `calcom_upsert_bookings` sorts its batch in (`collate "C"`; uids are ASCII, where that order and
 * JavaScript's agree). Two transactions taking their rows in one order never wait for each other in a
 * cycle, so a sync's page and a webhook's writes cannot deadlock.
 */
export function compareBookingUids(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps one row per uid: the newest source time, the later one in the batch on a tie. */
export function dedupeBookingRows(rows: readonly BookingRow[]): BookingRow[] {
  const byUid = new Map<string, BookingRow>();
  for (const row of rows) {
    const seen = byUid.get(row.booking_uid);
    if (!seen || Date.parse(row.source_updated_at) >= Date.parse(seen.source_updated_at)) {
      byUid.set(row.booking_uid, row);
    }
  }
  return [...byUid.values()];
}

/**
 * The batch `public.calcom_upsert_bookings` takes, as JSON text: each row validated against
 * {@linkcode BookingRowSchema} and given its content hash. Rows must be deduplicated by uid first
 * ({@linkcode dedupeBookingRows}).
 *
 * @throws {z.ZodError} when a row does not match the schema
 */
export function bookingRecordsJson(rows: readonly BookingRow[], hashPrefix = ""): string {
  return toJsonbText(rows.map((row) => {
    const valid = BookingRowSchema.parse(row);
    return { ...valid, raw: valid.raw ?? null, source_hash: hashPrefix + bookingSourceHash(valid) };
  }));
}

/** The mark of a row written from a booking action's answer (see the module doc). */
export const ACTION_HASH_PREFIX = "action:";

/**
 * Upserts a batch of booking rows in ONE statement (a page of 250 is one round trip), order-guarded as
 * described in the module doc. Rows are deduplicated by uid first (newest wins), and the counts refer to
 * the deduplicated batch.
 *
 * @throws {BookingOwnerError} when `userId` does not own `connectionId` (nothing is written)
 * @throws {z.ZodError} when a row does not match {@linkcode BookingRowSchema}
 */
export async function upsertBookings(
  tx: Tx,
  { userId, connectionId, rows, fromAction = false }: BookingOwner & {
    rows: readonly BookingRow[];
    /** The rows are Cal.com's answer to a booking action (their echo is absorbed, see the module doc). */
    fromAction?: boolean;
  },
): Promise<UpsertResult> {
  const unique = dedupeBookingRows(rows);
  if (unique.length === 0) return { created: 0, updated: 0, skipped: 0 };
  const [result] = await tx.unsafe<{ owned: number; created: number; updated: number }[]>(
    UPSERT_SQL,
    [userId, connectionId, bookingRecordsJson(unique, fromAction ? ACTION_HASH_PREFIX : "")],
  );
  if (result.owned === 0) throw new BookingOwnerError({ userId, connectionId });
  return {
    created: result.created,
    updated: result.updated,
    skipped: unique.length - result.created - result.updated,
  };
}

/** A status change of a booking the event does not fully describe (the old booking of a reschedule). */
export interface BookingStatusChange {
  uid: string;
  status: BookingStatus;
  /** Cal.com's time of the change: the guard, as for full states. */
  sourceUpdatedAt: string;
  cancellationReason?: string | null;
  rejectionReason?: string | null;
  rescheduledToUid?: string | null;
  /**
   * The row to create when the booking was never seen (its status, reasons and link are taken from the
   * change). Without it, an unknown booking is left alone.
   */
  insertRow?: BookingRow;
}

/** What a status change did. */
export type StatusChangeResult = "created" | "updated" | "skipped" | "missing";

const STATUS_NEWER = `(excluded.source_updated_at > t.source_updated_at
  or (excluded.source_updated_at = t.source_updated_at and (
    excluded.status,
    coalesce(excluded.cancellation_reason, t.cancellation_reason),
    coalesce(excluded.rejection_reason, t.rejection_reason),
    coalesce(excluded.rescheduled_to_uid, t.rescheduled_to_uid)
  ) is distinct from (t.status, t.cancellation_reason, t.rejection_reason, t.rescheduled_to_uid)))`;

/**
 * Only the status columns move; the row's content no longer is one source state, so its hash goes, or
 * becomes `hash` (an action's mark). `hash` is an SQL expression.
 */
function statusSet(hash: string): string {
  return `
  status = case when ${STATUS_NEWER} then excluded.status else t.status end,
  cancellation_reason = case when ${STATUS_NEWER}
    then coalesce(excluded.cancellation_reason, t.cancellation_reason) else t.cancellation_reason end,
  rejection_reason = case when ${STATUS_NEWER}
    then coalesce(excluded.rejection_reason, t.rejection_reason) else t.rejection_reason end,
  rescheduled_to_uid = case when ${STATUS_NEWER} then coalesce(excluded.rescheduled_to_uid, t.rescheduled_to_uid)
    else coalesce(t.rescheduled_to_uid, excluded.rescheduled_to_uid) end,
  source_updated_at = case when ${STATUS_NEWER} then excluded.source_updated_at else t.source_updated_at end,
  source_hash = case when ${STATUS_NEWER} then ${hash} else t.source_hash end`;
}

const STATUS_WHERE =
  `${STATUS_NEWER} or (t.rescheduled_to_uid is null and excluded.rescheduled_to_uid is not null)`;

const STATUS_INSERT_SQL = `
with owner as (
  select c.id, c.user_id from public.calcom_connections c where c.id = $2::uuid and c.user_id = $1::uuid
)
insert into public.calcom_bookings as t (user_id, calcom_connection_id, ${INSERT_COLUMNS.join(", ")})
select owner.user_id, owner.id, ${INSERT_COLUMNS.map(insertValue).join(", ")}
from ${RECORDSET} cross join owner
on conflict (calcom_connection_id, booking_uid) do update set ${statusSet("$4::text")}
where ${STATUS_WHERE}
returning (t.xmax = 0) as inserted`;

const STATUS_UPDATE_SQL = `
update public.calcom_bookings as t set ${statusSet("$8::text")}
from (values ($3::text, $4::text, $5::text, $6::text, $7::timestamptz))
  as excluded (status, cancellation_reason, rejection_reason, rescheduled_to_uid, source_updated_at)
where t.calcom_connection_id = $1::uuid and t.booking_uid = $2::text and (${STATUS_WHERE})
returning false as inserted`;

/** The hash a status change of an action leaves: a mark, since the row is no one source state. */
const ACTION_STATUS_HASH = `${ACTION_HASH_PREFIX}status`;

/**
 * Applies a status change, order-guarded like a full state: only the status, the reasons and
 * `rescheduled_to_uid` move (the link is filled in even by an older change). Creates the booking from
 * `insertRow` when it was never seen.
 *
 * @throws {BookingOwnerError} when creating and `userId` does not own `connectionId`
 */
export async function upsertBookingStatus(
  tx: Tx,
  { userId, connectionId, change, fromAction = false }: BookingOwner & {
    change: BookingStatusChange;
    /** The change is Cal.com's answer to a booking action (its echo is absorbed, see the module doc). */
    fromAction?: boolean;
  },
): Promise<StatusChangeResult> {
  const hash = fromAction ? ACTION_STATUS_HASH : null;
  const fields = {
    status: change.status,
    cancellation_reason: change.cancellationReason ?? null,
    rejection_reason: change.rejectionReason ?? null,
    rescheduled_to_uid: change.rescheduledToUid ?? null,
    source_updated_at: change.sourceUpdatedAt,
  };
  if (change.insertRow) {
    const row = { ...change.insertRow, ...fields, booking_uid: change.uid };
    const owned =
      await tx`select 1 from public.calcom_connections where id = ${connectionId} and user_id = ${userId}`;
    if (owned.length === 0) throw new BookingOwnerError({ userId, connectionId });
    const rows = await tx.unsafe<{ inserted: boolean }[]>(STATUS_INSERT_SQL, [
      userId,
      connectionId,
      bookingRecordsJson([row]),
      hash,
    ]);
    return rows.length === 0 ? "skipped" : rows[0].inserted ? "created" : "updated";
  }
  const rows = await tx.unsafe<{ inserted: boolean }[]>(STATUS_UPDATE_SQL, [
    connectionId,
    change.uid,
    fields.status,
    fields.cancellation_reason,
    fields.rejection_reason,
    fields.rescheduled_to_uid,
    fields.source_updated_at,
    hash,
  ]);
  if (rows.length > 0) return "updated";
  const [exists] = await tx`
    select 1 from public.calcom_bookings where calcom_connection_id = ${connectionId} and booking_uid = ${change.uid}`;
  return exists ? "skipped" : "missing";
}

/** Facts that merge into a booking whatever their time (see the module doc). */
export interface BookingFacts {
  meetingStartedAt?: string | null;
  meetingEndedAt?: string | null;
  /** Merged key by key into `recording_links` (`recording`, `transcription`…). */
  recordingLinks?: Record<string, unknown> | null;
  absentHost?: boolean | null;
  /** `absent` flags set on the attendees with these emails (case-insensitive); others are untouched. */
  attendeeAbsences?: { email: string; absent: boolean }[] | null;
  /** `attendeeAbsences` leave the attendee who is the booking's organizer (a host) untouched. */
  exceptOrganizer?: boolean;
  /**
   * A host did not join: `absent_host` becomes true when `email` is the organizer's (or the organizer's
   * email is unknown); another host's absence is only an attendee's, through `attendeeAbsences`.
   */
  hostAbsence?: { email: string } | null;
}

/** What merging facts found. */
export interface FactsResult {
  /** Whether the booking exists for this connection. */
  found: boolean;
  /** Whether anything changed (an identical fact writes nothing). */
  changed: boolean;
}

const FACTS_SQL = `
with target as (
  select t.id,
    coalesce($3::timestamptz, t.meeting_started_at) as meeting_started_at,
    coalesce($4::timestamptz, t.meeting_ended_at) as meeting_ended_at,
    case when $5::text::jsonb is null then t.recording_links
      else coalesce(t.recording_links, '{}'::jsonb) || $5::text::jsonb end as recording_links,
    coalesce($6::boolean,
      case when $9::text is not null and (t.organizer_email is null or lower(t.organizer_email) = lower($9::text))
        then true end,
      t.absent_host) as absent_host,
    case when $7::text::jsonb is null then t.attendees else (
      select coalesce(jsonb_agg(case when f.absent is null then a.v
        else a.v || jsonb_build_object('absent', f.absent) end order by a.i), '[]'::jsonb)
      from jsonb_array_elements(t.attendees) with ordinality as a(v, i)
      left join lateral (
        select (x ->> 'absent')::boolean as absent
        from jsonb_array_elements($7::text::jsonb) as x
        where lower(x ->> 'email') = lower(a.v ->> 'email')
          and not ($8::boolean and lower(a.v ->> 'email') = lower(coalesce(t.organizer_email, '')))
        limit 1
      ) f on true
    ) end as attendees
  from public.calcom_bookings t
  where t.calcom_connection_id = $1::uuid and t.booking_uid = $2::text
  for update
),
changed as (
  update public.calcom_bookings b set
    meeting_started_at = target.meeting_started_at,
    meeting_ended_at = target.meeting_ended_at,
    recording_links = target.recording_links,
    absent_host = target.absent_host,
    attendees = target.attendees
  from target
  where b.id = target.id
    and (b.meeting_started_at, b.meeting_ended_at, b.recording_links, b.absent_host, b.attendees)
      is distinct from
      (target.meeting_started_at, target.meeting_ended_at, target.recording_links, target.absent_host,
       target.attendees)
  returning b.id
)
select (select count(*) from target)::int as found, (select count(*) from changed)::int as changed`;

/**
 * Merges facts into a booking of this connection, whatever their source time, without moving
 * `source_updated_at`. A booking not mirrored yet is reported as not found.
 */
export async function mergeBookingFacts(
  tx: Tx,
  { connectionId, uid, facts }: { connectionId: string; uid: string; facts: BookingFacts },
): Promise<FactsResult> {
  const [result] = await tx.unsafe<{ found: number; changed: number }[]>(FACTS_SQL, [
    connectionId,
    uid,
    facts.meetingStartedAt ?? null,
    facts.meetingEndedAt ?? null,
    facts.recordingLinks ? toJsonbText(facts.recordingLinks) : null,
    facts.absentHost ?? null,
    facts.attendeeAbsences ? JSON.stringify(facts.attendeeAbsences) : null,
    facts.exceptOrganizer ?? false,
    facts.hostAbsence?.email ?? null,
  ]);
  return { found: result.found > 0, changed: result.changed > 0 };
}

/** The uid of this connection's booking with Cal.com id `bookingId`, if it is mirrored. */
export async function findBookingUid(
  tx: Tx,
  { connectionId, bookingId }: { connectionId: string; bookingId: number },
): Promise<string | undefined> {
  const [row] = await tx<{ booking_uid: string }[]>`
    select booking_uid from public.calcom_bookings
    where calcom_connection_id = ${connectionId} and booking_id = ${bookingId}
    limit 1`;
  return row?.booking_uid;
}
