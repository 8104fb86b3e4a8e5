/**
 * What a booking trigger of a seated event type means (corrections §1; docs/calcom-contract.md, "Seated
 * event types"). Such a payload carries `seatsPerTimeSlot` (the event type's, which Cal.com puts in every
 * seated booking's evt), and its `attendees` are the attendees a change concerns, not the booking's list:
 *
 * - `BOOKING_CREATED`/`BOOKING_REQUESTED` without `rescheduleUid`: a seat booked; the booker joins.
 * - `BOOKING_CANCELLED`: a seat cancelled; the attendee leaves and the booking stays as it is, unless no
 *   attendee would be left (the whole booking, or its last seat, was cancelled): then it is CANCELLED.
 * - A reschedule without `rescheduleId`: `rescheduleUid` is a seat uid (or, for a host moving the whole
 *   booking, a booking uid). The attendees join the booking `uid` and leave the booking the seat was in:
 *   the one named `rescheduleUid`, else the one of that event type at `rescheduleStartTime`.
 * - Any other booking trigger writes the booking's state and keeps the mirrored attendees.
 *
 * @module
 */
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import { UNKNOWN_SOURCE_TIME } from "../_shared/bookings/map_api_booking.ts";
import type { SeatChange } from "./apply_seat_change.ts";
import type { BookingPayload } from "./webhook_payloads.ts";

/** Whether a booking payload is of a seated event type. */
export function isSeatedPayload(p: BookingPayload): boolean {
  return typeof p.seatsPerTimeSlot === "number" && p.seatsPerTimeSlot > 0;
}

/**
 * The seat changes a seated booking payload stands for, or null when it is a reschedule that carries a
 * `rescheduleId` (Cal.com's seat paths never send one), which is planned like any reschedule.
 */
export function planSeatedBooking(
  trigger: string,
  p: BookingPayload,
  row: BookingRow,
  at: string,
): SeatChange[] | null {
  const emails = row.attendees.map((a) => a.email).filter((e): e is string => !!e);
  const base = { uid: row.booking_uid, at, add: [], remove: [] };
  const created = { ...row, source_updated_at: UNKNOWN_SOURCE_TIME };
  const isReschedule = trigger === "BOOKING_RESCHEDULED" || trigger === "BOOKING_REQUESTED";
  if (isReschedule && p.rescheduleUid) {
    if (p.rescheduleId != null) return null;
    // a host moved the whole booking in place: its state changed, its attendees did not
    if (p.rescheduleUid === row.booking_uid) return [{ ...base, stateRow: row }];
    return [
      { ...base, add: row.attendees, insertRow: created },
      {
        ...base,
        remove: emails,
        cancelWhenEmptied: { cancellationReason: null },
        locate: {
          uid: p.rescheduleUid,
          eventTypeId: p.eventTypeId ?? null,
          startTime: p.rescheduleStartTime ?? null,
          exceptUid: row.booking_uid,
        },
      },
    ];
  }
  switch (trigger) {
    case "BOOKING_CREATED":
    case "BOOKING_REQUESTED":
      return [{ ...base, add: row.attendees, insertRow: created }];
    case "BOOKING_CANCELLED":
      return [{
        ...base,
        remove: emails,
        cancelWhenEmptied: { cancellationReason: row.cancellation_reason },
      }];
    default:
      return [{ ...base, stateRow: row }];
  }
}
