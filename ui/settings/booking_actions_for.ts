/**
 * Which actions a stored booking offers at a given moment, from its status and times: the rules of
 * Recent Bookings, kept apart from the markup so they can be tested alone.
 *
 * @module
 */
import type { BookingView } from "../client/calcom_supabase_client.ts";

/** The actions a booking in the list may offer. */
export type BookingActionKind = "cancel" | "reschedule" | "confirm" | "decline" | "mark-absent";

/**
 * Upcoming accepted or unconfirmed bookings can be cancelled and moved; unconfirmed ones (not yet
 * started) confirmed or declined; accepted ones that have started take no-show marks (Cal.com refuses
 * them before the start).
 */
export function bookingActionsFor(booking: BookingView, now: Date): BookingActionKind[] {
  const started = Date.parse(booking.startTime) <= now.getTime();
  const actions: BookingActionKind[] = [];
  if (booking.status === "PENDING" && !started) actions.push("confirm", "decline");
  if ((booking.status === "ACCEPTED" || booking.status === "PENDING") && !started) {
    actions.push("cancel", "reschedule");
  }
  if (booking.status === "ACCEPTED" && started) actions.push("mark-absent");
  return actions;
}

/** One attendee as stored (Cal.com's fields; `absent` once a no-show was recorded). */
export interface StoredAttendee {
  name?: string | null;
  email?: string | null;
  timeZone?: string | null;
  absent?: boolean | null;
}

/** The attendees of a booking that are objects (the column holds what Cal.com sent). */
export function attendeesOf(booking: BookingView): StoredAttendee[] {
  return (booking.attendees as StoredAttendee[]).filter((a) => a !== null && typeof a === "object");
}

/**
 * The bookings of a list after an action: the answered bookings replace theirs by uid (a reschedule's
 * old booking gives its place to the new one), the rest stay; start-time order, as the read API lists.
 */
export function mergeBookings(
  list: readonly BookingView[],
  answered: { booking: BookingView; previousBooking?: BookingView; bookings?: BookingView[] },
): BookingView[] {
  const fresh = new Map<string, BookingView>();
  for (const b of answered.bookings ?? []) fresh.set(b.uid, b);
  fresh.set(answered.booking.uid, answered.booking);
  const replacedBy = answered.previousBooking ? answered.previousBooking.uid : undefined;
  const next: BookingView[] = [];
  for (const b of list) {
    if (b.uid === replacedBy) continue;
    next.push(fresh.get(b.uid) ?? b);
    fresh.delete(b.uid);
  }
  next.push(...fresh.values());
  return next.sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
}
