/**
 * Reads bookings of one connection back by uid, in the API shape of `GET /calcom-bookings-sync`: what an
 * action answers once it has written Cal.com's answer through the order-guarded upsert.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";
import { type BookingView, toBookingView } from "./bookings_query.ts";

type StoredRow = Parameters<typeof toBookingView>[0];

/** The stored bookings of `connectionId` with these uids, in the order of `uids` (missing ones left out). */
export async function readStoredBookings(
  tx: Tx,
  connectionId: string,
  uids: readonly string[],
): Promise<BookingView[]> {
  const rows = await tx<StoredRow[]>`
    select * from public.calcom_bookings
    where calcom_connection_id = ${connectionId} and booking_uid = any(${uids as string[]}::text[])`;
  const byUid = new Map(rows.map((r) => [r.booking_uid, r]));
  return uids.flatMap((uid) => {
    const row = byUid.get(uid);
    return row ? [toBookingView(row)] : [];
  });
}
