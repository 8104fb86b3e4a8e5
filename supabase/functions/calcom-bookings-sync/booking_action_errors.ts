/**
 * What a failed Cal.com booking action means for the caller: a refusal Cal.com explained (the booking
 * is already cancelled, the time is taken…) becomes a 409 `calcom_conflict` or a 422 `calcom_refused`
 * with `details.reason` and a message a person can act on; a Cal.com that failed or could not be
 * reached becomes a 502 `calcom_unavailable`. The messages matched are Cal.com's own (see
 * docs/calcom-contract.md, "Booking actions").
 *
 * @module
 */
import { CalcomError } from "../_shared/calcom/errors.ts";
import { type ApiError, apiError } from "../_shared/platform/http.ts";

/** The actions of the booking action routes. */
export type BookingAction = "cancel" | "reschedule" | "confirm" | "decline" | "mark-absent";

/** Why Cal.com refused an action, as `details.reason`. */
export type RefusalReason =
  | "already_cancelled"
  | "already_rescheduled"
  | "not_pending"
  | "slot_taken"
  | "seats_full"
  | "in_the_past"
  | "outside_booking_window"
  | "already_ended"
  | "not_started"
  | "reason_required"
  | "invalid_seat"
  | "not_allowed"
  | "not_recurring"
  | "other";

interface Rule {
  test: RegExp;
  reason: RefusalReason;
  conflict: boolean;
  message: (calcom: string) => string;
}

const RULES: readonly Rule[] = [
  {
    test: /cancelled and rescheduled already to booking with uid=([^\s.]+)/i,
    reason: "already_rescheduled",
    conflict: true,
    message: (m) => {
      const to = /rescheduled already to booking with uid=([^\s.]+)/i.exec(m)?.[1];
      return `This booking was already rescheduled${
        to ? ` to booking ${to}` : ""
      }: act on that booking instead`;
    },
  },
  {
    test: /(has been cancelled already|because it has been cancelled)/i,
    reason: "already_cancelled",
    conflict: true,
    message: () => "This booking is already cancelled in Cal.com",
  },
  {
    test: /no more seats left/i,
    reason: "seats_full",
    conflict: true,
    message: () => "No seats are left at this time: choose another time",
  },
  {
    test: /(already has booking at this time or is not available|booking_conflict_error)/i,
    reason: "slot_taken",
    conflict: true,
    message: () => "That time is no longer free: choose another one of the free slots",
  },
  {
    test: /booking already confirmed/i,
    reason: "not_pending",
    conflict: true,
    message: () => "This booking is already confirmed: it no longer waits for confirmation",
  },
  {
    test: /attempting to book a meeting in the past/i,
    reason: "in_the_past",
    conflict: false,
    message: () => "The new time is in the past: choose a time in the future",
  },
  {
    test: /can't be booked at the "start" time provided/i,
    reason: "outside_booking_window",
    conflict: false,
    message: () => "That time is too soon or too far ahead for this event type: choose one of the free slots",
  },
  {
    test: /cannot cancel a booking that has already ended/i,
    reason: "already_ended",
    conflict: false,
    message: () => "This booking has already ended: it can no longer be cancelled",
  },
  {
    test: /(only be marked as absent after their scheduled start|before the meeting has started)/i,
    reason: "not_started",
    conflict: false,
    message: () => "Attendance can only be recorded once the booking has started",
  },
  {
    test: /cancellation reason is required/i,
    reason: "reason_required",
    conflict: false,
    message: () => "Cal.com needs a reason when the host cancels: add a reason",
  },
  {
    test:
      /invalid seatuid|seated booking which means you have to provide seatuid|not a part of this booking/i,
    reason: "invalid_seat",
    conflict: false,
    message: (m) =>
      /provide seatuid/i.test(m)
        ? "This is a seated booking: name the seat (seatUid) to act on"
        : "That seat is not part of this booking or was already cancelled",
  },
  {
    test: /is not part of a recurring booking|cannot cancel subsequent bookings/i,
    reason: "not_recurring",
    conflict: false,
    message: () => "cancelSubsequentBookings applies only to one occurrence of a recurring booking",
  },
  {
    test: /does not allow cancellations/i,
    reason: "not_allowed",
    conflict: false,
    message: () => "This event type does not allow cancellations",
  },
];

/** Cal.com's generic answer to a refused confirm or decline (its tRPC errors lose their text). */
const GENERIC_BAD_REQUEST = /please check your request data/i;

function refused(
  reason: RefusalReason,
  conflict: boolean,
  message: string,
  calcomMessage?: string,
): ApiError {
  const details = calcomMessage === undefined ? { reason } : { reason, calcomMessage };
  return conflict
    ? apiError(409, "calcom_conflict", message, details)
    : apiError(422, "calcom_refused", message, details);
}

/**
 * The answer for a failed Cal.com action call. `err` is what the client threw (anything else is
 * rethrown as it is, a bug to answer 500).
 */
export function bookingActionError(action: BookingAction, err: unknown): unknown {
  if (!(err instanceof CalcomError)) return err;
  const status = err.status;
  const said = err.calcomMessage;
  if (status === undefined || status >= 500 || status === 429 || status < 400) {
    return apiError(502, "calcom_unavailable", `Cal.com did not complete the ${action}: ${err.message}`);
  }
  if (status === 404) {
    return apiError(404, "not_found", "Cal.com no longer has this booking: sync to update the mirror");
  }
  // The confirm engine's tRPC errors: 401 means the key's user may not confirm, not a bad key.
  if (status === 401 && err.code === "TRPCError") {
    return refused("not_allowed", false, `Your Cal.com account may not ${action} this booking`, said);
  }
  if (status === 401) {
    return apiError(
      400,
      "invalid_api_key",
      "Cal.com refused the connection's API key: connect the account again",
    );
  }
  if (status === 403) {
    return refused("not_allowed", false, `Your Cal.com account may not ${action} this booking`, said);
  }
  const text = said ?? "";
  for (const rule of RULES) {
    if (rule.test.test(text)) return refused(rule.reason, rule.conflict, rule.message(text), said);
  }
  if ((action === "confirm" || action === "decline") && GENERIC_BAD_REQUEST.test(text)) {
    return refused(
      "not_pending",
      true,
      `Cal.com refused to ${action} this booking: it no longer waits for confirmation`,
      said,
    );
  }
  return refused("other", false, `Cal.com refused the ${action}: ${text || `HTTP ${status}`}`, said);
}
