import assert from "node:assert/strict";
import { calcomWebhookTriggers } from "./webhook_triggers.ts";

Deno.test("the registered triggers are every booking and meeting trigger and nothing else", () => {
  assert.deepEqual([...calcomWebhookTriggers].sort(), [
    "BOOKING_CANCELLED",
    "BOOKING_CREATED",
    "BOOKING_NO_SHOW_UPDATED",
    "BOOKING_PAID",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_REJECTED",
    "BOOKING_REQUESTED",
    "BOOKING_RESCHEDULED",
    "MEETING_ENDED",
    "MEETING_STARTED",
    "RECORDING_READY",
    "RECORDING_TRANSCRIPTION_GENERATED",
  ]);
});
