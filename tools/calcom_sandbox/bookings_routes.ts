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
import { CalError, engineError, trpcError } from "./errors.ts";
import { pipeError, unknownProperties } from "./pipe_errors.ts";
import { paginationMeta } from "./pagination.ts";
import { listPage } from "./listing_mode.ts";
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
  const mode = ctx.listing?.() ?? {};
  let page: { bookings: BookingRecord[]; pagination: unknown };
  if (mode.totals === undefined && mode.hiddenUids === undefined && mode.tieBreak === undefined) {
    const { bookings, total } = runBookingsQuery(ctx.store, user.id, q, ctx.now());
    page = { bookings, pagination: paginationMeta({ skip: q.skip, take: q.take, totalCount: total }) };
  } else {
    // Every match in order, then the mode's paging (listing_mode.ts).
    const all = runBookingsQuery(
      ctx.store,
      user.id,
      { ...q, skip: 0, take: Number.MAX_SAFE_INTEGER },
      ctx.now(),
    );
    page = listPage(mode, {
      matching: all.bookings,
      key: SORT_KEYS[q.sort.field],
      skip: q.skip,
      take: q.take,
      requestSeed: ++listRequests,
    });
  }
  return {
    status: 200,
    // The list always shows seated attendees (the service passes showAttendees = true).
    data: page.bookings.map((b) => toApiBooking(ctx.store, b, { showSeatedAttendees: true })),
    extra: { pagination: page.pagination },
  };
};

/** The sort key of each sort field, for the listing modes. */
const SORT_KEYS = {
  start: (b: BookingRecord) => b.startTime,
  end: (b: BookingRecord) => b.endTime,
  created: (b: BookingRecord) => b.createdAt,
  updated: (b: BookingRecord) => b.updatedAt,
} as const;

/** Counts list requests: the seed of the tie order when a mode has no tie-break. */
let listRequests = 0;

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

/** Whether `body` is a JSON object that has the key `key` (how Cal.com's pipes pick the seated form). */
function hasKey(body: unknown, key: string): boolean {
  return body !== null && typeof body === "object" && !Array.isArray(body) && key in body;
}

/** A class-validator constraint message for one zod issue (`<prop> must be a string`). */
function constraintMessage(prop: string, issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.expected === "boolean"
      ? `${prop} must be a boolean value`
      : `${prop} must be a ${issue.expected}`;
  }
  return `${prop} ${issue.message}`;
}

/**
 * Cal.com's write pipes (`CancelBookingInputPipe`, `RescheduleBookingInputPipe`): `validateSync` with
 * `whitelist` and `forbidNonWhitelisted`, so an unknown key is a 400 rather than dropped, with the
 * pipe's `formatErrors` text as the message (write-endpoints §1.4).
 */
function parsePipeBody<S extends z.ZodObject>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined) throw new CalError(400, "Body is required");
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new CalError(400, "Body should be an object");
  }
  const errors = unknownProperties(Object.keys(body), Object.keys(schema.shape));
  const result = schema.safeParse(body);
  if (!result.success) {
    const byProperty = new Map<string, string[]>();
    for (const issue of result.error.issues) {
      const property = String(issue.path[0] ?? "body");
      byProperty.set(property, [...(byProperty.get(property) ?? []), constraintMessage(property, issue)]);
    }
    for (const [property, constraints] of byProperty) errors.push({ property, constraints });
  }
  if (errors.length > 0) throw pipeError(errors);
  return result.data as z.infer<S>;
}

const CancelSchema = z.object({
  cancellationReason: z.string().optional(),
  cancelSubsequentBookings: z.boolean().optional(),
});

const CancelSeatedSchema = z.object({
  seatUid: z.string(),
  cancellationReason: z.string().optional(),
});

/**
 * `POST /v2/bookings/{uid}/cancel`: the cancelled booking; an array of the series' occurrences for a
 * series uid or `cancelSubsequentBookings` (write-endpoints §3).
 */
export const cancelBooking: Handler = async (ctx, req) => {
  const uid = req.params.uid;
  const seated = hasKey(req.body, "seatUid");
  const input: { cancellationReason?: string; cancelSubsequentBookings?: boolean; seatUid?: string } = seated
    ? parsePipeBody(CancelSeatedSchema, req.body)
    : parsePipeBody(CancelSchema, req.body);
  const b = ctx.store.bookingsByUid.get(uid);
  const series = b ? undefined : ctx.store.series.get(uid);
  if (!b && !series) throw bookingNotFound(uid);
  const organizerId = b?.userId ?? series![0].userId;
  const isHost = req.user?.id === organizerId;
  if (series && input.cancelSubsequentBookings) {
    throw engineError(
      400,
      "Cannot cancel subsequent bookings for recurring event - you have to provide uid of one of the individual bookings of a recurring booking.",
    );
  }
  if (b && !seated && !isHost && ctx.store.eventTypes.get(b.eventTypeId ?? -1)?.seatsPerTimeSlot) {
    throw engineError(401, "User not a host of this event");
  }
  const { bookings, events } = ctx.ops.cancel(uid, {
    reason: input.cancellationReason,
    cancelledBy: req.user?.email ?? null,
    cancelSubsequentBookings: input.cancelSubsequentBookings,
    seatUid: input.seatUid,
    // A host cancelling with their own key must say why (handleCancelBooking).
    requireReason: isHost && !seated,
  });
  await ctx.dispatch(events);
  if (b && input.cancelSubsequentBookings && !b.recurringEventId) {
    // Cal.com checks this only after the booking was cancelled (write-endpoints §3.2).
    throw engineError(400, `Booking with bookingUid=${uid} is not part of a recurring booking.`);
  }
  if (series) return { status: 200, data: series.map((o) => render(ctx, o, req.user)) };
  if (input.cancelSubsequentBookings && b!.recurringEventId) {
    const all = ctx.store.series.get(b!.recurringEventId) ?? bookings;
    return { status: 200, data: all.map((o) => render(ctx, o, req.user)) };
  }
  return { status: 200, data: render(ctx, bookings[0], req.user) };
};

const EmailSchema = z.email("Invalid rescheduledBy email format");

const RescheduleSchema = z.object({
  start: isoDate,
  reschedulingReason: z.string().optional(),
  rescheduledBy: EmailSchema.optional(),
  emailVerificationCode: z.string().optional(),
});

const RescheduleSeatedSchema = z.object({
  start: isoDate,
  seatUid: z.string(),
  rescheduledBy: EmailSchema.optional(),
  emailVerificationCode: z.string().optional(),
});

/** `POST /v2/bookings/{uid}/reschedule` (201): the new booking (write-endpoints §4). */
export const rescheduleBooking: Handler = async (ctx, req) => {
  const input: { start: string; reschedulingReason?: string; rescheduledBy?: string; seatUid?: string } =
    hasKey(req.body, "seatUid")
      ? parsePipeBody(RescheduleSeatedSchema, req.body)
      : parsePipeBody(RescheduleSchema, req.body);
  const { booking, events } = ctx.ops.reschedule(req.params.uid, {
    start: input.start,
    reason: input.reschedulingReason,
    rescheduledBy: input.rescheduledBy ?? req.user?.email ?? null,
    seatUid: input.seatUid,
    caller: req.user ? { id: req.user.id, email: req.user.email } : undefined,
    checkAvailability: true,
  });
  await ctx.dispatch(events);
  return { status: 201, data: render(ctx, booking, req.user) };
};

/**
 * Confirm and decline: the key's user must be the organizer, else the engine's tRPC UNAUTHORIZED,
 * which the API answers with a generic 401 (write-endpoints §5).
 */
function organizerBooking(ctx: RouteContext, req: RouteRequest): BookingRecord {
  const user = caller(req);
  const b = ctx.store.bookingsByUid.get(req.params.uid);
  if (!b) throw new CalError(404, `Booking with uid=${req.params.uid} was not found in the database`);
  if (b.userId !== user.id) throw trpcError("UNAUTHORIZED");
  return b;
}

/** `POST /v2/bookings/{uid}/confirm`: any body is ignored. */
export const confirmBooking: Handler = async (ctx, req) => {
  const b = organizerBooking(ctx, req);
  const { booking, events } = ctx.ops.confirm(b.uid);
  await ctx.dispatch(events);
  return { status: 200, data: render(ctx, booking, req.user) };
};

/** The global ValidationPipe: unknown keys are stripped, a failure is the generic 400. */
const DeclineSchema = z.object({ reason: z.string().optional() });

/** `POST /v2/bookings/{uid}/decline`. */
export const declineBooking: Handler = async (ctx, req) => {
  const input = parseBody(DeclineSchema, req.body);
  const b = organizerBooking(ctx, req);
  const { booking, events } = ctx.ops.decline(b.uid, input.reason);
  await ctx.dispatch(events);
  return { status: 200, data: render(ctx, booking, req.user) };
};

const MarkAbsentSchema = z.object({
  host: z.boolean().optional(),
  attendees: z.array(z.object({ email: z.email(), absent: z.boolean() })).min(1).optional(),
});

/**
 * `POST /v2/bookings/{uid}/mark-absent` (write-endpoints §6). A caller who is not the organizer gets
 * the engine's catch-all 500, as in the version of handleMarkNoShow read.
 */
export const markAbsent: Handler = async (ctx, req) => {
  const input = parseBody(MarkAbsentSchema, req.body);
  const user = caller(req);
  const b = ctx.ops.get(req.params.uid);
  const { booking, events } = ctx.ops.markAbsent(b.uid, { ...input, byOrganizer: b.userId === user.id });
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
