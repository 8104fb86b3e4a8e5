/**
 * Zod schemas for the Cal.com API v2 objects the integration reads (see `docs/calcom-contract.md`
 * sections 2–5). Tolerant by design: only the fields every deployment has been seen to send are
 * required, everything else is optional and nullable, and unknown fields pass through untouched, so the
 * sync can store the raw object.
 *
 * @module
 */
import { z } from "zod";

const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();
const optionalBoolean = z.boolean().nullish();
/** Objects whose keys Cal.com does not fix (form answers, metadata). */
const looseRecord = z.record(z.string(), z.unknown());

/** `GET /v2/me` data: the account an API key belongs to. */
export const MeSchema = z.looseObject({
  id: z.number().int(),
  username: optionalString,
  email: z.string(),
  name: optionalString,
  avatarUrl: optionalString,
  bio: optionalString,
  timeFormat: optionalNumber,
  defaultScheduleId: optionalNumber,
  weekStart: optionalString,
  timeZone: optionalString,
  organizationId: optionalNumber,
  organization: z.looseObject({ id: z.number(), isPlatform: optionalBoolean }).nullish(),
});
/** The account an API key belongs to. */
export type CalcomMe = z.infer<typeof MeSchema>;

/** `hosts[]` of a booking: the organizer; `id` is the string `"unknown"` when the user is gone. */
export const BookingHostSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).nullish(),
  name: optionalString,
  email: optionalString,
  displayEmail: optionalString,
  username: optionalString,
  timeZone: optionalString,
});

/** `attendees[]`; seated bookings add `seatUid` and per-seat `bookingFieldsResponses`/`metadata`. */
export const BookingAttendeeSchema = z.looseObject({
  name: optionalString,
  email: optionalString,
  displayEmail: optionalString,
  timeZone: optionalString,
  language: optionalString,
  absent: optionalBoolean,
  phoneNumber: optionalString,
  seatUid: optionalString,
  bookingFieldsResponses: looseRecord.nullish(),
  metadata: looseRecord.nullish(),
});

/**
 * One booking as `GET /v2/bookings` (cal-api-version 2024-08-13) returns it, in any of its variants:
 * regular, recurring (`recurringBookingUid`), seated (attendees with `seatUid`, no top-level
 * `bookingFieldsResponses`/`guests`) and recurring seated. Only id, uid, start, end and status are
 * required; status stays the lowercase string Cal.com sent (`accepted`, `pending`, `cancelled`,
 * `rejected`, possibly `awaiting_host`).
 */
export const ApiBookingSchema = z.looseObject({
  id: z.number().int(),
  uid: z.string().min(1),
  start: z.string().min(1),
  end: z.string().min(1),
  status: z.string().min(1),
  title: optionalString,
  description: optionalString,
  hosts: z.array(BookingHostSchema).nullish(),
  attendees: z.array(BookingAttendeeSchema).nullish(),
  guests: z.array(z.string()).nullish(),
  bookingFieldsResponses: looseRecord.nullish(),
  duration: optionalNumber,
  eventTypeId: optionalNumber,
  eventType: z.looseObject({ id: optionalNumber, slug: optionalString }).nullish(),
  location: optionalString,
  meetingUrl: optionalString,
  absentHost: optionalBoolean,
  createdAt: optionalString,
  updatedAt: optionalString,
  metadata: looseRecord.nullish(),
  rating: optionalNumber,
  icsUid: optionalString,
  cancellationReason: optionalString,
  cancelledByEmail: optionalString,
  reschedulingReason: optionalString,
  rescheduledByEmail: optionalString,
  rescheduledFromUid: optionalString,
  rescheduledToUid: optionalString,
  recurringBookingUid: optionalString,
});
/** One booking from API v2 (unknown fields preserved). */
export type ApiBooking = z.infer<typeof ApiBookingSchema>;

/**
 * `pagination` of `GET /v2/bookings`; only the two fields paging relies on are required. `totalItems` is
 * null for a caller with team read access (Cal.com counts nothing, then `hasNextPage` is false even on a
 * full page) and may be a planner estimate: neither says for sure whether more bookings exist.
 */
export const PaginationSchema = z.looseObject({
  totalItems: z.number().int().nonnegative().nullable(),
  hasNextPage: z.boolean(),
  remainingItems: optionalNumber,
  returnedItems: optionalNumber,
  itemsPerPage: optionalNumber,
  currentPage: optionalNumber,
  totalPages: optionalNumber,
  hasPreviousPage: optionalBoolean,
});
/** Page metadata of the bookings list. */
export type Pagination = z.infer<typeof PaginationSchema>;

/**
 * A user webhook. The source creates UUID ids while the OpenAPI document says number, so both are
 * accepted and normalised to a string. `secret` comes back in clear: never log this object.
 */
export const WebhookSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  subscriberUrl: z.string(),
  triggers: z.array(z.string()).nullish(),
  active: optionalBoolean,
  userId: optionalNumber,
  payloadTemplate: optionalString,
  secret: optionalString,
});
/** A Cal.com webhook subscription. */
export type CalcomWebhook = z.infer<typeof WebhookSchema>;

/** `{ status: "success", data }`, the envelope of every successful API v2 response. */
export function successEnvelope<T extends z.ZodType>(data: T) {
  return z.looseObject({ status: z.literal("success"), data });
}

/**
 * `GET /v2/bookings` response with its bookings unchecked: the client checks each one on its own, so
 * one booking in a shape it cannot read is set aside instead of failing the page.
 */
export const BookingListPageSchema = z.looseObject({
  status: z.literal("success"),
  data: z.array(z.unknown()),
  pagination: PaginationSchema,
});

/** `GET /v2/bookings` response, every booking checked. */
export const BookingListResponseSchema = z.looseObject({
  status: z.literal("success"),
  data: z.array(ApiBookingSchema),
  pagination: PaginationSchema,
});

/**
 * `pagination` of `GET /v2/bookings` in hosted Cal.com's `2026-05-01` version (corrections §7): no
 * totals, only whether more pages follow and the opaque cursor of the next one.
 */
export const CursorPaginationSchema = z.looseObject({
  nextCursor: z.string().min(1).nullable(),
  hasMore: z.boolean(),
});

/** `GET /v2/bookings` (2026-05-01) response with its bookings unchecked, as {@linkcode BookingListPageSchema}. */
export const BookingCursorPageSchema = z.looseObject({
  status: z.literal("success"),
  data: z.array(z.unknown()),
  pagination: CursorPaginationSchema,
});

/** `GET /v2/bookings` (2026-05-01) response, every booking checked. */
export const BookingCursorResponseSchema = z.looseObject({
  status: z.literal("success"),
  data: z.array(ApiBookingSchema),
  pagination: CursorPaginationSchema,
});
