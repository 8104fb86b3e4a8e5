/**
 * Maps a Cal.com API v2 booking (`cal-api-version: 2024-08-13`, contract §2.4) to a booking row.
 *
 * @module
 */
import type { ApiBooking } from "../calcom/schemas.ts";
import {
  BOOKING_STATUSES,
  type BookingAttendeeRow,
  type BookingRow,
  type BookingStatus,
  toIsoInstant,
} from "./booking_row.ts";
import { capBookingRow } from "./booking_caps.ts";

/**
 * The source time used when a booking carries neither `updatedAt` nor `createdAt` (old deployments,
 * contract §2.5): the earliest possible, so any webhook, which always has a real time, wins over it.
 */
export const UNKNOWN_SOURCE_TIME = "1970-01-01T00:00:00.000Z";

/** Uppercases a status and checks it is one the table accepts. */
export function toBookingStatus(status: string): BookingStatus {
  const upper = status.toUpperCase();
  if (!(BOOKING_STATUSES as readonly string[]).includes(upper)) {
    throw new RangeError(`Unknown booking status: ${JSON.stringify(status.slice(0, 40))}`);
  }
  return upper as BookingStatus;
}

/** Whether a location string is a link someone can open, as opposed to `integrations:…` or an address. */
export function isMeetingLink(location: string | null | undefined): location is string {
  return typeof location === "string" && /^https?:\/\//i.test(location);
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : value;
}

/**
 * A text that may be empty, with `""` as null: Cal.com sends `""` for "no reason" in newer versions and
 * leaves the field out in older ones.
 */
export function nonEmpty(value: string | null | undefined): string | null {
  return value ? value : null;
}

function integer(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

/** Options of {@linkcode mapApiBooking}. */
export interface MapApiBookingOptions {
  /**
   * When Cal.com answered the read, on its clock (`calcomReadTime`): the state is at least that new, so
   * it becomes the source time when later than `updatedAt` (see docs/decisions.md, "One clock").
   */
  readAt?: string;
}

/**
 * Maps an API booking to a row: status uppercased, times normalised, `source_updated_at` = the read's
 * time (`options.readAt`), or without one `updatedAt ?? createdAt` (or {@linkcode UNKNOWN_SOURCE_TIME}),
 * `raw` = the booking as received.
 * The API's `location` already is the video link when there is one (contract §2.4), so `meeting_url` is
 * the location when it is a link. API bookings never carry the event type's title: it stays null, and the
 * store keeps a title a webhook gave. The row is capped in size ({@linkcode capBookingRow}).
 *
 * @throws {RangeError} on a status or time the table cannot hold
 */
export function mapApiBooking(b: ApiBooking, options: MapApiBookingOptions = {}): BookingRow {
  // Cal.com fills a deleted organizer with the string "unknown" in every field (contract §2.4)
  const host = b.hosts?.[0]?.id === "unknown" ? undefined : b.hosts?.[0];
  const attendees: BookingAttendeeRow[] = (b.attendees ?? []).map((a) => ({
    name: text(a.name),
    email: text(a.email),
    timeZone: text(a.timeZone),
    language: text(a.language),
    phoneNumber: text(a.phoneNumber),
    absent: a.absent ?? false,
  }));
  const location = text(b.location);
  const stateTime = b.updatedAt ?? b.createdAt;
  const changedAt = stateTime ? toIsoInstant(stateTime) : UNKNOWN_SOURCE_TIME;
  // ISO instants in toISOString form compare as strings
  const sourceTime = options.readAt && options.readAt > changedAt ? options.readAt : changedAt;
  return capBookingRow({
    booking_id: b.id,
    booking_uid: b.uid,
    event_type_id: integer(b.eventType?.id) ?? integer(b.eventTypeId),
    event_type_slug: text(b.eventType?.slug),
    event_type_title: null,
    title: b.title ?? "",
    description: text(b.description),
    start_time: toIsoInstant(b.start),
    end_time: toIsoInstant(b.end),
    status: toBookingStatus(b.status),
    organizer_id: integer(host?.id),
    organizer_name: text(host?.name),
    organizer_email: text(host?.email),
    organizer_username: text(host?.username),
    organizer_timezone: text(host?.timeZone),
    attendees,
    location,
    meeting_url: isMeetingLink(location) ? location : null,
    custom_inputs: b.bookingFieldsResponses ?? null,
    metadata: b.metadata ?? null,
    rescheduled_from_uid: text(b.rescheduledFromUid),
    rescheduled_to_uid: text(b.rescheduledToUid),
    cancellation_reason: nonEmpty(b.cancellationReason),
    rejection_reason: nonEmpty(typeof b.rejectionReason === "string" ? b.rejectionReason : null),
    ical_uid: text(b.icsUid),
    recurring_booking_uid: text(b.recurringBookingUid),
    absent_host: b.absentHost ?? null,
    calcom_created_at: b.createdAt ? toIsoInstant(b.createdAt) : null,
    source_updated_at: sourceTime,
    raw: b,
  });
}
