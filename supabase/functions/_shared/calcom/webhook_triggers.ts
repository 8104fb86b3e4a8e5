/**
 * The Cal.com webhook triggers the integration subscribes to.
 *
 * @module
 */

/**
 * Every booking trigger and meeting trigger the sync mirrors, in the spelling `POST /v2/webhooks`
 * accepts (`docs/calcom-contract.md` section 5). Form, out-of-office and no-show-automation triggers are left
 * out: they do not change a booking row. A Cal.com that refuses the newer ones is given
 * {@linkcode calcomLegacyWebhookTriggers} instead.
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
  "BOOKING_LOCATION_UPDATED",
  "BOOKING_REASSIGNED",
] as const;

/** The booking triggers newer Cal.com versions accept (corrections §5); older ones refuse them. */
export const calcomNewerWebhookTriggers = ["BOOKING_LOCATION_UPDATED", "BOOKING_REASSIGNED"] as const;

/** {@linkcode calcomWebhookTriggers} without the newer ones, for a Cal.com that does not know them. */
export const calcomLegacyWebhookTriggers = calcomWebhookTriggers.filter((t) =>
  !(calcomNewerWebhookTriggers as readonly string[]).includes(t)
);

/** The payload version pinned on every webhook registered, so the body shape cannot change under us. */
export const calcomWebhookPayloadVersion = "2021-10-20";

/** One of {@linkcode calcomWebhookTriggers}. */
export type CalcomWebhookTrigger = typeof calcomWebhookTriggers[number];
