/**
 * The booking action routes of calcom-bookings-sync, for the signed-in user:
 *
 * - `POST /bookings/:uid/cancel` `{reason?, cancelSubsequentBookings?, seatUid?}`
 * - `POST /bookings/:uid/reschedule` `{start, reason?}`
 * - `POST /bookings/:uid/confirm` `{}` and `POST /bookings/:uid/decline` `{reason?}`
 * - `POST /bookings/:uid/mark-absent` `{host?, attendees?: [{email, absent}]}`
 *
 * each with an optional `?connectionId=`, answering `{success, booking, previousBooking?, bookings?}`
 * (booking_action_request.ts). See docs/api.md.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import type { Hono } from "hono";
import type { z } from "zod";
import { requireUser } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { type AppEnv, jsonBody, rejectInvalid } from "../_shared/platform/http.ts";
import {
  BookingActionQuerySchema,
  CancelBookingBodySchema,
  ConfirmBookingBodySchema,
  DeclineBookingBodySchema,
  MarkAbsentBodySchema,
  RescheduleBookingBodySchema,
} from "./booking_action_request.ts";
import { type BookingActionRequest, runBookingAction } from "./booking_actions.ts";

type Action = BookingActionRequest["action"];

const BODIES: Record<Action, z.ZodType> = {
  cancel: CancelBookingBodySchema,
  reschedule: RescheduleBookingBodySchema,
  confirm: ConfirmBookingBodySchema,
  decline: DeclineBookingBodySchema,
  "mark-absent": MarkAbsentBodySchema,
};

/** Adds the booking action routes to the function's app. */
export function mountBookingActions(app: Hono<AppEnv>, deps: Deps): void {
  const auth = requireUser(deps.verifyUser);
  for (const action of Object.keys(BODIES) as Action[]) {
    app.post(
      `/bookings/:uid/${action}`,
      auth,
      zValidator("query", BookingActionQuerySchema, rejectInvalid),
      jsonBody(),
      zValidator("json", BODIES[action], rejectInvalid),
      async (c) => {
        const body = c.req.valid("json" as never);
        const request = (action === "confirm" ? { action } : { action, body }) as BookingActionRequest;
        const outcome = await runBookingAction(
          deps,
          c.var.user,
          c.req.param("uid"),
          c.req.valid("query").connectionId,
          request,
        );
        return c.json({ success: true, ...outcome });
      },
    );
  }
}
