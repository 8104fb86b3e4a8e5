/**
 * How Cal.com fills the row of a new booking: the columns it starts with, its title, the booker's
 * answers, the attendee rows of the booker and their guests, and the Cal Video URL. Shared by the
 * booking operations and the seeded history, so live and seeded bookings look alike.
 *
 * @module
 */

import type { AttendeeRecord, BookingRecord, EventTypeRecord, UserRecord } from "./store.ts";

/** What a new row must be given, and the few defaults a caller may replace (series, reschedule, iCal). */
export type NewBookingColumns =
  & Pick<
    BookingRecord,
    | "id"
    | "uid"
    | "userId"
    | "eventTypeId"
    | "title"
    | "description"
    | "startTime"
    | "endTime"
    | "createdAt"
    | "updatedAt"
    | "status"
    | "location"
    | "metadata"
    | "responses"
    | "attendees"
    | "creationSource"
  >
  & Partial<Pick<BookingRecord, "recurringEventId" | "fromReschedule" | "iCalUID" | "iCalSequence">>;

/**
 * A new booking row: `columns` over the defaults (no series, no reschedule, `<uid>@cal.com`, sequence 0).
 * One object literal, not spreads: rows are read by the sorted indexes' key functions on every
 * comparison, and literal-built rows share one fast shape.
 */
export function newBookingRow(c: NewBookingColumns): BookingRecord {
  return {
    id: c.id,
    uid: c.uid,
    userId: c.userId,
    eventTypeId: c.eventTypeId,
    title: c.title,
    description: c.description,
    startTime: c.startTime,
    endTime: c.endTime,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    status: c.status,
    location: c.location,
    metadata: c.metadata,
    responses: c.responses,
    attendees: c.attendees,
    noShowHost: false,
    cancellationReason: null,
    rejectionReason: null,
    cancelledBy: null,
    rescheduled: null,
    fromReschedule: c.fromReschedule ?? null,
    rescheduledBy: null,
    recurringEventId: c.recurringEventId ?? null,
    iCalUID: c.iCalUID ?? `${c.uid}@cal.com`,
    iCalSequence: c.iCalSequence ?? 0,
    rating: null,
    paid: false,
    creationSource: c.creationSource,
  };
}

/** The title Cal.com gives a booking by default: "<event type> between <host> and <booker>". */
export function bookingTitle(eventType: EventTypeRecord, host: UserRecord, bookerName: string): string {
  return `${eventType.title} between ${host.name ?? host.username} and ${bookerName}`;
}

/** The booking answers Cal.com stores for a booker. */
export function bookerResponses(
  booker: { name: string; email: string },
  location: string,
  guests: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: booker.name,
    email: booker.email,
    guests,
    location: { value: location, optionValue: "" },
    ...extra,
  };
}

/** Attendee rows of the booker, then one per guest email (guests take the booker's zone and locale). */
export function bookerAttendees(
  booker: Omit<AttendeeRecord, "id" | "noShow">,
  guests: string[],
  nextId: () => number,
): AttendeeRecord[] {
  return [
    { id: nextId(), ...booker, noShow: false },
    ...guests.map((email) => ({
      id: nextId(),
      name: "",
      email,
      timeZone: booker.timeZone,
      locale: booker.locale,
      phoneNumber: null,
      noShow: false,
    })),
  ];
}

/** `metadata.videoCallUrl` for Cal Video bookings, as Cal.com fills it. */
export function videoMetadata(location: string | null, uid: string): Record<string, string> {
  return location === "integrations:daily" ? { videoCallUrl: `https://app.cal.com/video/${uid}` } : {};
}
