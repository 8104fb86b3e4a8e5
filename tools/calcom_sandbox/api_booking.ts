/**
 * Booking rows rendered as API v2 objects: `BookingOutput_2024_08_13` and its recurring and seated
 * variants (contract §2.4), and the legacy 2024-04-15 list item (contract §2.6).
 *
 * @module
 */

import type { AttendeeRecord, BookingRecord, Store } from "./store.ts";

/** An API v2 booking object (any variant); the fields tests use most are typed. */
export interface ApiBooking {
  id: number;
  uid: string;
  title: string;
  status: string;
  start: string;
  end: string;
  createdAt: string;
  updatedAt: string | null;
  icsUid: string;
  location: string | null;
  hosts: Array<Record<string, unknown>>;
  attendees: Array<Record<string, unknown>>;
  metadata: Record<string, string>;
  rescheduledFromUid?: string;
  rescheduledToUid?: string;
  recurringBookingUid?: string;
  [key: string]: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Email without the `+<25 chars>` suffix Cal.com adds to managed users' emails. */
function displayEmail(email: string): string {
  return email.replace(/\+[a-zA-Z0-9]{25}@/, "@");
}

function apiAttendee(a: AttendeeRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: a.name,
    email: a.email,
    displayEmail: displayEmail(a.email),
    timeZone: a.timeZone,
    language: a.locale,
    absent: a.noShow,
  };
  if (a.phoneNumber) out.phoneNumber = a.phoneNumber;
  return out;
}

/** Seated attendee: its own answers, without the email (Cal.com drops it there for privacy). */
function seatedAttendee(a: AttendeeRecord): Record<string, unknown> {
  const { email: _email, ...answers } = a.seatResponses ?? { name: a.name };
  const out = { ...apiAttendee(a), seatUid: a.seatUid, bookingFieldsResponses: answers };
  return a.seatMetadata ? { ...out, metadata: a.seatMetadata } : out;
}

/** Options of the rendering that depend on who asks. */
export interface ApiBookingOptions {
  /** Seated bookings only: whether attendees are shown (owner/admin or `seatsShowAttendees`). */
  showSeatedAttendees?: boolean;
}

/** Renders `b` like Cal.com's `OutputBookingsService_2024_08_13`. */
export function toApiBooking(store: Store, b: BookingRecord, options: ApiBookingOptions = {}): ApiBooking {
  const user = store.users.get(b.userId);
  const eventType = b.eventTypeId === null ? undefined : store.eventTypes.get(b.eventTypeId);
  const seated = (eventType?.seatsPerTimeSlot ?? null) !== null;
  const { videoCallUrl, ...metadata } = b.metadata;
  const location = videoCallUrl || b.location;
  const previous = b.fromReschedule ? store.bookingsByUid.get(b.fromReschedule) : undefined;
  const responses = b.responses;

  const out: Record<string, unknown> = {
    id: b.id,
    uid: b.uid,
    title: b.title,
    description: b.description,
    hosts: [
      user
        ? {
          id: user.id,
          name: user.name,
          email: user.email,
          displayEmail: displayEmail(user.email),
          username: user.username,
          timeZone: user.timeZone,
        }
        : { id: "unknown", name: "unknown", email: "unknown", displayEmail: "unknown", username: "unknown" },
    ],
    status: b.status.toLowerCase(),
    cancellationReason: b.cancellationReason || "",
    cancelledByEmail: b.cancelledBy || "",
  };
  if (typeof responses.rescheduledReason === "string") out.reschedulingReason = responses.rescheduledReason;
  out.rescheduledByEmail = (previous ? previous.rescheduledBy : b.rescheduledBy) ?? null;
  if (b.fromReschedule) out.rescheduledFromUid = b.fromReschedule;
  if (b.rescheduled === true) {
    const to = store.rescheduledTo.get(b.uid);
    if (to) out.rescheduledToUid = to;
  }
  Object.assign(out, {
    start: iso(b.startTime),
    end: iso(b.endTime),
    duration: Math.round((b.endTime - b.startTime) / 60_000),
    eventTypeId: eventType ? eventType.id : null,
    eventType: eventType ? { id: eventType.id, slug: eventType.slug } : null,
    meetingUrl: location,
    location,
    absentHost: b.noShowHost,
    createdAt: iso(b.createdAt),
    updatedAt: b.updatedAt === null ? null : iso(b.updatedAt),
    metadata,
    rating: b.rating,
    icsUid: b.iCalUID,
  });

  if (seated) {
    out.attendees = options.showSeatedAttendees === false ? [] : b.attendees.map(seatedAttendee);
  } else {
    out.attendees = b.attendees.map(apiAttendee);
    const guests = Array.isArray(responses.guests) ? (responses.guests as string[]) : undefined;
    if (guests) out.guests = guests;
    const fields: Record<string, unknown> = { ...responses };
    if (typeof responses.email === "string") fields.displayEmail = displayEmail(responses.email);
    if (guests) fields.displayGuests = guests.map(displayEmail);
    out.bookingFieldsResponses = fields;
  }
  if (b.recurringEventId) out.recurringBookingUid = b.recurringEventId;
  const given = store.apiFields.get(b.uid);
  if (given) Object.assign(out, given);
  return out as ApiBooking;
}

/** Renders `b` as an item of the legacy (2024-04-15) `data.bookings` list. */
export function toLegacyBooking(store: Store, b: BookingRecord): Record<string, unknown> {
  const user = store.users.get(b.userId);
  const eventType = b.eventTypeId === null ? undefined : store.eventTypes.get(b.eventTypeId);
  return {
    id: b.id,
    title: b.title,
    userPrimaryEmail: user?.email ?? null,
    description: b.description,
    customInputs: {},
    startTime: iso(b.startTime),
    endTime: iso(b.endTime),
    attendees: b.attendees.map((a) => ({
      id: a.id,
      email: a.email,
      name: a.name,
      timeZone: a.timeZone,
      locale: a.locale,
      bookingId: b.id,
    })),
    metadata: b.metadata,
    uid: b.uid,
    recurringEventId: b.recurringEventId,
    location: b.location,
    eventType: eventType
      ? {
        slug: eventType.slug,
        id: eventType.id,
        eventName: null,
        price: eventType.price,
        recurringEvent: null,
        currency: eventType.currency,
        metadata: {},
        seatsShowAttendees: eventType.seatsShowAttendees,
        seatsShowAvailabilityCount: true,
        team: null,
      }
      : null,
    status: b.status,
    paid: b.paid,
    payment: [],
    references: [],
    isRecorded: false,
    seatsReferences: [],
    user: user ? { id: user.id, name: user.name, email: user.email } : null,
    rescheduled: b.rescheduled,
  };
}
