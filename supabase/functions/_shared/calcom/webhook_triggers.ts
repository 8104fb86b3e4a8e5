/**
 * The Cal.com webhook triggers the integration subscribes to.
 *
 * @module
 */

/**
 * Every booking trigger and meeting trigger the sync mirrors, in the spelling `POST /v2/webhooks`
 * accepts (`docs/calcom-contract.md` section 5). Form, out-of-office and no-show-automation triggers are left
 * out: they do not change a booking row.
 */
export const calcomWebhookTriggers = [
  "BOOKING_CREATED",
  "BOOKING_REQUESTED",
  "BOOKING_RESCHEDULED",
  "BOOKING_CANCELLED",
  "BOOKING_REJECTED",
  "BOOKING_PAID",
  "BOOKING_PAYMENT_INITIATED",
  "BOOKING_NO_SHOW_UPDATED",
  "MEETING_STARTED",
  "MEETING_ENDED",
  "RECORDING_READY",
  "RECORDING_TRANSCRIPTION_GENERATED",
] as const;

/** One of {@linkcode calcomWebhookTriggers}. */
export type CalcomWebhookTrigger = typeof calcomWebhookTriggers[number];
