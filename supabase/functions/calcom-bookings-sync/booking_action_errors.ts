/**
 * What a failed Cal.com booking action means for the caller. The refusals particular to acting on an
 * existing booking (already cancelled, already rescheduled, no longer pending, ended, not started, a
 * reason or a seat needed…) become a 409 `conflict` (the booking's state) or a 400 `invalid_request`
 * with `details.reason`, a message a person can act on and `details.calcom` (what Cal.com said); the
 * rest (the time taken or in the past, seats full, a refused key, Cal.com failing) are answered as
 * every Cal.com call of this function is ({@linkcode calcomRefusal}). The messages matched are Cal.com's
 * own (docs/calcom-contract.md §6.5).
 *
 * @module
 */
import { CalcomError } from "../_shared/calcom/errors.ts";
import { type ApiError, apiError } from "../_shared/platform/http.ts";
import { calcomRefusal } from "./calcom_refusal.ts";

/** The actions of the booking action routes. */
export type BookingAction = "cancel" | "reschedule" | "confirm" | "decline" | "mark-absent";

/** Why Cal.com refused an action, as `details.reason` (besides {@linkcode calcomRefusal}'s reasons). */
export type RefusalReason =
  | "already_cancelled"
  | "already_rescheduled"
  | "not_pending"
  | "already_ended"
  | "not_started"
  | "reason_required"
  | "invalid_seat"
  | "not_allowed"
  | "not_recurring"
  | "booking_not_found";

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
    test: /booking already confirmed/i,
    reason: "not_pending",
    conflict: true,
    message: () => "This booking is already confirmed: it no longer waits for confirmation",
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
  err: CalcomError,
): ApiError {
  const details = {
    reason,
    calcom: { status: err.status, code: err.code, message: err.calcomMessage ?? null },
  };
  return conflict
    ? apiError(409, "conflict", message, details)
    : apiError(400, "invalid_request", message, details);
}

/**
 * The answer for a failed Cal.com action call. `err` is what the client threw (anything else is
 * returned as it is, a bug to answer 500).
 */
export function bookingActionError(action: BookingAction, err: unknown): unknown {
  if (!(err instanceof CalcomError)) return err;
  const status = err.status;
  const said = err.calcomMessage ?? "";
  if (status === 404) {
    return apiError(404, "not_found", "Cal.com no longer has this booking: sync to update the mirror", {
      reason: "booking_not_found",
      calcom: { status, code: err.code, message: err.calcomMessage ?? null },
    });
  }
  // The confirm engine's tRPC errors: a 401 there means the key's user may not confirm, not a bad key.
  if (status === 401 && err.code === "TRPCError") {
    return refused("not_allowed", false, `Your Cal.com account may not ${action} this booking`, err);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    for (const rule of RULES) {
      if (rule.test.test(said)) return refused(rule.reason, rule.conflict, rule.message(said), err);
    }
    if ((action === "confirm" || action === "decline") && GENERIC_BAD_REQUEST.test(said)) {
      return refused(
        "not_pending",
        true,
        `Cal.com refused to ${action} this booking: it no longer waits for confirmation`,
        err,
      );
    }
  }
  return calcomRefusal(err);
}
