/**
 * The sync's paging plan when Cal.com serves the bookings list with cursor paging (hosted Cal.com's
 * `cal-api-version: 2026-05-01`, corrections §7): pure functions over the same {@linkcode SyncCheckpoint}
 * as `sync_plan.ts`, in its `stream` phase, saved with each page so a stopped run resumes at the cursor
 * Cal.com gave for the next page.
 *
 * Every run reads newest first (`sortUpdatedAt=desc`); an incremental run only from its watermark
 * (`afterUpdatedAt`, inclusive, the uids already received at it dropped). Newest first because what
 * Cal.com's cursor holds is not known (its code is closed): were it an offset, a booking updated while
 * the run reads would move to the front, behind the cursor, and only push later bookings one place
 * further, so one may come twice but none is skipped; the moved booking's new `updatedAt` lies past the
 * watermark this run leaves (the largest received, a lag behind the run's start), so the next
 * incremental run reads it. Oldest first would skip one booking per such move. A value-based cursor
 * loses nothing either way. The cursor also walks ties and bookings without `updatedAt` itself, so this
 * plan needs none of the keyset's range splitting.
 *
 * A page cursor Cal.com refuses (expired, say) restarts the stream just below the oldest `updatedAt`
 * received (`beforeUpdatedAt`, inclusive, the uids received at it dropped), as the keyset would.
 *
 * @module
 */
import type { CursorBookingFilters } from "../_shared/calcom/client.ts";
import {
  fullCheckpoint,
  incrementalCheckpoint,
  keyOf,
  maxRememberedUids,
  ms,
  type PlanItem,
  type PlanStep,
  type SyncCheckpoint,
  type SyncScope,
  trackHigh,
} from "./sync_plan.ts";

/** Bookings per cursor page: what integrations send and the live API was seen to answer. */
export const cursorPageSize = 100;

/** What the cursor plan needs of a page. */
export interface CursorPlanPage<T extends PlanItem> {
  bookings: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * The stream that reads what `cp`, a run's starting checkpoint (a full run's head, or an incremental
 * run from its watermark), would read with offsets.
 */
export function streamCheckpoint(cp: SyncCheckpoint): SyncCheckpoint {
  const incremental = cp.phase === "keyset" && cp.direction === "asc" && cp.cursor !== null;
  return {
    v: 1,
    direction: "desc",
    phase: "stream",
    cursor: null,
    seen: [],
    ranges: [],
    pageCursor: null,
    ...(incremental ? { floor: cp.cursor!, floorUids: [...cp.seen] } : {}),
    high: cp.high,
    highUids: [...cp.highUids],
  };
}

/**
 * The same run's start with offsets, for a deployment that turned out not to serve the cursor version:
 * what the stream read is read again (writing it again changes nothing).
 */
export function offsetCheckpoint(cp: SyncCheckpoint): SyncCheckpoint {
  return cp.floor !== undefined ? incrementalCheckpoint(cp.floor, cp.floorUids ?? []) : fullCheckpoint();
}

/** The stream after Cal.com refused its page cursor: from the oldest `updatedAt` received, without one. */
export function restartStream(cp: SyncCheckpoint): SyncCheckpoint {
  const { ceiling: _, ...rest } = cp;
  // Nothing with an updatedAt received yet: read from the top again.
  return cp.cursor === null
    ? { ...rest, pageCursor: null }
    : { ...rest, pageCursor: null, ceiling: cp.cursor };
}

/** The filters of the next cursor page. */
export function nextCursorRequest(cp: SyncCheckpoint, scope: SyncScope = {}): CursorBookingFilters {
  if (cp.phase !== "stream") throw new Error(`Sync checkpoint in phase ${cp.phase} does not page by cursor`);
  return {
    ...scope,
    sortUpdatedAt: "desc",
    limit: cursorPageSize,
    ...(cp.floor !== undefined ? { afterUpdatedAt: cp.floor } : {}),
    ...(cp.ceiling !== undefined ? { beforeUpdatedAt: cp.ceiling } : {}),
    ...(cp.pageCursor ? { cursor: cp.pageCursor } : {}),
  };
}

/**
 * What a received cursor page means: the bookings to write (minus those this run, or the run before at
 * the watermark, already received in the same state) and the checkpoint to save with them.
 */
export function applyCursorPage<T extends PlanItem>(
  cp: SyncCheckpoint,
  page: CursorPlanPage<T>,
): PlanStep<T> {
  const low = ms(cp.cursor);
  const floor = ms(cp.floor);
  const seen = new Set(cp.seen);
  const floorSeen = new Set(cp.floorUids ?? []);
  const accepted = page.bookings.filter((item) => {
    const key = keyOf(item);
    if (key === null) return true;
    return !((key === low && seen.has(item.uid)) || (key === floor && floorSeen.has(item.uid)));
  });
  let lowest = low;
  let lowUids = seen;
  for (const item of page.bookings) {
    const key = keyOf(item);
    if (key === null) continue;
    if (lowest === null || key < lowest) {
      lowest = key;
      lowUids = new Set([item.uid]);
    } else if (key === lowest && lowUids.size < maxRememberedUids) lowUids.add(item.uid);
  }
  const high = trackHigh(cp, accepted);
  const position = { cursor: lowest === null ? null : iso(lowest), seen: [...lowUids] };
  // An empty page ends the stream whatever it claims, so a Cal.com that keeps answering one cannot loop.
  if (page.nextCursor === null || page.bookings.length === 0) {
    return { accepted, next: { ...cp, ...high, ...position, phase: "done", pageCursor: null, seen: [] } };
  }
  return { accepted, next: { ...cp, ...high, ...position, pageCursor: page.nextCursor } };
}
