/**
 * `GET /v2/bookings` query semantics (contract §2.2): parameter validation as Cal.com's
 * `GetBookingsInput_2024_08_13` does it, the status table, the single sort key chosen by priority,
 * and offset paging.
 *
 * Queries read a per-user index sorted by the chosen key: bounds on that key are binary searches, and
 * when no other filter applies a page is a slice, so `sortUpdatedAt=asc&afterUpdatedAt=…&skip=…` costs
 * O(log n + take) however many bookings the user has. Other filters scan only the bounded range.
 *
 * @module
 */

import { CalError, validationError } from "./errors.ts";
import type { BookingIndex, BookingRecord, Store } from "./store.ts";

/** Values of the `status` parameter. */
const STATUS_FILTERS = ["upcoming", "recurring", "past", "cancelled", "unconfirmed"] as const;
/** One value of the `status` parameter. */
export type StatusFilter = typeof STATUS_FILTERS[number];

type SortField = "start" | "end" | "created" | "updated";
type Direction = "asc" | "desc";

/** A validated `GET /v2/bookings` query; times in epoch ms. */
export interface BookingsQuery {
  statuses?: StatusFilter[];
  attendeeEmail?: string;
  attendeeName?: string;
  bookingUid?: string;
  eventTypeIds?: number[];
  teamIds?: number[];
  afterStart?: number;
  beforeEnd?: number;
  afterCreatedAt?: number;
  beforeCreatedAt?: number;
  afterUpdatedAt?: number;
  beforeUpdatedAt?: number;
  sort: { field: SortField; direction: Direction };
  take: number;
  skip: number;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

function listParam(params: URLSearchParams, name: string): string[] | undefined {
  if (!params.has(name)) return undefined;
  return params.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

/**
 * Validates query parameters; unknown ones are ignored (Cal.com's pipe strips them).
 * Throws a 400 CalError listing every violated constraint in its details.
 */
export function parseBookingsQuery(params: URLSearchParams): BookingsQuery {
  const errors: string[] = [];
  const q: Partial<BookingsQuery> = {};

  const statuses = listParam(params, "status");
  if (statuses !== undefined) {
    if (statuses.length === 0) errors.push("status cannot be empty.");
    else if (!statuses.every((s) => (STATUS_FILTERS as readonly string[]).includes(s))) {
      errors.push("Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed");
    } else q.statuses = statuses as StatusFilter[];
  }

  // A "+" in an email arrives as a space once the query string is decoded; Cal.com puts it back.
  const email = params.get("attendeeEmail");
  if (email !== null) q.attendeeEmail = email.trim().replace(/\s+/g, "+");
  const name = params.get("attendeeName");
  if (name !== null) q.attendeeName = name;
  const uid = params.get("bookingUid");
  if (uid !== null) q.bookingUid = uid;

  const intList = (name: string): number[] | undefined => {
    const raw = listParam(params, name);
    if (raw === undefined) return undefined;
    const values = raw.map(Number);
    if (values.length === 0) errors.push(`${name} must contain at least 1 elements`);
    else if (!values.every(Number.isInteger)) errors.push(`each value in ${name} must be an integer number`);
    return values;
  };
  const intParam = (name: string, min?: number, max?: number): number | undefined => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(n)) errors.push(`${name} must be an integer number`);
    else if (min !== undefined && n < min) errors.push(`${name} must not be less than ${min}`);
    else if (max !== undefined && n > max) errors.push(`${name} must not be greater than ${max}`);
    return n;
  };

  const eventTypeIds = intList("eventTypeIds");
  const eventTypeId = intParam("eventTypeId");
  q.eventTypeIds = eventTypeIds ?? (eventTypeId === undefined ? undefined : [eventTypeId]);
  const teamsIds = intList("teamsIds");
  const teamId = intParam("teamId");
  q.teamIds = teamsIds ?? (teamId === undefined ? undefined : [teamId]);

  for (
    const key of [
      "afterStart",
      "beforeEnd",
      "afterCreatedAt",
      "beforeCreatedAt",
      "afterUpdatedAt",
      "beforeUpdatedAt",
    ] as const
  ) {
    const raw = params.get(key);
    if (raw === null) continue;
    const t = Date.parse(raw);
    if (!ISO_8601.test(raw) || Number.isNaN(t)) errors.push(`${key} must be a valid ISO 8601 date string`);
    else q[key] = t;
  }

  const sorts: Array<[string, SortField]> = [
    ["sortStart", "start"],
    ["sortEnd", "end"],
    ["sortCreated", "created"],
    ["sortUpdatedAt", "updated"],
  ];
  let sort: BookingsQuery["sort"] | undefined;
  for (const [param, field] of sorts) {
    const raw = params.get(param);
    if (raw === null) continue;
    if (raw !== "asc" && raw !== "desc") {
      errors.push(`${param} must be one of the following values: asc, desc`);
      continue;
    }
    sort ??= { field, direction: raw };
  }
  q.sort = sort ?? defaultSort(q.statuses);

  q.take = intParam("take", 1, 250) ?? 100;
  q.skip = intParam("skip", 0) ?? 0;

  if (errors.length) throw validationError(errors);
  return q as BookingsQuery;
}

/** With no sort parameter and exactly one status, Cal.com sorts by start, newest first for past ones. */
function defaultSort(statuses: StatusFilter[] | undefined): BookingsQuery["sort"] {
  if (statuses?.length === 1 && (statuses[0] === "past" || statuses[0] === "cancelled")) {
    return { field: "start", direction: "desc" };
  }
  return { field: "start", direction: "asc" };
}

const isCancelledOrRejected = (b: BookingRecord) => b.status === "CANCELLED" || b.status === "REJECTED";

/** How far back `upcoming`, `recurring` and `unconfirmed` reach by start time (the newest handler). */
export const STATUS_START_BOUND_MS = 3_600_000;

/**
 * Whether `b` matches one status filter at time `now` (Cal.com's `buildStatusWhereClause`); the newest
 * `get.handler.ts` also requires `startTime >= now - 1 hour` for `upcoming`, `recurring` and
 * `unconfirmed`, so a booking in progress that began earlier is in none of them.
 */
function matchesStatus(b: BookingRecord, status: StatusFilter, now: number): boolean {
  const recent = b.startTime >= now - STATUS_START_BOUND_MS;
  switch (status) {
    case "upcoming":
      return b.endTime >= now && recent &&
        (b.recurringEventId !== null ? b.status === "ACCEPTED" : !isCancelledOrRejected(b));
    case "recurring":
      return b.endTime >= now && recent && b.recurringEventId !== null && !isCancelledOrRejected(b);
    case "past":
      return b.endTime <= now && !isCancelledOrRejected(b);
    case "cancelled":
      return isCancelledOrRejected(b);
    case "unconfirmed":
      return b.endTime >= now && recent && b.status === "PENDING";
  }
}

type Predicate = (b: BookingRecord) => boolean;

/** The index sorted by each sort field. */
const INDEX_BY: Record<SortField, keyof BookingIndex> = {
  start: "byStart",
  end: "byEnd",
  created: "byCreated",
  updated: "byUpdated",
};

/** One page of a user's bookings for `q`, and how many match in total. */
export function runBookingsQuery(
  store: Store,
  userId: number,
  q: BookingsQuery,
  now: number,
): { bookings: BookingRecord[]; total: number } {
  const list = store.index(userId)[INDEX_BY[q.sort.field]];
  let lo = 0;
  let hi = list.length;
  const predicates: Predicate[] = [];
  const bounds: Array<
    { field: SortField; after?: number; before?: number; key: (b: BookingRecord) => number | null }
  > = [
    { field: "start", after: q.afterStart, key: (b) => b.startTime },
    { field: "end", before: q.beforeEnd, key: (b) => b.endTime },
    { field: "created", after: q.afterCreatedAt, before: q.beforeCreatedAt, key: (b) => b.createdAt },
    { field: "updated", after: q.afterUpdatedAt, before: q.beforeUpdatedAt, key: (b) => b.updatedAt },
  ];
  for (const { field, after, before, key } of bounds) {
    if (after === undefined && before === undefined) continue;
    if (field === q.sort.field) {
      // Bounds on the sort key narrow the range by binary search instead of testing every booking.
      if (after !== undefined) lo = Math.max(lo, list.lowerBound(after));
      if (before !== undefined) hi = Math.min(hi, list.upperBound(before));
      // A null updatedAt sits at the end of its index (key Infinity) and matches no comparison.
      hi = Math.min(hi, list.lowerBound(Infinity));
    } else {
      // A null key (updatedAt only) matches no comparison either.
      if (after !== undefined) predicates.push((b) => (key(b) ?? -Infinity) >= after);
      if (before !== undefined) predicates.push((b) => (key(b) ?? Infinity) <= before);
    }
  }

  const { statuses, attendeeEmail, attendeeName, eventTypeIds, teamIds } = q;
  if (statuses) predicates.push((b) => statuses.some((s) => matchesStatus(b, s, now)));
  if (attendeeEmail !== undefined) predicates.push((b) => b.attendees.some((a) => a.email === attendeeEmail));
  if (attendeeName !== undefined) predicates.push((b) => b.attendees.some((a) => a.name === attendeeName));
  if (eventTypeIds) predicates.push((b) => b.eventTypeId !== null && eventTypeIds.includes(b.eventTypeId));
  if (teamIds) {
    predicates.push((b) => {
      const teamId = b.eventTypeId === null ? null : store.eventTypes.get(b.eventTypeId)?.teamId ?? null;
      return teamId !== null && teamIds.includes(teamId);
    });
  }

  if (q.bookingUid !== undefined) {
    // A uid names at most one booking: test it directly instead of scanning the range.
    const b = store.bookingsByUid.get(q.bookingUid);
    const position = b === undefined ? -1 : list.indexOf(b);
    const match = b !== undefined && position >= lo && position < hi && predicates.every((p) => p(b));
    const total = match ? 1 : 0;
    return { bookings: match && q.skip === 0 ? [b] : [], total };
  }

  const desc = q.sort.direction === "desc";
  const at = (i: number) => list.at(desc ? hi - 1 - (i - lo) : i);
  if (predicates.length === 0) {
    const total = Math.max(0, hi - lo);
    const bookings: BookingRecord[] = [];
    for (let i = lo + q.skip; i < Math.min(hi, lo + q.skip + q.take); i++) bookings.push(at(i));
    return { bookings, total };
  }
  const bookings: BookingRecord[] = [];
  let total = 0;
  for (let i = lo; i < hi; i++) {
    const b = at(i);
    if (!predicates.every((p) => p(b))) continue;
    if (total >= q.skip && bookings.length < q.take) bookings.push(b);
    total++;
  }
  return { bookings, total };
}

/** Raised when a uid does not name a booking (contract §3). */
export function bookingNotFound(uid: string): CalError {
  return new CalError(404, `Booking with uid=${uid} was not found in the database`);
}
