/**
 * Reading the bookings set aside as unstorable (`public.calcom_booking_rejects`) under the caller's RLS:
 * `GET /calcom-bookings-sync?setAside=true`.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";

import type { SetAsidePage } from "./responses.ts";

/** One set-aside booking as the read API returns it (`SetAsideBookingSchema`). */
export type SetAsideBooking = SetAsidePage["setAside"][number];

interface RejectRow {
  calcom_connection_id: string;
  booking_uid: string | null;
  reason: string;
  source: "sync" | "webhook";
  raw_excerpt: string;
  seen_count: number;
  first_seen_at: Date;
  last_seen_at: Date;
}

/** The caller's set-aside bookings (of one connection when given), the most recently seen first. */
export async function readSetAside(
  tx: Tx,
  filter: { connectionId?: string; limit: number },
): Promise<SetAsideBooking[]> {
  const none = tx``;
  const rows = await tx<RejectRow[]>`
    select calcom_connection_id, booking_uid, reason, source, raw_excerpt, seen_count, first_seen_at,
      last_seen_at
    from public.calcom_booking_rejects
    where true ${filter.connectionId ? tx`and calcom_connection_id = ${filter.connectionId}` : none}
    order by last_seen_at desc, id
    limit ${filter.limit}`;
  return rows.map((r) => ({
    connectionId: r.calcom_connection_id,
    bookingUid: r.booking_uid,
    reason: r.reason,
    source: r.source,
    rawExcerpt: r.raw_excerpt,
    seenCount: r.seen_count,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
  }));
}
