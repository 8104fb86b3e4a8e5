/**
 * Writes to `public.calcom_booking_rejects`: bookings set aside because they cannot be stored (see
 * `storable_booking.ts`), one row per connection, source and uid. Run as `service_role`, in the caller's
 * transaction.
 *
 * @module
 */
import type { Tx } from "../platform/db.ts";
import type { RejectedBooking } from "./storable_booking.ts";
import type { BookingOwner } from "./booking_store.ts";

/** Where a rejected booking came from. */
export type RejectSource = "sync" | "webhook";

/**
 * Records rejected bookings of a connection: a new row per uid, or `last_seen_at`, the reason, the
 * excerpt and the count moved on one seen before. The owner is checked against the connection in the
 * statement (a mismatch writes nothing). Returns how many were recorded.
 */
export async function recordRejectedBookings(
  tx: Tx,
  owner: BookingOwner & { source: RejectSource; now: Date },
  rejects: readonly RejectedBooking[],
): Promise<number> {
  // One row per uid in the batch (the last wins), as the unique key demands.
  const byUid = new Map<string | null, RejectedBooking>();
  for (const reject of rejects) byUid.set(reject.uid, reject);
  if (byUid.size === 0) return 0;
  const rows = [...byUid.values()].map((r) => ({ uid: r.uid, reason: r.reason, excerpt: r.rawExcerpt }));
  const written = await tx`
    insert into public.calcom_booking_rejects as t (
      user_id, calcom_connection_id, booking_uid, reason, source, raw_excerpt, first_seen_at, last_seen_at
    )
    select c.user_id, c.id, r.uid, r.reason, ${owner.source}, r.excerpt, ${owner.now}, ${owner.now}
    from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as r(uid text, reason text, excerpt text)
    cross join public.calcom_connections c
    where c.id = ${owner.connectionId} and c.user_id = ${owner.userId}
    on conflict (calcom_connection_id, source, booking_uid) do update set
      reason = excluded.reason, raw_excerpt = excluded.raw_excerpt, last_seen_at = excluded.last_seen_at,
      seen_count = t.seen_count + 1
    returning t.id`;
  return written.length;
}
