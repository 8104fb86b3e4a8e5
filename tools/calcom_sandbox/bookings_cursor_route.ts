/**
 * `GET /v2/bookings` with `cal-api-version: 2026-05-01`, the version only hosted Cal.com serves
 * (corrections §7, from a response recorded from the live API): the filters and sorts of 2024-08-13,
 * paged by `limit` and an opaque `cursor`, answered as
 * `{status, data: [...bookings], pagination: {nextCursor, hasMore}}` with no totals.
 *
 * What hosted Cal.com puts in its cursor is not known (its code is closed). The sandbox's cursor holds an
 * offset into the filtered, sorted list: the harsher kind for a client, since an offset shifts when the
 * list changes between pages while a value-based cursor would not. A client that is right against this one
 * is right against either.
 *
 * @module
 */

import { toApiBooking } from "./api_booking.ts";
import { parseBookingsQuery, runBookingsQuery } from "./bookings_query.ts";
import { validationError } from "./errors.ts";
import { caller, type Handler } from "./route_context.ts";

/** The hosted bookings version with cursor paging. */
export const cursorBookingsVersion = "2026-05-01";

/** Largest `limit` the sandbox takes: the one 2024-08-13 has for `take` (hosted's own is unconfirmed). */
export const maxCursorLimit = 250;

/** What a cursor encodes: the offset of the next page, and the generation it was made in. */
interface CursorState {
  o: number;
  e: number;
}

/** The opaque cursor of the page at offset `o` (base64url JSON, so clients cannot read meaning into it). */
export function encodeCursor(state: CursorState): string {
  return btoa(JSON.stringify(state)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The offset a cursor names; undefined when it is not one this sandbox made. */
export function decodeCursor(cursor: string): CursorState | undefined {
  try {
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const state = JSON.parse(json) as Partial<CursorState>;
    const valid = Number.isInteger(state.o) && state.o! >= 0 && Number.isInteger(state.e);
    return valid ? { o: state.o!, e: state.e! } : undefined;
  } catch {
    return undefined;
  }
}

function parseLimit(raw: string | null): number {
  if (raw === null) return 100;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n)) throw validationError(["limit must be an integer number"]);
  if (n < 1) throw validationError(["limit must not be less than 1"]);
  if (n > maxCursorLimit) throw validationError([`limit must not be greater than ${maxCursorLimit}`]);
  return n;
}

/** `GET /v2/bookings` (2026-05-01): one page after `cursor`, and the cursor of the next one. */
export const listBookingsByCursor: Handler = (ctx, req) => {
  const user = caller(req);
  const q = parseBookingsQuery(req.query);
  const limit = parseLimit(req.query.get("limit"));
  const raw = req.query.get("cursor");
  const epoch = ctx.cursorEpoch?.() ?? 0;
  const state = raw === null || raw === "" ? { o: 0, e: epoch } : decodeCursor(raw);
  if (state === undefined) throw validationError(["cursor must be a cursor from a previous page"]);
  if (state.e !== epoch) throw validationError(["cursor has expired"]);
  const { bookings, total } = runBookingsQuery(
    ctx.store,
    user.id,
    { ...q, skip: state.o, take: limit },
    ctx.now(),
  );
  const hasMore = state.o + bookings.length < total;
  return {
    status: 200,
    data: bookings.map((b) => toApiBooking(ctx.store, b, { showSeatedAttendees: true })),
    extra: {
      pagination: {
        nextCursor: hasMore ? encodeCursor({ o: state.o + bookings.length, e: epoch }) : null,
        hasMore,
      },
    },
  };
};
