import assert from "node:assert/strict";
import { CalcomApiError } from "../client/calcom_supabase_client.ts";
import { bookingError } from "./error_messages.ts";

Deno.test("a refusal's details.reason becomes a sentence", () => {
  const err = new CalcomApiError("conflict", "The time is taken", 409, { reason: "slot_unavailable" });
  assert.deepEqual(bookingError(err, "book"), { message: "That time is no longer free. Pick another time" });
});

Deno.test("an invalid attendee email names the field", () => {
  const err = new CalcomApiError("invalid_request", "Invalid request", 400, {
    issues: [{ path: "attendee.email", message: "must be an e-mail address" }],
  });
  assert.equal(bookingError(err, "book").field, "attendee.email");
});

Deno.test("Cal.com's own refusal is quoted with what was tried", () => {
  const err = new CalcomApiError("invalid_request", "Booking is locked", 400, { reason: "calcom_rejected" });
  assert.equal(
    bookingError(err, "cancel").message,
    "Cal.com refused to cancel this booking: Booking is locked",
  );
});

Deno.test("a failure that is not the API's asks for a reload", () => {
  assert.match(bookingError(new TypeError("x"), "confirm").message, /Reload it and try again/);
});
