/**
 * How `GET /v2/bookings` pages for callers other than a plain personal key (corrections §2 of the
 * contract notes, `packages/trpc/server/routers/viewer/bookings/get.handler.ts` and
 * `apps/api/v2/src/lib/pagination/pagination.ts`):
 *
 * - A caller with `booking.read` on any team (team owner or admin, organisation admin): the handler
 *   fetches `take + 1` rows and does not count, so `totalItems` is null and `hasNextPage`
 *   (`skip + take < totalCount`) is false even on a full page; a count it is asked for is a Postgres
 *   planner estimate.
 * - After the limit, bookings on team event types the caller cannot see are dropped (and the API service
 *   skips ids it cannot reload): a page can be short while more bookings exist.
 * - Newer deployments order ties of the sort key by `id` in the same direction; older ones have no
 *   tie-break, so equal values may come in any order, another for every request.
 *
 * @module
 */
import type { BookingRecord } from "./store.ts";
import { type PaginationMeta, paginationMeta } from "./pagination.ts";

/** A listing mode; the default (all fields absent) is a personal key on a current deployment. */
export interface ListingMode {
  /**
   * `exact` (default); `null`: no count, as for team access (`totalItems: null`, `hasNextPage: false`,
   * `take + 1` rows fetched); `estimate`: the count times `estimateFactor`, rounded, as a planner estimate.
   */
  totals?: "exact" | "null" | "estimate";
  /** Factor of an estimated count (default 0.7). */
  estimateFactor?: number;
  /** Uids of bookings dropped from pages after the limit (team event types the caller cannot see). */
  hiddenUids?: ReadonlySet<string>;
  /** `id` (default): ties ordered by id; `none`: ties in another order for every request. */
  tieBreak?: "id" | "none";
}

/** The team-admin mode: no counts, `take + 1` fetches, and these bookings dropped after the limit. */
export function teamAdminListing(hiddenUids: Iterable<string> = []): ListingMode {
  return { totals: "null", hiddenUids: new Set(hiddenUids) };
}

/** What one listing request needs from the query: every match in order (ties by id), and skip/take. */
export interface ListingInput {
  /** Every matching booking, sorted (ties by id in the sort's direction). */
  matching: readonly BookingRecord[];
  /** The sort key of a booking (null last ascending, first descending). */
  key: (b: BookingRecord) => number | null;
  skip: number;
  take: number;
  /** A number that differs between requests, for the order of ties without a tie-break. */
  requestSeed: number;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A page of `input` under `mode`, and its pagination object. */
export function listPage(
  mode: ListingMode,
  input: ListingInput,
): {
  bookings: BookingRecord[];
  pagination: Omit<PaginationMeta, "totalItems"> & { totalItems: number | null };
} {
  let ordered = input.matching;
  if (mode.tieBreak === "none") {
    // Stable sort of runs of equal keys by a per-request hash: the keys' order stays, ties shuffle.
    const position = new Map(ordered.map((b, i) => [b, i]));
    const runStart = new Map<BookingRecord, number>();
    let start = 0;
    ordered.forEach((b, i) => {
      if (i > 0 && input.key(b) !== input.key(ordered[i - 1])) start = i;
      runStart.set(b, start);
    });
    ordered = [...ordered].sort((a, b) =>
      runStart.get(a)! - runStart.get(b)! ||
      mix(a.id, input.requestSeed) - mix(b.id, input.requestSeed) ||
      position.get(a)! - position.get(b)!
    );
  }
  const fetched = ordered.slice(input.skip, input.skip + input.take + (mode.totals === "null" ? 1 : 0));
  const hidden = mode.hiddenUids;
  const bookings = (hidden ? fetched.filter((b) => !hidden.has(b.uid)) : fetched).slice(0, input.take);
  const count = input.matching.length;
  if (mode.totals === "null") {
    // Cal.com's arithmetic with a null count: every number comes out 0 and hasNextPage false.
    return {
      bookings,
      pagination: {
        ...paginationMeta({ skip: input.skip, take: input.take, totalCount: 0 }),
        totalItems: null,
      },
    };
  }
  const totalCount = mode.totals === "estimate" ? Math.round(count * (mode.estimateFactor ?? 0.7)) : count;
  return { bookings, pagination: paginationMeta({ skip: input.skip, take: input.take, totalCount }) };
}
