import assert from "node:assert/strict";
import { CalcomError, errorFromResponse } from "../_shared/calcom/errors.ts";
import { ApiError } from "../_shared/platform/api_error.ts";
import { type BookingAction, bookingActionError } from "./booking_action_errors.ts";

function answer(status: number, body: unknown, action: BookingAction = "cancel") {
  const err = bookingActionError(
    action,
    errorFromResponse("POST /v2/bookings/u/x", status, JSON.stringify(body), []),
  );
  assert.ok(err instanceof ApiError);
  return {
    status: err.status,
    code: err.code,
    message: err.message,
    details: err.details as { reason?: string; calcom?: { status: number; message: string } },
  };
}

const envelope = (message: string, code = "BadRequestException") => ({
  status: "error",
  error: { code, message },
});

Deno.test("an engine error read from the top-level message is mapped like the envelope's", () => {
  const err = answer(400, { message: "Cancellation reason is required when you are the host" });
  assert.deepEqual([err.status, err.code, err.details.reason], [400, "invalid_request", "reason_required"]);
  assert.deepEqual(err.details.calcom?.message, "Cancellation reason is required when you are the host");
});

Deno.test("an already rescheduled booking is a 409 naming the booking to act on instead", () => {
  const err = answer(
    400,
    envelope(
      "Can't reschedule booking with uid=a because it has been cancelled and rescheduled already to booking with uid=b2. You probably want to reschedule b2 instead by passing it within the request URL.",
    ),
    "reschedule",
  );
  assert.deepEqual([err.status, err.code, err.details.reason], [409, "conflict", "already_rescheduled"]);
  assert.match(err.message, /to booking b2/);
});

Deno.test("the confirm engine's tRPC texts: 401 is a refusal, 400 a booking that no longer waits", () => {
  const trpc = answer(
    401,
    envelope("You are not authorized to access this resource", "TRPCError"),
    "confirm",
  );
  assert.deepEqual([trpc.status, trpc.code, trpc.details.reason], [400, "invalid_request", "not_allowed"]);
  const generic = answer(
    400,
    envelope("Bad request: Please check your request data and try again", "TRPCError"),
    "decline",
  );
  assert.deepEqual([generic.status, generic.details.reason], [409, "not_pending"]);
  const key = answer(401, envelope("Invalid API Key", "UnauthorizedException"));
  assert.deepEqual([key.status, key.code], [400, "invalid_api_key"]);
});

Deno.test("refusals any booking call meets are answered as the create answers them", () => {
  const seats = answer(
    409,
    envelope("No more seats left at this seated booking.", "ConflictException"),
    "reschedule",
  );
  assert.deepEqual([seats.status, seats.code, seats.details.reason], [409, "conflict", "seats_full"]);
  const past = answer(400, envelope("Attempting to book a meeting in the past."), "reschedule");
  assert.deepEqual([past.status, past.details.reason], [400, "start_in_past"]);
});

Deno.test("5xx, 429 and no answer at all are 502; Cal.com's 404 is booking_not_found", () => {
  assert.equal(answer(503, envelope("down", "ServiceUnavailableException")).code, "calcom_unavailable");
  assert.equal(answer(429, envelope("slow down", "ThrottlerException")).code, "calcom_unavailable");
  const network = bookingActionError(
    "cancel",
    new CalcomError("reset", { code: "NetworkError", retryable: true }),
  );
  assert.ok(network instanceof ApiError && network.status === 502);
  const gone = answer(404, envelope("Booking with uid=u not found"));
  assert.deepEqual([gone.status, gone.code, gone.details.reason], [404, "not_found", "booking_not_found"]);
});

Deno.test("an unrecognised refusal keeps Cal.com's message, and a non-Cal.com error passes through", () => {
  const other = answer(400, envelope("Something new Cal.com says"), "decline");
  assert.deepEqual([other.status, other.details.reason], [400, "calcom_rejected"]);
  assert.match(other.message, /Something new Cal.com says/);
  const bug = new TypeError("bug");
  assert.equal(bookingActionError("cancel", bug), bug);
});
