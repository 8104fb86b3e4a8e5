/**
 * Zod schemas for what Cal.com answers when an app offers times and books: event types
 * (`GET /v2/event-types`, cal-api-version 2024-06-14) and free slots (`GET /v2/slots`, 2024-09-04). See
 * `docs/calcom-contract.md`, "Event types and slots". Tolerant like `schemas.ts`: unknown fields pass.
 *
 * @module
 */
import { z } from "zod";

const optionalNumber = z.number().nullish();

/**
 * One event type. Version 2024-06-14 has no `requiresConfirmation` boolean: `confirmationPolicy` is
 * `{disabled: true}` when none is needed, else `{type: "always" | "time", …}`; `seats` is
 * `{disabled: true}` or `{seatsPerTimeSlot, …}`.
 */
export const EventTypeSchema = z.looseObject({
  id: z.number().int(),
  slug: z.string(),
  title: z.string(),
  lengthInMinutes: z.number().int(),
  lengthInMinutesOptions: z.array(z.number().int()).nullish(),
  description: z.string().nullish(),
  hidden: z.boolean().nullish(),
  confirmationPolicy: z.looseObject({
    disabled: z.boolean().nullish(),
    type: z.string().nullish(),
  }).nullish(),
  seats: z.looseObject({
    disabled: z.boolean().nullish(),
    seatsPerTimeSlot: optionalNumber,
  }).nullish(),
  seatsPerTimeSlot: optionalNumber,
  recurrence: z.looseObject({}).nullish(),
});
/** An event type from API v2 (unknown fields preserved). */
export type CalcomEventType = z.infer<typeof EventTypeSchema>;

/** One free slot: `start` (in the requested zone), plus `end` and seat counts when Cal.com adds them. */
export const SlotSchema = z.looseObject({
  start: z.string().min(1),
  end: z.string().nullish(),
  seatsBooked: optionalNumber,
  seatsRemaining: optionalNumber,
  seatsTotal: optionalNumber,
  bookingUid: z.string().nullish(),
});
/** A free slot. */
export type CalcomSlot = z.infer<typeof SlotSchema>;

/** `GET /v2/slots` data: day (`YYYY-MM-DD`) → slots; days without a free slot are left out. */
export const SlotsByDaySchema = z.record(z.string(), z.array(SlotSchema));
