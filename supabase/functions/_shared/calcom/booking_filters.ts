/**
 * Filters of `GET /v2/bookings` and their translation into Cal.com's query parameters.
 *
 * @module
 */
import { z } from "zod";

/** Largest page Cal.com serves (`take` is `@Max(250)`). */
const maxBookingPageSize = 250;

/** The status values `GET /v2/bookings` accepts; several are OR-ed, none means every status. */
export const BookingStatusFilterSchema = z.enum([
  "upcoming",
  "recurring",
  "past",
  "cancelled",
  "unconfirmed",
]);

/** An instant given as a `Date` or an ISO-8601 string with a zone, sent as `toISOString()`. */
const InstantSchema = z.union([z.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value).toISOString());

const IdListSchema = z.array(z.number().int().positive()).min(1);

/**
 * What a caller may ask `listBookings` for. Strict: an unknown filter is an error here, where Cal.com
 * would silently ignore it. Only one sort key exists: `sortUpdatedAt` (default `asc`, the order the sync
 * relies on).
 */
export const BookingFiltersSchema = z.strictObject({
  status: z.array(BookingStatusFilterSchema).min(1).optional(),
  afterStart: InstantSchema.optional(),
  beforeEnd: InstantSchema.optional(),
  afterUpdatedAt: InstantSchema.optional(),
  beforeUpdatedAt: InstantSchema.optional(),
  afterCreatedAt: InstantSchema.optional(),
  beforeCreatedAt: InstantSchema.optional(),
  teamsIds: IdListSchema.optional(),
  eventTypeIds: IdListSchema.optional(),
  attendeeEmail: z.string().min(1).optional(),
  bookingUid: z.string().min(1).optional(),
  sortUpdatedAt: z.enum(["asc", "desc"]).default("asc"),
  take: z.number().int().min(1).max(maxBookingPageSize).default(maxBookingPageSize),
  /** Offset of the first page: pass a page's `nextSkip` to resume where a previous run stopped. */
  skip: z.number().int().min(0).default(0),
});
/**
 * Filters of one page of `GET /v2/bookings` in hosted Cal.com's `2026-05-01` version: the same filters
 * and sort, paged by `limit` and the opaque `cursor` of the previous page instead of `take`/`skip`
 * (corrections §7). The largest `limit` hosted Cal.com takes is unconfirmed; 100 is what integrations
 * send and the live API answered.
 */
export const CursorBookingFiltersSchema = BookingFiltersSchema.omit({ take: true, skip: true }).extend({
  limit: z.number().int().min(1).max(maxBookingPageSize).default(100),
  /** Absent or null for the first page; then the previous page's `nextCursor`. */
  cursor: z.string().min(1).nullish(),
});
/** See {@linkcode CursorBookingFiltersSchema}. */
export type CursorBookingFilters = z.input<typeof CursorBookingFiltersSchema>;

/** Filters as a caller writes them (dates as `Date` or ISO strings, defaults omitted). */
export type BookingFilters = z.input<typeof BookingFiltersSchema>;
/** Filters after validation and defaults. */
export type ResolvedBookingFilters = z.output<typeof BookingFiltersSchema>;

/**
 * The query string for one page at offset `skip`. Lists are comma-separated, the form Cal.com
 * documents; the team filter is `teamsIds` (Cal.com ignores the `teamIds` its own docs show).
 */
export function bookingSearchParams(filters: ResolvedBookingFilters, skip: number): URLSearchParams {
  const params = filterSearchParams(filters);
  params.set("take", String(filters.take));
  params.set("skip", String(skip));
  return params;
}

/** The query string of one page in the cursor version (see {@linkcode CursorBookingFiltersSchema}). */
export function cursorBookingSearchParams(
  filters: z.output<typeof CursorBookingFiltersSchema>,
): URLSearchParams {
  const params = filterSearchParams(filters);
  params.set("limit", String(filters.limit));
  if (filters.cursor) params.set("cursor", filters.cursor);
  return params;
}

/** The filters and the sort, the part both versions share. */
function filterSearchParams(
  filters: Omit<ResolvedBookingFilters, "take" | "skip">,
): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status) params.set("status", filters.status.join(","));
  for (
    const name of [
      "afterStart",
      "beforeEnd",
      "afterUpdatedAt",
      "beforeUpdatedAt",
      "afterCreatedAt",
      "beforeCreatedAt",
      "attendeeEmail",
      "bookingUid",
    ] as const
  ) {
    const value = filters[name];
    if (value !== undefined) params.set(name, value);
  }
  if (filters.teamsIds) params.set("teamsIds", filters.teamsIds.join(","));
  if (filters.eventTypeIds) params.set("eventTypeIds", filters.eventTypeIds.join(","));
  params.set("sortUpdatedAt", filters.sortUpdatedAt);
  return params;
}
