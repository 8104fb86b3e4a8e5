/**
 * The shape both booking sources (API v2 polling and webhooks) are mapped to before they are written to
 * `public.calcom_bookings`: the row minus ids, owner and bookkeeping timestamps.
 *
 * `null` in a column that a source may simply not know (event type title, organizer, absent host…)
 * means "not given": the store keeps what the row already holds. See `booking_store.ts` for the merge.
 *
 * @module
 */
import { z } from "zod";
import { KEY_RELATIONS } from "./key_relation.ts";

/** The statuses `calcom_bookings.status` accepts (Cal.com's DB enum, uppercase). */
export const BOOKING_STATUSES = ["ACCEPTED", "PENDING", "CANCELLED", "REJECTED", "AWAITING_HOST"] as const;

/** A booking status as stored. */
export type BookingStatus = typeof BOOKING_STATUSES[number];

/** An ISO 8601 instant as stored in a row: `toISOString()` form (UTC, milliseconds, `Z`). */
const IsoInstantSchema = z.iso.datetime();

/**
 * One attendee as stored in `attendees`. `absent` is left out when the source does not say (webhook
 * booking payloads): the store then keeps the flag the row already has for that email.
 */
export const BookingAttendeeRowSchema = z.object({
  name: z.string().nullable(),
  email: z.string().nullable(),
  timeZone: z.string().nullable(),
  language: z.string().nullable(),
  phoneNumber: z.string().nullable(),
  absent: z.boolean().optional(),
});

/** An attendee as stored. */
export type BookingAttendeeRow = z.infer<typeof BookingAttendeeRowSchema>;

/** A `calcom_bookings` row as a source describes it (column names as in the table). */
export const BookingRowSchema = z.object({
  booking_id: z.number().int(),
  booking_uid: z.string().min(1),
  event_type_id: z.number().int().nullable(),
  event_type_slug: z.string().nullable(),
  event_type_title: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  start_time: IsoInstantSchema,
  end_time: IsoInstantSchema,
  status: z.enum(BOOKING_STATUSES),
  organizer_id: z.number().int().nullable(),
  organizer_name: z.string().nullable(),
  organizer_email: z.string().nullable(),
  organizer_username: z.string().nullable(),
  organizer_timezone: z.string().nullable(),
  attendees: z.array(BookingAttendeeRowSchema),
  location: z.string().nullable(),
  meeting_url: z.string().nullable(),
  /** Booking form answers as flat values (field name → value). */
  custom_inputs: z.record(z.string(), z.unknown()).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  rescheduled_from_uid: z.string().nullable(),
  rescheduled_to_uid: z.string().nullable(),
  cancellation_reason: z.string().nullable(),
  rejection_reason: z.string().nullable(),
  ical_uid: z.string().nullable(),
  recurring_booking_uid: z.string().nullable(),
  absent_host: z.boolean().nullable(),
  calcom_created_at: IsoInstantSchema.nullable(),
  /** Cal.com's time of this state: the order guard (see the column comment). */
  source_updated_at: IsoInstantSchema,
  /** The source object this row was mapped from. */
  raw: z.unknown(),
  /**
   * The fields stored shortened or left out by their size cap (`booking_caps.ts`); absent when none
   * was, so a row within the caps hashes as it did before caps existed.
   */
  truncated_fields: z.array(z.string()).optional(),
  /**
   * How the connection's Cal.com user relates to the booking (`key_relation.ts`); absent when the
   * source cannot tell, and then the store keeps what the row holds.
   */
  key_relation: z.enum(KEY_RELATIONS).optional(),
});

/** A booking row as a source describes it. */
export type BookingRow = z.infer<typeof BookingRowSchema>;

/**
 * Normalises a source timestamp to the stored form. Cal.com writes `…Z`, `…+00:00` and `….000Z` in
 * different places (contract §8.5), and they must compare equal.
 *
 * @throws {RangeError} when the value is not an ISO 8601 date-time with a time zone
 */
export function toIsoInstant(value: string): string {
  if (!z.iso.datetime({ offset: true }).safeParse(value).success) {
    throw new RangeError(`Invalid source time: ${JSON.stringify(value.slice(0, 40))}`);
  }
  return new Date(value).toISOString();
}
