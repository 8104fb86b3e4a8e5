/**
 * `GET /calcom-bookings-sync/event-types?connectionId=` → `{ eventTypes: EventTypeView[] }`: the
 * personal event types of the caller's Cal.com account, read live from Cal.com (they are not mirrored),
 * so an app can offer them for booking.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import type { CalcomEventType } from "../_shared/calcom/scheduling_schemas.ts";
import { requireUser } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { type AppEnv, rejectInvalid } from "../_shared/platform/http.ts";
import { openCalcom } from "./calcom_access.ts";
import { calcomRefusal } from "./calcom_refusal.ts";

/** The query: which connection (optional when the caller has exactly one active one). */
export const EventTypesQuerySchema = z.strictObject({
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
});

/** One event type as the function answers it. */
export const EventTypeViewSchema = z.object({
  id: z.number().int(),
  slug: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  lengthInMinutes: z.number().int(),
  /** The lengths a booking may choose, when the event type offers several. */
  lengthInMinutesOptions: z.array(z.number().int()).nullable(),
  /** Whether a new booking waits for the host's confirmation (status pending). */
  requiresConfirmation: z.boolean(),
  /** Seats per slot for a seated event type, else null. */
  seats: z.number().int().nullable(),
  /** Whether a booking makes a recurring series. */
  recurring: z.boolean(),
  hidden: z.boolean(),
});
/** An event type as the function answers it. */
export type EventTypeView = z.infer<typeof EventTypeViewSchema>;

/** The 200 answer. */
export const EventTypesResponseSchema = z.object({ eventTypes: z.array(EventTypeViewSchema) });

/**
 * Maps Cal.com's 2024-06-14 event type: `confirmationPolicy` other than `{disabled: true}` means
 * confirmation is (at least sometimes) required; `seats.seatsPerTimeSlot` or the top-level copy.
 */
export function toEventTypeView(e: CalcomEventType): EventTypeView {
  const policy = e.confirmationPolicy;
  const seats = e.seats?.disabled ? null : e.seats?.seatsPerTimeSlot ?? e.seatsPerTimeSlot ?? null;
  return {
    id: e.id,
    slug: e.slug,
    title: e.title,
    description: e.description ?? null,
    lengthInMinutes: e.lengthInMinutes,
    lengthInMinutesOptions: e.lengthInMinutesOptions ?? null,
    requiresConfirmation: policy !== null && policy !== undefined && policy.disabled !== true,
    seats,
    recurring: e.recurrence !== null && e.recurrence !== undefined,
    hidden: e.hidden ?? false,
  };
}

/** Routes: `GET /event-types`. */
export function eventTypesRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(
    "/event-types",
    requireUser(deps.verifyUser),
    zValidator("query", EventTypesQuerySchema, rejectInvalid),
    async (c) => {
      const { connectionId } = c.req.valid("query");
      const { client } = await openCalcom(deps, c.var.user, connectionId, ["EVENT_TYPE_READ"]);
      try {
        const eventTypes = await client.listEventTypes();
        return c.json({ eventTypes: eventTypes.map(toEventTypeView) });
      } catch (err) {
        throw calcomRefusal(err);
      }
    },
  );
  return app;
}
