/**
 * Bookings endpoints of API v2 with `cal-api-version: 2024-08-13` (contract §2, §3, §6): list, get by uid
 * (or recurring series uid → array), create, cancel, reschedule, confirm, decline, mark absent; plus the
 * legacy 2024-04-15 list and get served when the version header is missing.
 *
 * @module
 */

import { z } from "zod";
import { type ApiBookingOptions, toApiBooking, toLegacyBooking } from "./api_booking.ts";
import { bookingNotFound, parseBookingsQuery, runBookingsQuery } from "./bookings_query.ts";
import {
  type CreateBookingInput,
  type LocationInput,
  parseCreateBookingInput,
} from "./create_booking_input.ts";
import { CalError } from "./errors.ts";
import { paginationMeta } from "./pagination.ts";
import { caller, type Handler, parseBody, type RouteContext, type RouteRequest } from "./route_context.ts";
import type { BookingRecord, EventTypeRecord, UserRecord } from "./store.ts";

const isoDate = z.string().refine(
  (s) => !Number.isNaN(Date.parse(s)),
  "must be a valid ISO 8601 date string",
);

/** Seated attendees are shown to the event type's owner, or to anyone when the event type allows it. */
function viewOptions(ctx: RouteContext, b: BookingRecord, user: UserRecord | undefined): ApiBookingOptions {
  const eventType = b.eventTypeId === null ? undefined : ctx.store.eventTypes.get(b.eventTypeId);
  return { showSeatedAttendees: user?.id === b.userId || (eventType?.seatsShowAttendees ?? false) };
}

function render(ctx: RouteContext, b: BookingRecord, user: UserRecord | undefined) {
  return toApiBooking(ctx.store, b, viewOptions(ctx, b, user));
}

/** `GET /v2/bookings`: filtered, sorted, paged, with Cal.com's pagination object. */
export const listBookings: Handler = (ctx, req) => {
  const user = caller(req);
  const q = parseBookingsQuery(req.query);
  const { bookings, total } = runBookingsQuery(ctx.store, user.id, q, ctx.now());
  return {
    status: 200,
    // The list always shows seated attendees (the service passes showAttendees = true).
    data: bookings.map((b) => toApiBooking(ctx.store, b, { showSeatedAttendees: true })),
    extra: { pagination: paginationMeta({ skip: q.skip, take: q.take, totalCount: total }) },
  };
};

/** `GET /v2/bookings/{uid}`: one booking, or every occurrence of a recurring series sorted by start. */
export const getBooking: Handler = (ctx, req) => {
  const uid = req.params.uid;
  const b = ctx.store.bookingsByUid.get(uid);
  if (b) return { status: 200, data: render(ctx, b, req.user) };
  const series = ctx.store.series.get(uid);
  if (series) return { status: 200, data: series.map((o) => render(ctx, o, req.user)) };
  throw bookingNotFound(uid);
};

/** Raw location string stored for an API v2 location input. */
function rawLocation(location: LocationInput | undefined, eventType: EventTypeRecord) {
  if (location === undefined) return undefined;
  if (typeof location === "string") return location;
  switch (location.type) {
    case "integration": {
      const known: Record<string, string> = {
        "cal-video": "integrations:daily",
        "google-meet": "integrations:google:meet",
        "zoom": "integrations:zoom",
        "office365-video": "integrations:office365_video",
      };
      return known[location.integration] ?? `integrations:${location.integration}`;
    }
    case "address":
    case "link":
    case "phone":
    case "organizersDefaultApp":
      // The organizer's own address, link or phone: what the event type holds.
      return eventType.location;
    case "attendeeAddress":
      return location.address;
    case "attendeeDefined":
      return location.location;
    case "attendeePhone":
      return location.phone;
  }
}

function findEventType(ctx: RouteContext, input: CreateBookingInput): EventTypeRecord {
  if (input.eventTypeId !== undefined) {
    const eventType = ctx.store.eventTypes.get(input.eventTypeId);
    if (!eventType) throw new CalError(404, `Event type with id ${input.eventTypeId} not found.`);
    return eventType;
  }
  if (input.eventTypeSlug !== undefined && input.username !== undefined) {
    const owner = [...ctx.store.users.values()].find((u) => u.username === input.username);
    const eventType = owner && ctx.store.eventTypesOf(owner.id).find((e) => e.slug === input.eventTypeSlug);
    if (!eventType) {
      throw new CalError(
        404,
        `Event type with slug ${input.eventTypeSlug} belonging to user ${input.username} not found.`,
      );
    }
    return eventType;
  }
  // The pipe let a team slug through; the sandbox has no teams.
  throw new CalError(404, `Team with slug ${input.teamSlug} not found`);
}

/**
 * `POST /v2/bookings` (201): a booking, an array for recurring event types, `seatUid` for seated ones;
 * only inside the host's availability (write-endpoints §2.4).
 */
export const createBooking: Handler = async (ctx, req) => {
  const input = parseCreateBookingInput(req.body);
  const eventType = findEventType(ctx, input);
  if (input.lengthInMinutes !== undefined) {
    // Sandbox event types have one length each.
    throw new CalError(
      400,
      "Can't specify 'lengthInMinutes' because event type does not have multiple possible lengths. Please, remove the 'lengthInMinutes' field from the request.",
    );
  }
  const { bookings, events } = ctx.ops.createForEventType(eventType, {
    start: input.start,
    attendee: input.attendee,
    guests: input.guests,
    location: rawLocation(input.location, eventType) ?? input.meetingUrl,
    metadata: input.metadata,
    bookingFieldsResponses: input.bookingFieldsResponses,
    lengthInMinutes: input.lengthInMinutes,
    recurrenceCount: input.recurrenceCount,
    checkAvailability: true,
  });
  await ctx.dispatch(events);
  if (eventType.recurringCount !== null) {
    return { status: 201, data: bookings.map((b) => render(ctx, b, req.user)) };
  }
  const data = render(ctx, bookings[0], req.user);
  if (eventType.seatsPerTimeSlot !== null) {
    const seat = bookings[0].attendees.at(-1)?.seatUid;
    return { status: 201, data: { ...data, seatUid: seat } };
  }
  return { status: 201, data };
};

const CancelSchema = z.object({
  cancellationReason: z.string().optional(),
  cancelSubsequentBookings: z.boolean().optional(),
  seatUid: z.string().optional(),
});

/** `POST /v2/bookings/{uid}/cancel`: the cancelled booking (array for a series uid). */
export const cancelBooking: Handler = async (ctx, req) => {
  const input = parseBody(CancelSchema, req.body);
  const { bookings, events } = ctx.ops.cancel(req.params.uid, {
    reason: input.cancellationReason,
    cancelledBy: req.user?.email ?? null,
    cancelSubsequentBookings: input.cancelSubsequentBookings,
    seatUid: input.seatUid,
  });
  await ctx.dispatch(events);
  const isSeries = !ctx.store.bookingsByUid.has(req.params.uid);
  const data = bookings.map((b) => render(ctx, b, req.user));
  return { status: 200, data: isSeries ? data : data[0] };
};

const RescheduleSchema = z.object({
  start: isoDate,
  reschedulingReason: z.string().optional(),
  rescheduledBy: z.string().optional(),
  seatUid: z.string().optional(),
  emailVerificationCode: z.string().optional(),
});

/** `POST /v2/bookings/{uid}/reschedule` (201): the new booking. */
export const rescheduleBooking: Handler = async (ctx, req) => {
  const input = parseBody(RescheduleSchema, req.body);
  const { booking, events } = ctx.ops.reschedule(req.params.uid, {
    start: input.start,
    reason: input.reschedulingReason,
    rescheduledBy: input.rescheduledBy ?? req.user?.email ?? null,
    seatUid: input.seatUid,
  });
  await ctx.dispatch(events);
  return { status: 201, data: render(ctx, booking, req.user) };
};

/** Confirm, decline and mark-absent are for the organizer only (UNCONFIRMED message). */
function ownBooking(ctx: RouteContext, req: RouteRequest): BookingRecord {
  const user = caller(req);
  const b = ctx.ops.get(req.params.uid);
  if (b.userId !== user.id) {
    throw new CalError(403, `User with id=${user.id} is not the organizer of booking with uid=${b.uid}`);
  }
  return b;
}

/** `POST /v2/bookings/{uid}/confirm`. */
export const confirmBooking: Handler = async (ctx, req) => {
  const b = ownBooking(ctx, req);
  const { booking, events } = ctx.ops.confirm(b.uid);
  await ctx.dispatch(events);
  return { status: 200, data: render(ctx, booking, req.user) };
};

const DeclineSchema = z.object({ reason: z.string().optional() });

/** `POST /v2/bookings/{uid}/decline`. */
export const declineBooking: Handler = async (ctx, req) => {
  const b = ownBooking(ctx, req);
  const input = parseBody(DeclineSchema, req.body);
  const { booking, events } = ctx.ops.decline(b.uid, input.reason);
  await ctx.dispatch(events);
  return { status: 200, data: render(ctx, booking, req.user) };
};

const MarkAbsentSchema = z.object({
  host: z.boolean().optional(),
  attendees: z.array(z.object({ email: z.string(), absent: z.boolean() })).optional(),
});

/** `POST /v2/bookings/{uid}/mark-absent`. */
export const markAbsent: Handler = async (ctx, req) => {
  const b = ownBooking(ctx, req);
  const input = parseBody(MarkAbsentSchema, req.body);
  const { booking, events } = ctx.ops.markAbsent(b.uid, input);
  await ctx.dispatch(events);
  return { status: 200, data: render(ctx, booking, req.user) };
};

/**
 * Legacy `GET /v2/bookings` (no or an unknown version header): `{bookings, recurringInfo, nextCursor}`
 * (contract §2.6), paged by `limit` and `cursor`, newest start last; filters are not emulated.
 */
export const listBookingsLegacy: Handler = (ctx, req) => {
  const user = caller(req);
  const limit = Math.min(Math.max(Number(req.query.get("limit") ?? 10) || 10, 1), 250);
  const cursor = Math.max(Number(req.query.get("cursor") ?? 0) || 0, 0);
  const byStart = ctx.store.index(user.id).byStart;
  const bookings: Record<string, unknown>[] = [];
  for (let i = cursor; i < Math.min(byStart.length, cursor + limit); i++) {
    bookings.push(toLegacyBooking(ctx.store, byStart.at(i)));
  }
  const nextCursor = cursor + limit < byStart.length ? cursor + limit : null;
  return { status: 200, data: { bookings, recurringInfo: [], nextCursor } };
};

/** Legacy `GET /v2/bookings/{uid}`. */
export const getBookingLegacy: Handler = (ctx, req) => {
  const b = ctx.store.bookingsByUid.get(req.params.uid);
  if (!b) throw bookingNotFound(req.params.uid);
  return { status: 200, data: toLegacyBooking(ctx.store, b) };
};
