/**
 * The sync's paging plan as pure functions: which page of `GET /v2/bookings` to ask for next, and what a
 * received page changes. Its whole state is a {@linkcode SyncCheckpoint}, saved in the same transaction
 * as the page's bookings, so a run that stops anywhere resumes after the last saved page.
 *
 * Pages are addressed by value (keyset on `updatedAt`), not by offset. Offsets shift under a list that
 * changes while it is read: an updated booking jumps to the end and every later one moves up a slot, so
 * the one at the page boundary would be skipped. Values do not shift. The boundary value is asked for
 * again (Cal.com has no secondary sort key, so bookings sharing it may come in another order on the next
 * page) and the uids already received at it are dropped. `docs/decisions.md` argues why nothing is lost.
 *
 * - Full runs read newest first (`sortUpdatedAt=desc`). The largest `updatedAt` received becomes the
 *   watermark: anything updated while the run reads is newer, and the next incremental run reads it.
 *   Postgres sorts a null `updatedAt` (very old bookings) first in that order, so the first page shows
 *   whether such bookings exist; only when a whole page of them does, the "nulls" phase reads them by
 *   `createdAt` ranges (no filter selects a null `updatedAt`, and their order among themselves is
 *   arbitrary, so offsets would miss some).
 * - Incremental runs read oldest first from the watermark (`afterUpdatedAt`, inclusive).
 * - When more bookings share one `updatedAt` than a page holds (a bulk change), the keyset cannot step
 *   past the value: the "ties" phase reads that exact value by `createdAt` ranges.
 *
 * Ranges are split at the median `createdAt` of the page they overflowed, until each fits in one page,
 * which makes every range complete by construction whatever order Cal.com returns. A range of one
 * instant that still overflows (bookings created and updated in the same millisecond, by the hundred)
 * falls back to offsets: the one case where a shuffled order could hide a booking until it changes.
 *
 * @module
 */
import { z } from "zod";
import type { BookingFilters } from "../_shared/calcom/client.ts";

/** Bookings per request: Cal.com's maximum. */
export const syncPageSize = 250;

/** Uids remembered per checkpoint: they only save rewriting and recounting, so a bound keeps it small. */
export const maxRememberedUids = 5000;

/** The `createdAt` range that holds every booking. */
export const allTime = { lo: "1970-01-01T00:00:00.000Z", hi: "2999-12-31T23:59:59.999Z" } as const;

const Instant = z.iso.datetime();

/** A `createdAt` range (inclusive) still to read, and the offset within it when it cannot be split. */
export const CreatedRangeSchema = z.object({ lo: Instant, hi: Instant, skip: z.number().int().min(0) });

/** See {@linkcode CreatedRangeSchema}. */
export type CreatedRange = z.infer<typeof CreatedRangeSchema>;

/** Everything a run needs to continue after its last saved page. */
export const SyncCheckpointSchema = z.object({
  v: z.literal(1),
  /** `desc` for full runs (newest first), `asc` for incremental runs (from the watermark). */
  direction: z.enum(["asc", "desc"]),
  /**
   * head: the first page of a full run; nulls; keyset; ties; done. stream: cursor paging in hosted
   * Cal.com's 2026-05-01 version (`cursor_plan.ts`).
   */
  phase: z.enum(["head", "nulls", "keyset", "ties", "stream", "done"]),
  /**
   * keyset: the `updatedAt` the next page starts at (inclusive); ties: the shared value; stream: the
   * smallest `updatedAt` received so far (where a refused page cursor restarts).
   */
  cursor: Instant.nullable(),
  /**
   * keyset: the offset from `cursor`, past windows Cal.com answered short with nothing new (it drops
   * bookings the key cannot see after applying the limit); absent is 0.
   */
  skip: z.number().int().min(0).optional(),
  /** Uids received at `cursor` (keyset) or in this phase (nulls, ties): received again, not written. */
  seen: z.array(z.string()),
  /** nulls, ties: the `createdAt` ranges still to read, the first one next. */
  ranges: z.array(CreatedRangeSchema),
  /** stream: Cal.com's cursor of the next page; null for the stream's first page. */
  pageCursor: z.string().min(1).nullable().optional(),
  /** stream: the `afterUpdatedAt` of an incremental run (its watermark) and the uids already at it. */
  floor: Instant.optional(),
  floorUids: z.array(z.string()).optional(),
  /** stream: the `beforeUpdatedAt` of a stream restarted after Cal.com refused its page cursor. */
  ceiling: Instant.optional(),
  /** Largest `updatedAt` received so far (the watermark candidate) and the uids received at it. */
  high: Instant.nullable(),
  highUids: z.array(z.string()),
});

/** A checkpoint: see {@linkcode SyncCheckpointSchema}. */
export type SyncCheckpoint = z.infer<typeof SyncCheckpointSchema>;

/** What the plan needs of a booking. */
export interface PlanItem {
  uid: string;
  updatedAt?: string | null;
  createdAt?: string | null;
}

/** What the plan needs of a page. */
export interface PlanPage<T extends PlanItem> {
  bookings: T[];
  /** Null when Cal.com did not count; possibly an estimate. */
  totalItems: number | null;
  hasNextPage: boolean;
}

/** The result of {@linkcode applyPage}. */
export interface PlanStep<T extends PlanItem> {
  /** Bookings to write: the page minus those this run already received in the same state. */
  accepted: T[];
  next: SyncCheckpoint;
}

/** Filters that narrow a whole run (the caller's `status`, `afterStart`, `beforeEnd`). */
export type SyncScope = Pick<BookingFilters, "status" | "afterStart" | "beforeEnd">;

/** The checkpoint of a full run: every booking, newest first. */
export function fullCheckpoint(): SyncCheckpoint {
  return {
    v: 1,
    direction: "desc",
    phase: "head",
    cursor: null,
    seen: [],
    ranges: [],
    high: null,
    highUids: [],
  };
}

/**
 * The checkpoint of an incremental run from `watermark` (inclusive); `watermarkUids` are the bookings
 * the previous run already received at exactly that time, so receiving them again writes nothing.
 */
export function incrementalCheckpoint(watermark: string, watermarkUids: readonly string[]): SyncCheckpoint {
  const cursor = new Date(watermark).toISOString();
  const uids = watermarkUids.slice(0, maxRememberedUids);
  return {
    v: 1,
    direction: "asc",
    phase: "keyset",
    cursor,
    seen: [...uids],
    ranges: [],
    high: cursor,
    highUids: [...uids],
  };
}

/** The filters of the next request. */
export function nextRequest(cp: SyncCheckpoint, scope: SyncScope = {}): BookingFilters {
  const base = { ...scope, sortUpdatedAt: cp.direction, take: syncPageSize } as const;
  const range = cp.ranges[0];
  switch (cp.phase) {
    case "head":
      return { ...base, skip: 0 };
    case "nulls":
      return { ...base, afterCreatedAt: range.lo, beforeCreatedAt: range.hi, skip: range.skip };
    case "keyset":
      return cp.direction === "asc"
        ? { ...base, afterUpdatedAt: cp.cursor!, skip: cp.skip ?? 0 }
        : { ...base, beforeUpdatedAt: cp.cursor!, skip: cp.skip ?? 0 };
    case "ties":
      return {
        ...base,
        afterUpdatedAt: cp.cursor!,
        beforeUpdatedAt: cp.cursor!,
        afterCreatedAt: range.lo,
        beforeCreatedAt: range.hi,
        skip: range.skip,
      };
    case "stream":
      throw new Error("Sync checkpoint pages by cursor: use nextCursorRequest");
    case "done":
      throw new Error("Sync checkpoint is done: there is no next page");
  }
}

/** Epoch ms of a timestamp, or null when absent or unreadable. */
export function ms(value: string | null | undefined): number | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** A booking's `updatedAt` in epoch ms, or null. */
export const keyOf = (item: PlanItem): number | null => ms(item.updatedAt);
const iso = (t: number) => new Date(t).toISOString();

/** Remembers the uids of `items` in `seen`, up to {@linkcode maxRememberedUids}. */
export function remember(seen: Set<string>, items: readonly PlanItem[]): string[] {
  for (const item of items) {
    if (seen.size >= maxRememberedUids) break;
    seen.add(item.uid);
  }
  return [...seen];
}

/** Raises the watermark candidate to the largest `updatedAt` in `items`. */
export function trackHigh(
  cp: SyncCheckpoint,
  items: readonly PlanItem[],
): Pick<SyncCheckpoint, "high" | "highUids"> {
  let high = ms(cp.high);
  let uids = new Set(cp.highUids);
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    if (high === null || key > high) {
      high = key;
      uids = new Set([item.uid]);
    } else if (key === high && uids.size < maxRememberedUids) uids.add(item.uid);
  }
  return { high: high === null ? null : iso(high), highUids: [...uids] };
}

/**
 * Splits a range that overflowed a page in two at the median `createdAt` of the bookings the page
 * returned; undefined when it cannot be split (one instant, or no usable `createdAt`). Two pieces, not
 * as many as the range's count calls for: when Cal.com returns equal values in creation order the page
 * is the oldest part of the range, a biased sample, and many pieces cut from it would be mostly tiny.
 */
export function splitRange(range: CreatedRange, items: readonly PlanItem[]): CreatedRange[] | undefined {
  const lo = Date.parse(range.lo);
  const hi = Date.parse(range.hi);
  const values = [...new Set(items.map((i) => ms(i.createdAt)).filter((t): t is number => t !== null))]
    .filter((t) => t >= lo && t <= hi)
    .sort((a, b) => a - b);
  if (lo === hi || values.length === 0) return undefined;
  const piece = (a: number, b: number): CreatedRange => ({ lo: iso(a), hi: iso(b), skip: 0 });
  if (values.length === 1) {
    // Every returned booking was created at v: set v apart so the rest of the range can shrink.
    const v = values[0];
    return [
      ...(lo < v ? [piece(lo, v - 1)] : []),
      piece(v, v),
      ...(v < hi ? [piece(v + 1, hi)] : []),
    ];
  }
  const median = values[Math.floor(values.length / 2)];
  return [piece(lo, median - 1), piece(median, hi)];
}

/** The checkpoint without a keyset offset (a new cursor or another phase starts from its beginning). */
function withoutSkip(cp: SyncCheckpoint): SyncCheckpoint {
  const { skip: _, ...rest } = cp;
  return rest;
}

/**
 * Whether a page is certainly the last of its request's listing. An empty page is. Otherwise only an
 * exact count says so: Cal.com's `hasNextPage` is false on a full page when it did not count (team
 * access: `totalItems` null), a planner estimate may be off either way, and a page may be short while
 * more exist (bookings dropped after the limit). So the page must be the rest of what was counted.
 */
export function isLastPage(page: PlanPage<PlanItem>, skip: number): boolean {
  if (page.bookings.length === 0) return true;
  return !page.hasNextPage && page.totalItems !== null && page.totalItems === skip + page.bookings.length;
}

/**
 * The ranges after reading the first one: done; split (a full page overflowed it); one page further
 * when it cannot be split; or, for a short page that may not be the last, past the window Cal.com
 * looked at (`take` rows, those it dropped included), so the next request sees what lies beyond.
 */
function advanceRanges(cp: SyncCheckpoint, items: readonly PlanItem[], complete: boolean): CreatedRange[] {
  const [range, ...rest] = cp.ranges;
  if (complete || items.length === 0) return rest;
  if (items.length < syncPageSize) return [{ ...range, skip: range.skip + syncPageSize }, ...rest];
  if (range.skip === 0) {
    const pieces = splitRange(range, items);
    if (pieces) return [...pieces, ...rest];
  }
  return [{ ...range, skip: range.skip + items.length }, ...rest];
}

/**
 * What a received page means: the bookings to write and the checkpoint to save with them. Pure; the
 * page must be the answer to `nextRequest(cp)`.
 */
export function applyPage<T extends PlanItem>(cp: SyncCheckpoint, page: PlanPage<T>): PlanStep<T> {
  const items = page.bookings;
  const done = (accepted: T[]): PlanStep<T> => ({
    accepted,
    next: { ...cp, ...trackHigh(cp, accepted), phase: "done", seen: [], ranges: [] },
  });
  const keyed = items.filter((i) => keyOf(i) !== null);

  switch (cp.phase) {
    case "head": {
      if (isLastPage(page, 0)) return done(items);
      const high = trackHigh(cp, items);
      if (keyed.length === 0) {
        // A whole page of bookings without updatedAt: there may be more of them than any page holds.
        return {
          accepted: items,
          next: {
            ...cp,
            ...high,
            phase: "nulls",
            seen: remember(new Set(), items),
            ranges: advanceRanges({ ...cp, ranges: [{ ...allTime, skip: 0 }] }, items, false),
          },
        };
      }
      // The null ones sort first, so they all came in this page, ahead of the newest keyed ones.
      const far = Math.min(...keyed.map((i) => keyOf(i)!));
      return {
        accepted: items,
        next: {
          ...cp,
          ...high,
          phase: "keyset",
          cursor: iso(far),
          seen: keyed.filter((i) => keyOf(i) === far).map((i) => i.uid),
        },
      };
    }

    case "nulls": {
      const seen = new Set(cp.seen);
      const accepted = items.filter((i) => !seen.has(i.uid));
      // Within a range the null ones come first: a page that reaches a keyed one holds them all.
      const complete = isLastPage(page, cp.ranges[0].skip) || keyed.length > 0;
      const ranges = advanceRanges(cp, items, complete);
      const high = trackHigh(cp, accepted);
      if (ranges.length > 0) {
        return { accepted, next: { ...cp, ...high, seen: remember(seen, items), ranges } };
      }
      // Every null one is in: read the keyed ones from the newest, as a full run without nulls would.
      return {
        accepted,
        next: { ...withoutSkip(cp), ...high, phase: "keyset", cursor: allTime.hi, seen: [], ranges: [] },
      };
    }

    case "keyset": {
      const cursor = Date.parse(cp.cursor!);
      const seen = new Set(cp.seen);
      const accepted = items.filter((i) => !(keyOf(i) === cursor && seen.has(i.uid)));
      if (isLastPage(page, cp.skip ?? 0) || keyed.length === 0) return done(accepted);
      const keys = keyed.map((i) => keyOf(i)!);
      const far = cp.direction === "asc" ? Math.max(...keys) : Math.min(...keys);
      const high = trackHigh(cp, accepted);
      if (far === cursor && items.length < syncPageSize) {
        // A short page that did not get past the cursor, and no count says it is the last: look past
        // the window Cal.com answered from (an empty answer there ends the run).
        return {
          accepted,
          next: { ...cp, ...high, skip: (cp.skip ?? 0) + syncPageSize, seen: remember(seen, items) },
        };
      }
      if (far === cursor) {
        // A whole page at one value: more bookings share it than a page holds.
        const ranges = advanceRanges({ ...cp, ranges: [{ ...allTime, skip: 0 }] }, items, false);
        return {
          accepted,
          next: { ...withoutSkip(cp), ...high, phase: "ties", seen: remember(seen, items), ranges },
        };
      }
      return {
        accepted,
        next: {
          ...withoutSkip(cp),
          ...high,
          cursor: iso(far),
          seen: keyed.filter((i) => keyOf(i) === far).map((i) => i.uid),
        },
      };
    }

    case "ties": {
      const seen = new Set(cp.seen);
      const accepted = items.filter((i) => !seen.has(i.uid));
      const ranges = advanceRanges(cp, items, isLastPage(page, cp.ranges[0].skip));
      const high = trackHigh(cp, accepted);
      if (ranges.length > 0) {
        return { accepted, next: { ...cp, ...high, seen: remember(seen, items), ranges } };
      }
      // The whole group is in: continue just past its value.
      const past = Date.parse(cp.cursor!) + (cp.direction === "asc" ? 1 : -1);
      return {
        accepted,
        next: { ...withoutSkip(cp), ...high, phase: "keyset", cursor: iso(past), seen: [], ranges: [] },
      };
    }

    case "stream":
      throw new Error("Sync checkpoint pages by cursor: use applyCursorPage");
    case "done":
      throw new Error("Sync checkpoint is done: no page was expected");
  }
}

/** The watermark a completed run leaves for the next incremental run, and the uids received at it. */
export interface FinalWatermark {
  watermark: string | null;
  uids: string[];
}

/**
 * The watermark after a completed run: the largest `updatedAt` received, but never later than `lagMs`
 * before the run began, because a Cal.com write that set `updatedAt` just before we read may commit
 * just after (and Cal.com's clock is not ours). Never earlier than the previous watermark.
 */
export function finalWatermark(
  cp: SyncCheckpoint,
  options: { startedAt: Date; lagMs: number; previous: string | null },
): FinalWatermark {
  const previous = ms(options.previous);
  if (cp.high === null) {
    return { watermark: previous === null ? null : iso(previous), uids: [] };
  }
  const high = Date.parse(cp.high);
  const capped = Math.max(Math.min(high, options.startedAt.getTime() - options.lagMs), previous ?? -Infinity);
  return capped === high ? { watermark: cp.high, uids: cp.highUids } : { watermark: iso(capped), uids: [] };
}
