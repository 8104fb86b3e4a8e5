/**
 * The stored bookings read (`GET ?fromDb=true`): the caller's own rows under RLS, filtered, in
 * (start_time, id) order with keyset pagination and an opaque cursor, in the camelCase shape
 * documented in docs/api.md. A page is bounded by rows (`limit`) and by bytes
 * ({@linkcode READ_PAGE_MAX_BYTES}), and the bytes are counted in SQL, so the function never receives
 * much more than the budget.
 *
 * @module
 */
import { z } from "zod";
import { BOOKING_COLUMNS, type BookingColumn } from "../_shared/bookings/booking_columns.ts";
import type { Tx } from "../_shared/platform/db.ts";
import { inlineColumns, inlineSql } from "../_shared/platform/inline_sql.ts";
import { BOOKING_STATUSES } from "../_shared/bookings/booking_row.ts";
import { KEY_RELATIONS, type KeyRelation } from "../_shared/bookings/key_relation.ts";
import { isStorableInstant } from "./sync_request.ts";

/**
 * Serialized size a page stops growing at: rows are added while the rows before them come to less than
 * this, so a page is at most the budget plus one row (a row is bounded by the caps of `booking_caps.ts`,
 * ~0.5 MB), and always holds at least one row.
 */
export const READ_PAGE_MAX_BYTES = 4 * 1024 * 1024;

/** Where the next page starts: the last row's start time (microseconds, UTC) and id. */
export interface BookingCursor {
  startTime: string;
  id: string;
}

const CursorSchema = z.object({
  // a real calendar time in the years Postgres reads back, or the keyset cast would fail with a 500
  s: z.iso.datetime({ precision: 6 }).refine(isStorableInstant),
  i: z.uuid(),
});

/** Encodes a cursor as base64url JSON: opaque to clients, who only hand it back. */
export function encodeCursor(cursor: BookingCursor): string {
  const json = JSON.stringify({ s: cursor.startTime, i: cursor.id });
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes a cursor; undefined when it is not one this function made. */
export function decodeCursor(text: string): BookingCursor | undefined {
  try {
    const normal = text.replaceAll("-", "+").replaceAll("_", "/");
    const json = JSON.parse(atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, "=")));
    const parsed = CursorSchema.safeParse(json);
    return parsed.success ? { startTime: parsed.data.s, id: parsed.data.i } : undefined;
  } catch {
    return undefined;
  }
}

/** What to read. */
export interface BookingsFilter {
  userId: string;
  connectionId?: string;
  /** Stored statuses (uppercase). */
  status?: string[];
  /** start_time ≥ (ISO). */
  afterStart?: string;
  /** end_time ≤ (ISO). */
  beforeEnd?: string;
  /** How the key's user relates to the booking; a row whose relation is not known matches none. */
  relation?: KeyRelation[];
  limit: number;
  after?: BookingCursor;
  /** Byte budget of the page; default {@linkcode READ_PAGE_MAX_BYTES}. */
  maxBytes?: number;
}

const isoTime = z.iso.datetime();

/** A booking as the API returns it (docs/openapi.json is generated from this schema). */
export const BookingViewSchema = z.object({
  id: z.uuid(),
  connectionId: z.uuid(),
  bookingId: z.int(),
  uid: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(BOOKING_STATUSES),
  startTime: isoTime,
  endTime: isoTime,
  eventType: z.object({ id: z.int().nullable(), slug: z.string().nullable(), title: z.string().nullable() }),
  organizer: z.object({
    id: z.int().nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    username: z.string().nullable(),
    timeZone: z.string().nullable(),
  }),
  /** `{name, email, timeZone, language, phoneNumber, absent?}` each, as Cal.com gave them. */
  attendees: z.array(z.unknown()),
  location: z.string().nullable(),
  meetingUrl: z.string().nullable(),
  customInputs: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.unknown()),
  rescheduledFromUid: z.string().nullable(),
  rescheduledToUid: z.string().nullable(),
  cancellationReason: z.string().nullable(),
  rejectionReason: z.string().nullable(),
  icalUid: z.string().nullable(),
  recurringBookingUid: z.string().nullable(),
  absentHost: z.boolean(),
  meetingStartedAt: isoTime.nullable(),
  meetingEndedAt: isoTime.nullable(),
  recordingLinks: z.unknown(),
  calcomCreatedAt: isoTime.nullable(),
  sourceUpdatedAt: isoTime,
  /** Fields stored shortened or left out by their size cap; empty when none was. */
  truncatedFields: z.array(z.string()),
  /** How the connection's Cal.com user relates to the booking; null while not known. */
  keyRelation: z.enum(KEY_RELATIONS).nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
}).meta({ id: "BookingView" });

/** A booking as the API returns it. */
export type BookingView = z.infer<typeof BookingViewSchema>;

interface BookingRecord {
  id: string;
  calcom_connection_id: string;
  booking_id: number;
  booking_uid: string;
  title: string;
  description: string | null;
  status: string;
  start_time: Date;
  end_time: Date;
  event_type_id: number | null;
  event_type_slug: string | null;
  event_type_title: string | null;
  organizer_id: number | null;
  organizer_name: string | null;
  organizer_email: string | null;
  organizer_username: string | null;
  organizer_timezone: string | null;
  attendees: unknown[];
  location: string | null;
  meeting_url: string | null;
  custom_inputs: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  rescheduled_from_uid: string | null;
  rescheduled_to_uid: string | null;
  cancellation_reason: string | null;
  rejection_reason: string | null;
  ical_uid: string | null;
  recurring_booking_uid: string | null;
  absent_host: boolean;
  meeting_started_at: Date | null;
  meeting_ended_at: Date | null;
  recording_links: unknown;
  calcom_created_at: Date | null;
  source_updated_at: Date;
  truncated_fields: string[] | null;
  key_relation: KeyRelation | null;
  created_at: Date;
  updated_at: Date;
  start_key: string;
  candidates: number;
}

/**
 * The columns the read leaves out: the owner (RLS already decides whose rows they are), the source
 * object, its hash and the seat changes applied (internal).
 */
const UNREAD_COLUMNS = ["user_id", "raw", "source_hash", "seat_changes"] as const;

type ReadColumn = Exclude<BookingColumn, typeof UNREAD_COLUMNS[number]>;

/** The columns read: every column of the table but {@linkcode UNREAD_COLUMNS}. */
const READ_COLUMNS = BOOKING_COLUMNS.filter((c): c is ReadColumn =>
  !(UNREAD_COLUMNS as readonly string[]).includes(c)
);

// A column added to the table is read, so it needs a type in BookingRecord (or a place in
// UNREAD_COLUMNS): this fails to compile until it has one, and BookingRecord reads nothing else.
type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;
const _everyReadColumnTyped: Same<ReadColumn, Exclude<keyof BookingRecord, "start_key" | "candidates">> =
  true;

const READ_LIST_OF_B = inlineColumns(READ_COLUMNS, "b");

const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

/** The API shape of a stored booking. */
export function toBookingView(r: Omit<BookingRecord, "start_key" | "candidates">): BookingView {
  return {
    id: r.id,
    connectionId: r.calcom_connection_id,
    bookingId: r.booking_id,
    uid: r.booking_uid,
    title: r.title,
    description: r.description,
    status: r.status as BookingView["status"],
    startTime: r.start_time.toISOString(),
    endTime: r.end_time.toISOString(),
    eventType: { id: r.event_type_id, slug: r.event_type_slug, title: r.event_type_title },
    organizer: {
      id: r.organizer_id,
      name: r.organizer_name,
      email: r.organizer_email,
      username: r.organizer_username,
      timeZone: r.organizer_timezone,
    },
    attendees: r.attendees,
    location: r.location,
    meetingUrl: r.meeting_url,
    customInputs: r.custom_inputs,
    metadata: r.metadata,
    rescheduledFromUid: r.rescheduled_from_uid,
    rescheduledToUid: r.rescheduled_to_uid,
    cancellationReason: r.cancellation_reason,
    rejectionReason: r.rejection_reason,
    icalUid: r.ical_uid,
    recurringBookingUid: r.recurring_booking_uid,
    absentHost: r.absent_host,
    meetingStartedAt: isoOrNull(r.meeting_started_at),
    meetingEndedAt: isoOrNull(r.meeting_ended_at),
    recordingLinks: r.recording_links,
    calcomCreatedAt: isoOrNull(r.calcom_created_at),
    sourceUpdatedAt: r.source_updated_at.toISOString(),
    truncatedFields: r.truncated_fields ?? [],
    keyRelation: r.key_relation,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/**
 * {@linkcode toBookingView} in SQL, of a row `k` holding the columns read: `json_build_object` keeps the
 * keys in this order, timestamps are written as `Date.prototype.toISOString` writes them (UTC,
 * milliseconds, truncated as a JavaScript `Date` truncates microseconds). The read test compares the two
 * on every column.
 */
const BOOKING_VIEW_JSON = inlineSql`json_build_object(
  'id', k.id, 'connectionId', k.calcom_connection_id, 'bookingId', k.booking_id, 'uid', k.booking_uid,
  'title', k.title, 'description', k.description, 'status', k.status,
  'startTime', to_char(k.start_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'endTime', to_char(k.end_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'eventType', json_build_object('id', k.event_type_id, 'slug', k.event_type_slug, 'title', k.event_type_title),
  'organizer', json_build_object('id', k.organizer_id, 'name', k.organizer_name, 'email', k.organizer_email,
    'username', k.organizer_username, 'timeZone', k.organizer_timezone),
  'attendees', k.attendees, 'location', k.location, 'meetingUrl', k.meeting_url,
  'customInputs', k.custom_inputs, 'metadata', k.metadata,
  'rescheduledFromUid', k.rescheduled_from_uid, 'rescheduledToUid', k.rescheduled_to_uid,
  'cancellationReason', k.cancellation_reason, 'rejectionReason', k.rejection_reason,
  'icalUid', k.ical_uid, 'recurringBookingUid', k.recurring_booking_uid, 'absentHost', k.absent_host,
  'meetingStartedAt', to_char(k.meeting_started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'meetingEndedAt', to_char(k.meeting_ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'recordingLinks', k.recording_links,
  'calcomCreatedAt', to_char(k.calcom_created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'sourceUpdatedAt', to_char(k.source_updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'truncatedFields', coalesce(to_json(k.truncated_fields), '[]'::json), 'keyRelation', k.key_relation,
  'createdAt', to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'updatedAt', to_char(k.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/**
 * One page of bookings as JSON text, ready to be sent: Postgres serialises the page, so the function
 * neither parses the rows nor stringifies them again.
 */
export interface BookingsPageJson {
  /** The bookings, a JSON array of {@linkcode BookingView}. */
  bookingsJson: string;
  /** How many bookings it holds. */
  count: number;
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
}

/**
 * Reads one page in (start_time, id) order: at most `limit` rows, and no row once the rows before it
 * serialize to `maxBytes` or more. Run it in a user transaction: RLS is the boundary, the `user_id`
 * condition only lets the planner use the (user_id, start_time, id) index.
 *
 * The size of a row is `row_to_json` of the columns read, which is never smaller than the row's view in
 * the answer (snake_case keys are longer, jsonb text has spaces, timestamps carry microseconds), so the
 * budget holds for the answer too. Only the `limit + 1` keys of the page are looked up before sizes are
 * counted, and only the page's JSON leaves the database. The values are literals in the statement
 * (`inline_sql.ts`), so it goes out with the transaction's setup in one round trip.
 */
export async function readBookingsPage(tx: Tx, filter: BookingsFilter): Promise<BookingsPageJson> {
  const none = inlineSql``;
  const [row] = await tx.unsafe<
    {
      bookings: string;
      count: number;
      candidates: number;
      last_start_key: string | null;
      last_id: string | null;
    }[]
  >(
    inlineSql`
    with page_keys as (
      select id from public.calcom_bookings
      where user_id = ${filter.userId}::uuid
        ${filter.connectionId ? inlineSql`and calcom_connection_id = ${filter.connectionId}::uuid` : none}
        ${filter.status ? inlineSql`and status = any(${filter.status}::text[])` : none}
        ${filter.afterStart ? inlineSql`and start_time >= ${filter.afterStart}::timestamptz` : none}
        ${filter.beforeEnd ? inlineSql`and end_time <= ${filter.beforeEnd}::timestamptz` : none}
        ${filter.relation ? inlineSql`and key_relation = any(${filter.relation}::text[])` : none}
        ${
      filter.after
        ? inlineSql`and (start_time, id) > (${filter.after.startTime}::timestamptz, ${filter.after.id}::uuid)`
        : none
    }
      order by start_time, id
      limit ${filter.limit + 1}::int
    ),
    sized as (
      select r.*, octet_length(row_to_json(r)::text) as bytes
      from page_keys k
      join public.calcom_bookings b on b.id = k.id
      cross join lateral (select ${READ_LIST_OF_B}) r
    ),
    counted as (
      select s.*,
        coalesce(sum(s.bytes) over (order by s.start_time, s.id
          rows between unbounded preceding and 1 preceding), 0) as bytes_before,
        count(*) over () as candidates
      from sized s
    ),
    kept as (
      select * from counted
      where bytes_before < ${filter.maxBytes ?? READ_PAGE_MAX_BYTES}::bigint
      order by start_time, id
      limit ${filter.limit}::int
    )
    select coalesce(json_agg(${BOOKING_VIEW_JSON} order by k.start_time, k.id), '[]'::json)::text as bookings,
      count(*)::int as count,
      coalesce((select max(candidates) from counted), 0)::int as candidates,
      (array_agg(to_char(k.start_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        order by k.start_time desc, k.id desc))[1] as last_start_key,
      (array_agg(k.id order by k.start_time desc, k.id desc))[1] as last_id
    from kept k`.text,
  );
  // rows left out by the budget, or the one past the limit: there is a next page
  const more = row.candidates > row.count;
  return {
    bookingsJson: row.bookings,
    count: row.count,
    nextCursor: more && row.last_start_key && row.last_id
      ? encodeCursor({ startTime: row.last_start_key, id: row.last_id })
      : null,
  };
}
