/**
 * The shapes of the booking action routes (`POST /bookings/:uid/{cancel,reschedule,confirm,decline,
 * mark-absent}`): their bodies, their optional query, and their answer, as zod schemas an OpenAPI
 * generator can read. Bodies are strict: an unknown key is a 400, so a misspelt `reason` is not
 * silently dropped.
 *
 * @module
 */
import { z } from "zod";
import { BookingViewSchema } from "./bookings_query.ts";
import { isStorableInstant } from "./sync_request.ts";

/** Longest reason passed on to Cal.com. */
const maxReasonLength = 1000;

const Reason = z.string().trim().min(1, "must not be empty").max(maxReasonLength);

/** `POST /bookings/:uid/cancel`. */
export const CancelBookingBodySchema = z.strictObject({
  /** Why; Cal.com requires one when the host cancels with their own key. */
  reason: Reason.optional(),
  /** A recurring occurrence: cancel it and every later one. */
  cancelSubsequentBookings: z.boolean().optional(),
  /** A seated booking: cancel only this seat. */
  seatUid: z.string().min(1).max(255).optional(),
}).refine((b) => !(b.seatUid !== undefined && b.cancelSubsequentBookings !== undefined), {
  message: "seatUid and cancelSubsequentBookings cannot be combined",
  path: ["cancelSubsequentBookings"],
});

/** `POST /bookings/:uid/reschedule`. */
export const RescheduleBookingBodySchema = z.strictObject({
  /** The new start, e.g. one of Cal.com's free slots; stored and sent in UTC. */
  start: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with a time zone" })
    .refine(isStorableInstant, "must be a date-time between the years 1 and 9999")
    .transform((v) => new Date(v).toISOString()),
  reason: Reason.optional(),
});

/** `POST /bookings/:uid/confirm`: no fields. */
export const ConfirmBookingBodySchema = z.strictObject({});

/** `POST /bookings/:uid/decline`. */
export const DeclineBookingBodySchema = z.strictObject({ reason: Reason.optional() });

/** `POST /bookings/:uid/mark-absent`: at least one of `host` and `attendees`. */
export const MarkAbsentBodySchema = z.strictObject({
  /** `true` marks the host absent. Cal.com cannot mark the host present again, so `false` is refused. */
  host: z.literal(true, { error: "must be true (Cal.com cannot mark the host present again)" }).optional(),
  attendees: z.array(z.strictObject({ email: z.email().max(320), absent: z.boolean() })).min(1).max(100)
    .optional(),
}).refine((b) => b.host !== undefined || b.attendees !== undefined, {
  message: "name the host or at least one attendee",
  path: ["attendees"],
});

/** The optional query of every action: which connection, when the caller has several mirroring the uid. */
export const BookingActionQuerySchema = z.object({
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
});

export type CancelBookingBody = z.output<typeof CancelBookingBodySchema>;
export type RescheduleBookingBody = z.output<typeof RescheduleBookingBodySchema>;
export type DeclineBookingBody = z.output<typeof DeclineBookingBodySchema>;
export type MarkAbsentBody = z.output<typeof MarkAbsentBodySchema>;

/**
 * The answer of every action: the booking as now stored. A reschedule answers the new booking and adds
 * the one it replaced (`previousBooking`); a cancel of several occurrences adds them all (`bookings`).
 */
export const BookingActionResponseSchema = z.object({
  success: z.literal(true),
  booking: BookingViewSchema,
  previousBooking: BookingViewSchema.optional(),
  bookings: z.array(BookingViewSchema).optional(),
}).meta({ id: "BookingActionResult" });
