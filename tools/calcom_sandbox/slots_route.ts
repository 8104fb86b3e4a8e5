/**
 * `GET /v2/slots` with `cal-api-version: 2024-09-04` (write-endpoints §8): no auth guard; the query
 * validated by Cal.com's own pipe (unknown parameters refused); the free starts of one event type,
 * keyed by day, as `{start}` (or `{start, end}` with `format=range`) in the requested time zone, seated
 * event types with their seat counts.
 *
 * @module
 */

import { freeSlots, type Slot } from "./availability.ts";
import { CalError } from "./errors.ts";
import {
  isIsoDateString,
  isTimeZone,
  pipeError,
  type PropertyError,
  unknownProperties,
} from "./pipe_errors.ts";
import type { Handler, RouteContext } from "./route_context.ts";
import type { EventTypeRecord } from "./store.ts";

/** The query parameters of `GetSlotsInput_2024_09_04` and its variants. */
const ALLOWED = [
  "start",
  "end",
  "eventTypeId",
  "eventTypeSlug",
  "username",
  "teamSlug",
  "organizationSlug",
  "usernames",
  "timeZone",
  "duration",
  "format",
  "bookingUidToReschedule",
] as const;

const YEAR = 365 * 86_400_000;

/** A date alone means the start (or, for `end`, the end) of that day in UTC. */
function instant(value: string, edge: "start" | "end"): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return Date.parse(`${value}T00:00:00Z`) + (edge === "end" ? 86_400_000 - 1 : 0);
  }
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
}

/** luxon's `toISO()` in `timeZone`: `2050-09-05T09:00:00.000+02:00`, or `…Z` in UTC. */
export function isoInZone(ms: number, timeZone: string | undefined): string {
  if (timeZone === undefined || timeZone === "UTC") return new Date(ms).toISOString();
  const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
  return `${zoned.toPlainDateTime().toString({ fractionalSecondDigits: 3 })}${zoned.offset}`;
}

function findEventType(ctx: RouteContext, query: URLSearchParams): EventTypeRecord {
  const id = query.get("eventTypeId");
  if (id !== null) {
    const eventType = ctx.store.eventTypes.get(Number(id));
    // UNCONFIRMED wording (write-endpoints §8: "404 or 400").
    if (!eventType) throw new CalError(404, `Event type with id=${id} not found`);
    return eventType;
  }
  const slug = query.get("eventTypeSlug");
  const username = query.get("username");
  if (slug !== null && username !== null) {
    const owner = [...ctx.store.users.values()].find((u) => u.username === username);
    if (!owner) throw new CalError(404, `User with username ${username} not found`);
    const eventType = ctx.store.eventTypesOf(owner.id).find((e) => e.slug === slug);
    if (!eventType) {
      throw new CalError(404, `Event type with slug ${slug} belonging to user ${username} not found.`);
    }
    return eventType;
  }
  const teamSlug = query.get("teamSlug");
  if (slug !== null && teamSlug !== null) throw new CalError(404, `Team with slug ${teamSlug} not found`);
  // Without an event type the pipe reads the dynamic form, which needs two or more usernames; the
  // sandbox has no dynamic group event types.
  const usernames = (query.get("usernames") ?? "").split(",").filter((u) => u !== "");
  if (usernames.length < 2) {
    throw pipeError([{
      property: "usernames",
      constraints: ["The array must contain at least 2 elements."],
    }]);
  }
  throw new CalError(400, "Dynamic event types are not supported by the sandbox");
}

/** Checks the query like `GetSlotsInputPipe`; returns the parsed values. */
function parseQuery(query: URLSearchParams) {
  const errors: PropertyError[] = unknownProperties(query.keys(), ALLOWED);
  for (const key of ALLOWED) {
    if (query.getAll(key).length > 1) {
      errors.push({ property: key, constraints: [`${key} must be a string`] });
    }
  }
  const start = query.get("start");
  const end = query.get("end");
  for (const [key, value] of [["start", start], ["end", end]] as const) {
    if (!isIsoDateString(value, true)) {
      errors.push({ property: key, constraints: [`${key} must be a valid ISO 8601 date string`] });
    }
  }
  const timeZone = query.get("timeZone") ?? undefined;
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    errors.push({ property: "timeZone", constraints: ["timeZone must be a valid IANA time-zone"] });
  }
  const eventTypeId = query.get("eventTypeId");
  if (eventTypeId !== null && !/^-?\d+$/.test(eventTypeId)) {
    errors.push({ property: "eventTypeId", constraints: ["eventTypeId must be an integer number"] });
  }
  const duration = query.get("duration");
  if (duration !== null && !/^\d+$/.test(duration)) {
    errors.push({ property: "duration", constraints: ["duration must be an integer number"] });
  }
  const format = query.get("format")?.toLowerCase();
  if (format !== undefined && format !== "time" && format !== "range") {
    errors.push({ property: "format", constraints: ["slotFormat must be either 'range' or 'time'"] });
  }
  if (errors.length) throw pipeError(errors);
  return {
    from: instant(start!, "start"),
    to: instant(end!, "end"),
    timeZone,
    duration: duration === null ? undefined : Number(duration),
    range: format === "range",
  };
}

/** `GET /v2/slots`: `data` keyed by `YYYY-MM-DD` in the requested zone; days without slots left out. */
export const getSlots: Handler = (ctx, req) => {
  const q = parseQuery(req.query);
  const eventType = findEventType(ctx, req.query);
  const now = ctx.now();
  const slots = freeSlots(ctx.store, eventType, {
    from: q.from,
    to: Math.min(q.to, now + YEAR),
    now,
    lengthInMinutes: q.duration,
  });
  const data: Record<string, Record<string, unknown>[]> = {};
  for (const slot of slots) {
    const start = isoInZone(slot.start, q.timeZone);
    (data[start.slice(0, 10)] ??= []).push(
      slotItem(slot, start, q.range ? isoInZone(slot.end, q.timeZone) : undefined),
    );
  }
  return { status: 200, data };
};

function slotItem(slot: Slot, start: string, end: string | undefined): Record<string, unknown> {
  const item: Record<string, unknown> = end === undefined ? { start } : { start, end };
  if (slot.seats) {
    item.seatsBooked = slot.seats.booked;
    item.seatsRemaining = slot.seats.total - slot.seats.booked;
    item.seatsTotal = slot.seats.total;
    if (slot.seats.bookingUid) item.bookingUid = slot.seats.bookingUid;
  }
  return item;
}
