/**
 * How Cal.com fills the row of a new booking: the columns it starts with, its title, the booker's
 * answers, the attendee rows of the booker and their guests, and the Cal Video URL. Shared by the
 * booking operations and the seeded history, so live and seeded bookings look alike.
 *
 * @module
 */

import type { AttendeeRecord, BookingRecord, EventTypeRecord, UserRecord } from "./store.ts";

/** The columns a booking nobody has cancelled, rejected, rescheduled or marked absent holds. */
export const UNCHANGED_BOOKING = {
  noShowHost: false,
  cancellationReason: null,
  rejectionReason: null,
  cancelledBy: null,
  rescheduled: null,
  rescheduledBy: null,
} as const satisfies Partial<BookingRecord>;

/** What a new row must be given; every other column starts as Cal.com's defaults have it. */
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
  & Partial<BookingRecord>;

/** A new booking row: `columns` over the defaults (no series, no reschedule, `<uid>@cal.com`, sequence 0). */
export function newBookingRow(columns: NewBookingColumns): BookingRecord {
  return {
    ...UNCHANGED_BOOKING,
    fromReschedule: null,
    recurringEventId: null,
    iCalUID: `${columns.uid}@cal.com`,
    iCalSequence: 0,
    rating: null,
    paid: false,
    ...columns,
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
