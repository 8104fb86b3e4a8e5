/**
 * `GET /calcom-bookings-sync/slots?eventTypeId=&start=&end=&timeZone=&connectionId=` →
 * `{ slots: { [day]: SlotView[] } }`: the free starts of one of the caller's event types, read live
 * from Cal.com, for at most {@linkcode maxSlotRangeDays} days.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import type { CalcomSlot } from "../_shared/calcom/scheduling_schemas.ts";
import { requireUser } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { type AppEnv, rejectInvalid } from "../_shared/platform/http.ts";
import { openCalcom } from "./calcom_access.ts";
import { calcomRefusal } from "./calcom_refusal.ts";
import { ownEventType } from "./own_event_type.ts";

/** Longest range one slots request may span. */
export const maxSlotRangeDays = 31;

const DAY_MS = 86_400_000;

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const DateOrInstant = z.union([
  z.iso.date(),
  z.iso.datetime({ offset: true }),
], { error: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone" })
  .refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 1970 && year <= 9999;
  }, "must be between the years 1970 and 9999");

/** A date alone is the start of that day (UTC) for `start` and its end for `end`, as Cal.com reads it. */
function instantOf(value: string, edge: "start" | "end"): number {
  const ms = Date.parse(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && edge === "end" ? ms + DAY_MS - 1 : ms;
}

/** The query. */
export const SlotsQuerySchema = z.strictObject({
  eventTypeId: z.string().regex(/^[1-9]\d{0,15}$/, "must be an event type id (a positive whole number)")
    .transform(Number).pipe(z.number().max(Number.MAX_SAFE_INTEGER, "must be an event type id")),
  start: DateOrInstant,
  end: DateOrInstant,
  timeZone: z.string().max(100).refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin")
    .optional(),
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
}).superRefine((q, ctx) => {
  const span = instantOf(q.end, "end") - instantOf(q.start, "start");
  if (span < 0) ctx.addIssue({ code: "custom", path: ["end"], message: "must not be before start" });
  if (span > maxSlotRangeDays * DAY_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["end"],
      message: `must be at most ${maxSlotRangeDays} days after start`,
    });
  }
});

/** One free slot; `start` is what `POST /bookings` takes. Seated event types add the seat counts. */
export const SlotViewSchema = z.object({
  start: z.string(),
  seatsRemaining: z.number().int().optional(),
  seatsTotal: z.number().int().optional(),
});
/** A free slot as the function answers it. */
export type SlotView = z.infer<typeof SlotViewSchema>;

/** The 200 answer: day (`YYYY-MM-DD`, in the requested zone) → slots; days without slots left out. */
export const SlotsResponseSchema = z.object({ slots: z.record(z.string(), z.array(SlotViewSchema)) });

function toSlotView(s: CalcomSlot): SlotView {
  const view: SlotView = { start: s.start };
  if (typeof s.seatsRemaining === "number") view.seatsRemaining = s.seatsRemaining;
  if (typeof s.seatsTotal === "number") view.seatsTotal = s.seatsTotal;
  return view;
}

/** Routes: `GET /slots`. */
export function slotsRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(
    "/slots",
    requireUser(deps.verifyUser),
    zValidator("query", SlotsQuerySchema, rejectInvalid),
    async (c) => {
      const q = c.req.valid("query");
      const { client } = await openCalcom(deps, c.var.user, q.connectionId);
      await ownEventType(client, q.eventTypeId);
      let byDay: Record<string, CalcomSlot[]>;
      try {
        byDay = await client.getSlots({
          eventTypeId: q.eventTypeId,
          start: q.start,
          end: q.end,
          timeZone: q.timeZone,
        });
      } catch (err) {
        throw calcomRefusal(err);
      }
      const slots = Object.fromEntries(
        Object.entries(byDay).map(([day, list]) => [day, list.map(toSlotView)]),
      );
      return c.json({ slots });
    },
  );
  return app;
}
