/**
 * When a sandbox host can be booked: one schedule for every user, weekdays 09:00–17:00 in the user's own
 * time zone (Cal.com's default "Working hours" schedule), minus the host's accepted and pending
 * bookings. `GET /v2/slots` offers the starts this leaves, and `POST /v2/bookings` books only inside it.
 *
 * @module
 */

import type { BookingRecord, EventTypeRecord, Store } from "./store.ts";

/** Working hours of every sandbox user, in their own time zone (Monday = 1 … Sunday = 7). */
export const WORKING_HOURS = { days: [1, 2, 3, 4, 5], startHour: 9, endHour: 17 } as const;

const MINUTE = 60_000;
const DAY = 86_400_000;

/** One bookable start; seated event types say how full the slot is. */
export interface Slot {
  start: number;
  end: number;
  seats?: { booked: number; total: number; bookingUid?: string };
}

/** Whether [start, end) lies within one working day of a user in `timeZone`. */
export function withinWorkingHours(timeZone: string, start: number, end: number): boolean {
  const local = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timeZone);
  if (!(WORKING_HOURS.days as readonly number[]).includes(local.dayOfWeek)) return false;
  const day = local.toPlainDate();
  const open = day.toZonedDateTime({ timeZone, plainTime: { hour: WORKING_HOURS.startHour } });
  const close = day.toZonedDateTime({ timeZone, plainTime: { hour: WORKING_HOURS.endHour } });
  return start >= open.epochMilliseconds && end <= close.epochMilliseconds;
}

/** The host's bookings that block time: accepted and pending ones overlapping [from, to). */
function busyBookings(store: Store, userId: number, from: number, to: number): BookingRecord[] {
  const byStart = store.index(userId).byStart;
  const out: BookingRecord[] = [];
  // Bookings are at most a day long, so only those starting in the previous day can overlap.
  for (let i = byStart.lowerBound(from - DAY); i < byStart.length; i++) {
    const b = byStart.at(i);
    if (b.startTime >= to) break;
    if (b.userId !== userId || b.endTime <= from) continue;
    if (b.status === "ACCEPTED" || b.status === "PENDING") out.push(b);
  }
  return out;
}

/**
 * The free slots of `eventType` starting in [from, to) and not before `now`: every `length` minutes
 * from the start of each working day (Cal.com's default slot interval is the event's length). A
 * seated event type keeps offering a slot its own booking holds until the seats are taken.
 */
export function freeSlots(
  store: Store,
  eventType: EventTypeRecord,
  range: { from: number; to: number; now: number; lengthInMinutes?: number },
): Slot[] {
  const host = store.users.get(eventType.userId);
  if (!host) return [];
  const length = (range.lengthInMinutes ?? eventType.length) * MINUTE;
  const busy = busyBookings(store, host.id, range.from - length, range.to + length);
  const slots: Slot[] = [];
  let day = Temporal.Instant.fromEpochMilliseconds(range.from).toZonedDateTimeISO(host.timeZone)
    .toPlainDate();
  const lastDay = Temporal.Instant.fromEpochMilliseconds(range.to).toZonedDateTimeISO(host.timeZone)
    .toPlainDate();
  for (; Temporal.PlainDate.compare(day, lastDay) <= 0; day = day.add({ days: 1 })) {
    if (!(WORKING_HOURS.days as readonly number[]).includes(day.dayOfWeek)) continue;
    const open =
      day.toZonedDateTime({ timeZone: host.timeZone, plainTime: { hour: WORKING_HOURS.startHour } })
        .epochMilliseconds;
    const close = day.toZonedDateTime({ timeZone: host.timeZone, plainTime: { hour: WORKING_HOURS.endHour } })
      .epochMilliseconds;
    for (let start = open; start + length <= close; start += length) {
      if (start < range.from || start >= range.to || start < range.now) continue;
      const slot = slotAt(eventType, busy, start, start + length);
      if (slot) slots.push(slot);
    }
  }
  return slots;
}

/** The slot [start, end) of `eventType` given the host's busy bookings, or undefined when taken. */
function slotAt(
  eventType: EventTypeRecord,
  busy: BookingRecord[],
  start: number,
  end: number,
): Slot | undefined {
  const overlapping = busy.filter((b) => b.startTime < end && b.endTime > start);
  if (eventType.seatsPerTimeSlot === null) return overlapping.length === 0 ? { start, end } : undefined;
  const own = overlapping.find((b) => b.eventTypeId === eventType.id && b.startTime === start);
  if (overlapping.some((b) => b !== own)) return undefined;
  const booked = own?.attendees.length ?? 0;
  if (booked >= eventType.seatsPerTimeSlot) return undefined;
  return { start, end, seats: { booked, total: eventType.seatsPerTimeSlot, bookingUid: own?.uid } };
}
