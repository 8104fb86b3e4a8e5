import assert from "node:assert/strict";
import { CalcomError, errorFromResponse } from "../_shared/calcom/errors.ts";
import { ApiError } from "../_shared/platform/api_error.ts";
import { bookingActionError } from "./booking_action_errors.ts";

function answer(status: number, body: unknown, action: Parameters<typeof bookingActionError>[0] = "cancel") {
  const err = bookingActionError(
    action,
    errorFromResponse("POST /v2/bookings/u/x", status, JSON.stringify(body), []),
  );
  assert.ok(err instanceof ApiError);
  return {
    status: err.status,
    code: err.code,
    message: err.message,
    details: err.details as Record<string, unknown>,
  };
}

const envelope = (message: string, code = "BadRequestException") => ({
  status: "error",
  error: { code, message },
});

Deno.test("a full seated slot is a 409 calcom_conflict seats_full", () => {
  const err = answer(
    409,
    envelope("No more seats left at this seated booking.", "ConflictException"),
    "reschedule",
  );
  assert.deepEqual([err.status, err.code, err.details.reason], [409, "calcom_conflict", "seats_full"]);
  assert.equal(err.details.calcomMessage, "No more seats left at this seated booking.");
});

Deno.test("an engine error read from the top-level message is mapped like the envelope's", () => {
  const err = answer(400, { message: "Cancellation reason is required when you are the host" });
  assert.deepEqual([err.status, err.code, err.details.reason], [422, "calcom_refused", "reason_required"]);
});

Deno.test("the confirm engine's tRPC 401 is a refusal, any other 401 a refused key", () => {
  const trpc = answer(
    401,
    envelope("You are not authorized to access this resource", "TRPCError"),
    "confirm",
  );
  assert.deepEqual([trpc.status, trpc.code, trpc.details.reason], [422, "calcom_refused", "not_allowed"]);
  const key = answer(401, envelope("Invalid API Key", "UnauthorizedException"));
  assert.deepEqual([key.status, key.code], [400, "invalid_api_key"]);
});

Deno.test("5xx, 429 and no answer at all are 502 calcom_unavailable; 404 is not_found", () => {
  assert.equal(answer(503, envelope("down", "ServiceUnavailableException")).code, "calcom_unavailable");
  assert.equal(answer(429, envelope("slow down", "ThrottlerException")).code, "calcom_unavailable");
  const network = bookingActionError(
    "cancel",
    new CalcomError("reset", { code: "NetworkError", retryable: true }),
  );
  assert.ok(network instanceof ApiError && network.status === 502);
  assert.deepEqual([answer(404, envelope("Booking with uid=u not found")).status], [404]);
});

Deno.test("an unrecognised refusal keeps Cal.com's message, and a non-Cal.com error passes through", () => {
  const other = answer(400, envelope("Something new Cal.com says"), "decline");
  assert.deepEqual([other.status, other.details.reason], [422, "other"]);
  assert.equal(other.message, "Cal.com refused the decline: Something new Cal.com says");
  const bug = new TypeError("bug");
  assert.equal(bookingActionError("cancel", bug), bug);
});
