import assert from "node:assert/strict";
import { calcomLegacyWebhookTriggers, calcomWebhookTriggers } from "./webhook_triggers.ts";

Deno.test("the registered triggers are every booking and meeting trigger and nothing else", () => {
  assert.deepEqual([...calcomWebhookTriggers].sort(), [
    "BOOKING_CANCELLED",
    "BOOKING_CREATED",
    "BOOKING_LOCATION_UPDATED",
    "BOOKING_NO_SHOW_UPDATED",
    "BOOKING_PAID",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_REASSIGNED",
    "BOOKING_REJECTED",
    "BOOKING_REQUESTED",
    "BOOKING_RESCHEDULED",
    "MEETING_ENDED",
    "MEETING_STARTED",
    "RECORDING_READY",
    "RECORDING_TRANSCRIPTION_GENERATED",
  ]);
});

Deno.test("the legacy triggers are the registered ones without the newer booking triggers", () => {
  assert.deepEqual(
    calcomWebhookTriggers.filter((t) => !calcomLegacyWebhookTriggers.includes(t)),
    ["BOOKING_LOCATION_UPDATED", "BOOKING_REASSIGNED"],
  );
});
