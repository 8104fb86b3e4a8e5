/**
 * Zod schemas for the Cal.com webhook bodies the integration reads (contract §8.3 and §9). Tolerant like
 * the API schemas: only what a trigger cannot be applied without is required, unknown fields pass, and
 * timestamps accept every format Cal.com uses (`Z`, `+00:00`, `.000Z`, contract §8.5), normalised to
 * `toISOString()` form.
 *
 * @module
 */
import { z } from "zod";
import { calcomWebhookTriggers } from "../_shared/calcom/webhook_triggers.ts";
import { textSafe } from "../_shared/bookings/jsonb_text.ts";

/** Triggers that describe no booking (forms, out of office, PING…): acknowledged, never applied. */
export const NON_BOOKING_TRIGGERS = [
  "FORM_SUBMITTED",
  "FORM_SUBMITTED_NO_EVENT",
  "INSTANT_MEETING",
  "OOO_CREATED",
  "ROUTING_FORM_FALLBACK_HIT",
  "DELEGATION_CREDENTIAL_ERROR",
  "WRONG_ASSIGNMENT_REPORT",
  "PING",
  // newer triggers (corrections §5) that describe no booking row
  "INSTANT_MEETING_ACCEPTED",
  "CALENDAR_ENTRY_REJECTED",
  "DELEGATION_CREDENTIAL_SECRET_ROTATION_FAILED",
  "DELEGATION_CREDENTIAL_ROTATION_REQUIRED",
  "DELEGATION_CREDENTIAL_SECRET_ROTATED",
] as const;

/**
 * Every trigger Cal.com can send (contract §5, plus PING from the web UI's test button): the ones the
 * integration subscribes to, the no-show automations it applies when they arrive, then those it only logs.
 */
export const KNOWN_TRIGGERS = [
  ...calcomWebhookTriggers,
  "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
  "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
  ...NON_BOOKING_TRIGGERS,
] as const;

/** A trigger this code knows. */
export type KnownTrigger = typeof KNOWN_TRIGGERS[number];

/** Whether a trigger name is one this code knows. */
export function isKnownTrigger(trigger: string): trigger is KnownTrigger {
  return (KNOWN_TRIGGERS as readonly string[]).includes(trigger);
}

/** A Cal.com timestamp, normalised to `toISOString()` form. */
export const SourceTimeSchema = z.iso.datetime({ offset: true }).transform((value) =>
  new Date(value).toISOString()
);

const text = z.string().nullish();
const int = z.number().int().nullish();
const record = z.record(z.string(), z.unknown());

/**
 * The standard envelope. `createdAt` is when Cal.com generated the delivery: the source time of the state
 * it describes. It is optional here because the flattened `MEETING_*` bodies have none of their own.
 */
export const WebhookEnvelopeSchema = z.looseObject({
  triggerEvent: z.string().min(1),
  createdAt: z.unknown().optional(),
  payload: z.unknown().optional(),
});

/** `organizer` of a booking payload, or `user` of a flattened meeting body. */
export const WebhookPersonSchema = z.looseObject({
  id: int,
  name: text,
  email: text,
  username: text,
  timeZone: text,
});

/** An attendee: `language` is `{locale}` in booking payloads; meeting bodies have `locale` and `noShow`. */
export const WebhookAttendeeSchema = z.looseObject({
  name: text,
  email: text,
  timeZone: text,
  phoneNumber: text,
  language: z.union([z.looseObject({ locale: text }), z.string()]).nullish(),
  locale: text,
  noShow: z.boolean().nullish(),
});

/** Fields shared by booking payloads and meeting bodies. */
const bookingFields = {
  /** Set for a seated event type (corrections §1): the payload's attendees are then a change, not the list. */
  seatsPerTimeSlot: z.number().int().nullish(),
  uid: z.string().min(1),
  eventTypeId: int,
  title: text,
  description: text,
  additionalNotes: text,
  startTime: SourceTimeSchema,
  endTime: SourceTimeSchema,
  attendees: z.array(WebhookAttendeeSchema).nullish(),
  location: text,
  responses: record.nullish(),
  status: text,
  metadata: record.nullish(),
  videoCallData: z.looseObject({ url: text }).nullish(),
  iCalUID: text,
  cancellationReason: text,
  rejectionReason: text,
  recurringEventId: text,
};

/** The payload of every `BOOKING_*` trigger except no-show updates (`EventPayloadType`, contract §9.0). */
export const BookingPayloadSchema = z.looseObject({
  ...bookingFields,
  bookingId: z.number().int(),
  type: text,
  eventTitle: text,
  requiresConfirmation: z.boolean().nullish(),
  organizer: WebhookPersonSchema.nullish(),
  rescheduleUid: text,
  rescheduleId: int,
  rescheduleStartTime: SourceTimeSchema.nullish(),
  rescheduleEndTime: SourceTimeSchema.nullish(),
});

/** A booking payload. */
export type BookingPayload = z.infer<typeof BookingPayloadSchema>;

/**
 * A `MEETING_STARTED`/`MEETING_ENDED` booking: the raw DB booking row when flattened (contract §9.9:
 * `id`, `userId`, `user`, `fromReschedule`, `noShowHost`, the booking's own `createdAt`/`updatedAt`), or
 * a booking payload when nested under `payload` (`bookingId`, `organizer`).
 */
export const MeetingBookingSchema = z.looseObject({
  ...bookingFields,
  id: int,
  bookingId: int,
  userId: int,
  user: WebhookPersonSchema.nullish(),
  organizer: WebhookPersonSchema.nullish(),
  type: text,
  eventTitle: text,
  fromReschedule: text,
  noShowHost: z.boolean().nullish(),
  createdAt: SourceTimeSchema.nullish(),
  updatedAt: SourceTimeSchema.nullish(),
}).refine((b) => (b.id ?? b.bookingId) != null, { message: "Booking id is missing (id or bookingId)" });

/** A meeting trigger's booking. */
export type MeetingBooking = z.infer<typeof MeetingBookingSchema>;

/** `BOOKING_NO_SHOW_UPDATED` (contract §9.8); the host flag is read where a payload carries one. */
export const NoShowPayloadSchema = z.looseObject({
  bookingUid: z.string().min(1),
  attendees: z.array(z.looseObject({ email: z.string(), noShow: z.boolean() })).nullish(),
  noShowHost: z.boolean().nullish(),
  absentHost: z.boolean().nullish(),
});

/** `RECORDING_READY` / `RECORDING_TRANSCRIPTION_GENERATED` (contract §9.11, §9.12). */
export const RecordingPayloadSchema = z.looseObject({
  uid: z.string().min(1),
  downloadLink: text,
  downloadLinks: z.looseObject({
    transcription: z.array(z.looseObject({ format: text, link: text })).nullish(),
    recording: text,
  }).nullish(),
});

/**
 * `AFTER_HOSTS_CAL_VIDEO_NO_SHOW` / `AFTER_GUESTS_CAL_VIDEO_NO_SHOW` (contract §9.16, corrections §4): the
 * guests' variant often has only `attendees` (hosts who attend included), no `guests`; the hosts' one
 * comes once per absent host (`hostEmail`); the factory builder's variant has only `bookingId`.
 */
export const CalVideoNoShowPayloadSchema = z.looseObject({
  bookingUid: z.string().min(1).nullish(),
  bookingId: z.number().int().nullish(),
  hostEmail: text,
  guests: z.array(z.looseObject({ email: text })).nullish(),
  attendees: z.array(z.looseObject({ email: text })).nullish(),
}).refine((p) => p.bookingUid != null || p.bookingId != null, {
  message: "Booking is missing (bookingUid or bookingId)",
});

function stringAt(value: unknown, key: string): string | null {
  if (value === null || typeof value !== "object") return null;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "string" && found.length > 0 ? textSafe(found.slice(0, 200)) : null;
}

/**
 * The trigger and booking uid of a parsed body, for the event log, read without validating anything (a
 * body that fails its schema is logged with what can be read of it). A U+0000, which no text column can
 * hold, is read as U+FFFD: such a trigger is unknown, and such a uid is stored as the booking's does.
 */
export function describeWebhookBody(body: unknown): { trigger: string | null; bookingUid: string | null } {
  const payload = body !== null && typeof body === "object"
    ? (body as Record<string, unknown>).payload
    : null;
  return {
    trigger: stringAt(body, "triggerEvent"),
    bookingUid: stringAt(payload, "uid") ?? stringAt(payload, "bookingUid") ?? stringAt(body, "uid"),
  };
}
