/**
 * What calcom-webhook answers on success, as zod schemas: the routes' bodies are typed from them and
 * docs/openapi.json is generated from them. Failures answer the common error envelope (`ErrorBodySchema`).
 *
 * @module
 */
import { z } from "zod";

/** `POST /calcom-webhook/<connection id>`: the answer to a correctly signed delivery (200, or 202 deferred). */
export const DeliveryReceiptSchema = z.object({
  received: z.literal(true),
  processed: z.boolean(),
  /** The trigger, when the body said one. */
  event: z.string().nullable(),
  /** The id of the event in `calcom_webhook_events`; null when deferred. */
  eventId: z.uuid().nullable(),
  /** The same body was delivered before: nothing was written. */
  duplicate: z.literal(true).optional(),
  /** Beyond the connection's quota: not logged, the booking is read again by the next sync (202). */
  deferred: z.literal(true).optional(),
}).meta({ id: "DeliveryReceipt" });

/** The answer to a correctly signed delivery. */
export type DeliveryReceipt = z.infer<typeof DeliveryReceiptSchema>;

/** What a replay call did. */
export const ReplayResultSchema = z.object({
  /** Events re-processed by this call. */
  replayed: z.int().nonnegative(),
  processed: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  /** Verified events still unprocessed afterwards (call again to continue when over the batch size). */
  remaining: z.int().nonnegative(),
});

/** What a replay call did. */
export type ReplayResult = z.infer<typeof ReplayResultSchema>;

/** `POST /calcom-webhook/<connection id>/replay`: the owner's replay. */
export const ReplayResponseSchema = ReplayResultSchema.extend({ success: z.literal(true) })
  .meta({ id: "ReplayResult" });

/** A replay's answer. */
export type ReplayResponse = z.infer<typeof ReplayResponseSchema>;
