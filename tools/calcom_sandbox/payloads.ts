/**
 * Webhook bodies for booking triggers, each in its own shape (contract §8.3–§9.10): the standard
 * envelope `{triggerEvent, createdAt, payload}`, `bookingId` rather than `id`, uppercase statuses, the
 * per-trigger timestamp formats of §8.5, BOOKING_RESCHEDULED describing the new booking, the
 * BOOKING_NO_SHOW_UPDATED summary and the flattened MEETING_STARTED / MEETING_ENDED row.
 *
 * @module
 */

import type { WebhookEvent } from "./booking_operations.ts";
import type { AttendeeRecord, BookingRecord, EventTypeRecord, Store, UserRecord } from "./store.ts";

/** Which of Cal.com's renderings of a start/end time a trigger uses (contract §8.5). */
export type TimeFormat = "seconds" | "offset" | "millis";

/** `2025-03-10T14:00:00Z` (dayjs `.utc().format()`), `…+00:00` (dayjs `.format()`) or `….000Z`. */
export function formatTime(ms: number, format: TimeFormat): string {
  const iso = new Date(ms).toISOString();
  if (format === "millis") return iso;
  return iso.replace(/\.\d{3}Z$/, format === "seconds" ? "Z" : "+00:00");
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC for `timeZone` at `ms` (`utcOffset` in organizer and attendee objects). */
export function utcOffsetMinutes(timeZone: string, ms: number): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    } catch {
      return 0;
    }
    offsetFormatters.set(timeZone, f);
  }
  const name = f.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = name.match(/GMT([+-])(\d{2}):(\d{2})/);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

const RESPONSE_LABELS: Record<string, string> = {
  name: "your_name",
  email: "email_address",
  location: "location",
  notes: "additional_notes",
  guests: "additional_guests",
  rescheduleReason: "reason_for_reschedule",
  attendeePhoneNumber: "phone_number",
};

/** Booking answers as webhooks carry them: `{label, value, isHidden}` per field. */
export function webhookResponses(responses: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(responses)) {
    // API v2 stores a reschedule reason as `rescheduledReason`; the booking form field is `rescheduleReason`.
    const name = key === "rescheduledReason" ? "rescheduleReason" : key;
    out[name] = { label: RESPONSE_LABELS[name] ?? name, value, isHidden: false };
  }
  return out;
}

function userFieldsResponses(responses: Record<string, unknown>): Record<string, unknown> {
  const custom = Object.entries(webhookResponses(responses)).filter(([k]) => !(k in RESPONSE_LABELS));
  return Object.fromEntries(custom);
}

function organizer(
  user: UserRecord | undefined,
  at: number,
  withTimeFormat: boolean,
): Record<string, unknown> {
  if (!user) return {};
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    username: user.username,
    timeZone: user.timeZone,
    ...(withTimeFormat ? { timeFormat: user.timeFormat === 24 ? "HH:mm" : "h:mma" } : {}),
    language: { locale: user.locale },
    utcOffset: utcOffsetMinutes(user.timeZone, at),
  };
}

function attendee(a: AttendeeRecord, at: number, style: "created" | "ended"): Record<string, unknown> {
  const [firstName, ...rest] = a.name.split(" ");
  return {
    email: a.email,
    name: a.name,
    ...(style === "created"
      ? { firstName: firstName ?? "", lastName: rest.join(" ") }
      : { phoneNumber: a.phoneNumber }),
    timeZone: a.timeZone,
    language: { locale: a.locale },
    utcOffset: utcOffsetMinutes(a.timeZone, at),
  };
}

function context(store: Store, b: BookingRecord): { user?: UserRecord; eventType?: EventTypeRecord } {
  return {
    user: store.users.get(b.userId),
    eventType: b.eventTypeId === null ? undefined : store.eventTypes.get(b.eventTypeId),
  };
}

function videoCallData(b: BookingRecord): Record<string, unknown> {
  const url = b.metadata.videoCallUrl;
  if (!url || b.location !== "integrations:daily") return {};
  return { videoCallData: { type: "daily_video", id: b.uid, password: "sandbox", url } };
}

function recurringEvent(b: BookingRecord, eventType: EventTypeRecord | undefined): Record<string, unknown> {
  if (!b.recurringEventId || !eventType?.recurringCount) return {};
  return { recurringEvent: { freq: 2, count: eventType.recurringCount, interval: 1 } };
}

/** The leading keys that BOOKING_CREATED-like and BOOKING_CANCELLED payloads share, in their order. */
function bookerHead(b: BookingRecord, eventType: EventTypeRecord | undefined): Record<string, unknown> {
  const notes = typeof b.responses.notes === "string" ? b.responses.notes : "";
  return {
    bookerUrl: "https://cal.com",
    type: eventType?.slug ?? null,
    title: b.title,
    description: b.description || notes,
    additionalNotes: notes,
    customInputs: {},
  };
}

/** Length in whole minutes, as payloads carry it. */
function lengthMinutes(b: BookingRecord): number {
  return Math.round((b.endTime - b.startTime) / 60_000);
}

/** Attendee rows as Prisma returns them (MEETING_* rows and the after-call no-show payloads). */
export function attendeeRows(b: BookingRecord): Record<string, unknown>[] {
  return b.attendees.map((a) => ({
    id: a.id,
    email: a.email,
    name: a.name,
    timeZone: a.timeZone,
    phoneNumber: a.phoneNumber,
    locale: a.locale,
    bookingId: b.id,
    noShow: a.noShow,
  }));
}

/** BOOKING_CREATED / BOOKING_REQUESTED / BOOKING_RESCHEDULED payload (contract §9.1–§9.3). */
function createdPayload(store: Store, event: WebhookEvent): Record<string, unknown> {
  const b = event.booking;
  const { user, eventType } = context(store, b);
  const payload: Record<string, unknown> = {
    ...bookerHead(b, eventType),
    startTime: formatTime(b.startTime, "seconds"),
    endTime: formatTime(b.endTime, "seconds"),
    organizer: organizer(user, b.startTime, true),
    attendees: (event.seatAttendees ?? b.attendees).map((a) => attendee(a, b.startTime, "created")),
    responses: webhookResponses(b.responses),
    userFieldsResponses: userFieldsResponses(b.responses),
    location: b.location,
    eventTypeId: b.eventTypeId,
    uid: b.uid,
    iCalUID: b.iCalUID,
    iCalSequence: b.iCalSequence,
    ...videoCallData(b),
    requiresConfirmation: eventType?.requiresConfirmation ?? false,
    eventTitle: eventType?.title ?? null,
    eventDescription: eventType?.description ?? null,
    price: eventType?.price ?? 0,
    currency: eventType?.currency ?? "usd",
    length: lengthMinutes(b),
    ...recurringEvent(b, eventType),
    ...(eventType?.seatsPerTimeSlot
      ? { seatsPerTimeSlot: eventType.seatsPerTimeSlot, seatsShowAttendees: eventType.seatsShowAttendees }
      : {}),
    bookingId: b.id,
  };
  const old = event.previous;
  if (event.seatMove) {
    // handleSeats.ts: the seat uid as rescheduleUid, the old times, and no rescheduleId (corrections §1)
    Object.assign(payload, {
      rescheduleUid: event.seatMove.seatUid,
      rescheduleStartTime: formatTime(event.seatMove.from.startTime, "seconds"),
      rescheduleEndTime: formatTime(event.seatMove.from.endTime, "seconds"),
    });
  } else if (old) {
    Object.assign(payload, {
      rescheduleId: old.id,
      rescheduleUid: old.uid,
      rescheduleStartTime: formatTime(old.startTime, "seconds"),
      rescheduleEndTime: formatTime(old.endTime, "seconds"),
      rescheduledBy: old.rescheduledBy ?? undefined,
    });
  }
  payload.metadata = b.metadata;
  payload.status = b.status;
  return payload;
}

/** BOOKING_CANCELLED payload (contract §9.4): `+00:00` times, cancellation fields. */
function cancelledPayload(store: Store, event: WebhookEvent): Record<string, unknown> {
  const b = event.booking;
  const { user, eventType } = context(store, b);
  const attendees = event.seatAttendees ?? b.attendees;
  return {
    ...bookerHead(b, eventType),
    eventTypeId: b.eventTypeId,
    responses: webhookResponses(b.responses),
    userFieldsResponses: userFieldsResponses(b.responses),
    startTime: formatTime(b.startTime, "offset"),
    endTime: formatTime(b.endTime, "offset"),
    organizer: organizer(user, b.startTime, true),
    attendees: attendees.map((a) => attendee(a, b.startTime, "ended")),
    uid: b.uid,
    bookingId: b.id,
    location: b.location,
    destinationCalendar: [],
    cancellationReason: b.cancellationReason ?? undefined,
    cancelledBy: b.cancelledBy ?? undefined,
    iCalUID: b.iCalUID,
    iCalSequence: b.iCalSequence,
    eventTitle: eventType?.title ?? null,
    eventDescription: eventType?.description || null,
    requiresConfirmation: eventType?.requiresConfirmation ?? false,
    price: eventType?.price ?? 0,
    currency: eventType?.currency ?? "usd",
    length: lengthMinutes(b),
    ...recurringEvent(b, eventType),
    // handleCancelBooking.ts puts the event type's seat settings in the evt both cancel paths send
    ...(eventType?.seatsPerTimeSlot
      ? { seatsPerTimeSlot: eventType.seatsPerTimeSlot, seatsShowAttendees: eventType.seatsShowAttendees }
      : {}),
    status: "CANCELLED",
    ...(event.seatAttendees ? {} : { requestReschedule: false }),
  };
}

/** BOOKING_REJECTED payload (contract §9.5): `.000Z` times, `rejectionReason`. */
function rejectedPayload(store: Store, event: WebhookEvent): Record<string, unknown> {
  const b = event.booking;
  const { user, eventType } = context(store, b);
  return {
    type: eventType?.slug ?? null,
    title: b.title,
    startTime: formatTime(b.startTime, "millis"),
    endTime: formatTime(b.endTime, "millis"),
    organizer: organizer(user, b.startTime, false),
    attendees: b.attendees.map((a) => attendee(a, b.startTime, "ended")),
    location: b.location,
    uid: b.uid,
    eventTypeId: b.eventTypeId,
    requiresConfirmation: eventType?.requiresConfirmation ?? true,
    rejectionReason: b.rejectionReason ?? undefined,
    eventTitle: eventType?.title ?? null,
    length: lengthMinutes(b),
    bookingId: b.id,
    status: "REJECTED",
  };
}

/** BOOKING_NO_SHOW_UPDATED payload (contract §9.8). Message wording for several attendees is UNCONFIRMED. */
function noShowPayload(event: WebhookEvent): Record<string, unknown> {
  const attendees = event.noShow ??
    event.booking.attendees.map((a) => ({ email: a.email, noShow: a.noShow }));
  const verb = attendees.every((a) => a.noShow) ? "marked" : "unmarked";
  const who = attendees.length === 1 ? attendees[0].email : attendees.map((a) => a.email).join(", ");
  return {
    message: `${who} ${verb} as no-show`,
    attendees,
    bookingUid: event.booking.uid,
    bookingId: event.booking.id,
  };
}

/** The raw booking row plus relations that MEETING_STARTED / MEETING_ENDED send flattened (§9.9). */
function meetingRow(store: Store, b: BookingRecord): Record<string, unknown> {
  const { user } = context(store, b);
  return {
    id: b.id,
    uid: b.uid,
    idempotencyKey: null,
    userId: b.userId,
    userPrimaryEmail: user?.email ?? null,
    eventTypeId: b.eventTypeId,
    title: b.title,
    description: b.description,
    customInputs: {},
    responses: webhookResponses(b.responses),
    startTime: formatTime(b.startTime, "millis"),
    endTime: formatTime(b.endTime, "millis"),
    location: b.location,
    createdAt: formatTime(b.createdAt, "millis"),
    updatedAt: b.updatedAt === null ? null : formatTime(b.updatedAt, "millis"),
    status: b.status,
    paid: b.paid,
    destinationCalendarId: null,
    cancellationReason: b.cancellationReason,
    rejectionReason: b.rejectionReason,
    reassignReason: null,
    reassignById: null,
    dynamicEventSlugRef: null,
    dynamicGroupSlugRef: null,
    rescheduled: b.rescheduled,
    fromReschedule: b.fromReschedule,
    recurringEventId: b.recurringEventId,
    smsReminderNumber: null,
    scheduledJobs: [],
    metadata: b.metadata,
    isRecorded: false,
    iCalUID: b.iCalUID,
    iCalSequence: b.iCalSequence,
    rating: b.rating,
    ratingFeedback: null,
    noShowHost: b.noShowHost,
    oneTimePassword: null,
    cancelledBy: b.cancelledBy,
    rescheduledBy: b.rescheduledBy,
    creationSource: b.creationSource,
    user: user
      ? { email: user.email, name: user.name, timeZone: user.timeZone, username: user.username }
      : null,
    attendees: attendeeRows(b),
    payment: [],
    references: [],
  };
}

/**
 * The booking payload of a nested `MEETING_STARTED`/`MEETING_ENDED` body, as the newer consumer path
 * builds it (`factory/versioned/v2021-10-20/MeetingPayloadBuilder.ts`, corrections §4): the usual booking
 * payload, `.000Z` times.
 */
export function nestedMeetingPayload(store: Store, b: BookingRecord): Record<string, unknown> {
  const payload = createdPayload(store, { trigger: "BOOKING_CREATED", userId: b.userId, booking: b });
  payload.startTime = formatTime(b.startTime, "millis");
  payload.endTime = formatTime(b.endTime, "millis");
  return payload;
}

/**
 * The object Cal.com serialises for `event`, with `createdAt` the send time in epoch ms. `MEETING_*`
 * come flattened (the legacy scheduler, contract §9.9) unless the event asks for the nested form.
 */
export function eventBody(store: Store, event: WebhookEvent, createdAt: number): Record<string, unknown> {
  const { trigger } = event;
  if (trigger === "MEETING_STARTED" || trigger === "MEETING_ENDED") {
    if (event.meetingForm === "nested") {
      return {
        triggerEvent: trigger,
        createdAt: formatTime(createdAt, "millis"),
        payload: nestedMeetingPayload(store, event.booking),
      };
    }
    return { triggerEvent: trigger, ...meetingRow(store, event.booking) };
  }
  const payload = trigger === "BOOKING_CANCELLED"
    ? cancelledPayload(store, event)
    : trigger === "BOOKING_REJECTED"
    ? rejectedPayload(store, event)
    : trigger === "BOOKING_NO_SHOW_UPDATED"
    ? noShowPayload(event)
    : createdPayload(store, event);
  return { triggerEvent: trigger, createdAt: formatTime(createdAt, "millis"), payload };
}
