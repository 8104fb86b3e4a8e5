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
/** Filters as a caller writes them (dates as `Date` or ISO strings, defaults omitted). */
export type BookingFilters = z.input<typeof BookingFiltersSchema>;
/** Filters after validation and defaults. */
export type ResolvedBookingFilters = z.output<typeof BookingFiltersSchema>;

/**
 * The query string for one page at offset `skip`. Lists are comma-separated, the form Cal.com
 * documents; the team filter is `teamsIds` (Cal.com ignores the `teamIds` its own docs show).
 */
export function bookingSearchParams(filters: ResolvedBookingFilters, skip: number): URLSearchParams {
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
  params.set("take", String(filters.take));
  params.set("skip", String(skip));
  return params;
}
