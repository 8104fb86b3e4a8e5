/**
 * What a person is told when Cal.com refuses or fails an action: a refusal (4xx) becomes a 4xx of our
 * envelope with a message to act on and `details.reason` for code (`slot_unavailable`, `start_in_past`,
 * `seats_full`, `event_type_not_found`, `calcom_rejected`) plus what Cal.com said; anything else (5xx,
 * throttling past the deadline, timeouts, odd answers) is a 502 `calcom_unavailable`.
 *
 * @module
 */
import { isCalcomError } from "../_shared/calcom/errors.ts";
import { type ApiError, apiError } from "../_shared/platform/http.ts";

/** Known refusals of `POST /v2/bookings` and `GET /v2/slots`, by Cal.com's message (calcom-contract.md). */
const REFUSALS: Array<{ match: RegExp; status: 400 | 404 | 409; reason: string; message: string }> = [
  {
    match: /already has booking at this time or is not available|booking_conflict_error/,
    status: 409,
    reason: "slot_unavailable",
    message: "This time is no longer available: pick another slot",
  },
  {
    match: /can't be booked at the "start" time provided/,
    status: 409,
    reason: "slot_unavailable",
    message: "This time cannot be booked (too soon or too far ahead): pick one of the offered slots",
  },
  {
    match: /Attempting to book a meeting in the past/,
    status: 400,
    reason: "start_in_past",
    message: "This time is in the past: pick a future slot",
  },
  {
    match: /No more seats left|booking_seats_full_error/,
    status: 409,
    reason: "seats_full",
    message: "This slot has no seats left: pick another slot",
  },
  {
    match: /already_signed_up_for_this_booking_error/,
    status: 409,
    reason: "already_booked",
    message: "This attendee already has a seat in this slot",
  },
  {
    match: /Event type with (id|slug) .* not found/,
    status: 404,
    reason: "event_type_not_found",
    message: "This event type no longer exists in Cal.com",
  },
];

/** Cal.com's own text, without the client's "Cal.com POST /v2/bookings failed with 400 …:" prefix. */
function calcomMessage(message: string): string {
  return message.replace(/^Cal\.com [A-Z]+ \S+ failed with \d+ \S+: /, "");
}

/** The answer for `err` thrown by a Cal.com call, or `err` itself when it is not a Cal.com error. */
export function calcomRefusal(err: unknown): ApiError | unknown {
  if (!isCalcomError(err)) return err;
  const status = err.status;
  if (status === 401 || status === 403) {
    return apiError(
      400,
      "invalid_api_key",
      `Cal.com rejected the API key (HTTP ${status}): connect the account again`,
    );
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 429 && status !== 408) {
    const said = calcomMessage(err.message);
    const calcom = { status, code: err.code, message: said };
    const known = REFUSALS.find((r) => r.match.test(said));
    if (known) {
      return apiError(known.status, statusCode(known.status), known.message, {
        reason: known.reason,
        calcom,
      });
    }
    const code = status === 404 ? "not_found" : status === 409 ? "conflict" : "invalid_request";
    const ours = status === 404 ? 404 : status === 409 ? 409 : 400;
    return apiError(ours, code, `Cal.com refused the request: ${said}`, {
      reason: "calcom_rejected",
      calcom,
    });
  }
  return apiError(502, "calcom_unavailable", "Cal.com is not answering as expected: try again in a moment", {
    calcom: { status: status ?? null, code: err.code },
  });
}

function statusCode(status: 400 | 404 | 409) {
  return status === 404
    ? "not_found" as const
    : status === 409
    ? "conflict" as const
    : "invalid_request" as const;
}
