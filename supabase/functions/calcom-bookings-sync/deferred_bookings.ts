/**
 * Reads again the bookings whose webhook deliveries were beyond the connection's quota
 * (`public.calcom_webhook_deferrals`, see calcom-webhook/webhook_quota.ts): such a delivery was answered
 * 202 and only its booking uid kept, so the change it carried reaches the mirror here, as Cal.com's state
 * at the read (`GET /v2/bookings/{uid}`), through the same order-guarded upsert as every page.
 *
 * @module
 */
import { type BookingOwner, upsertBookings } from "../_shared/bookings/booking_store.ts";
import { mapApiBooking } from "../_shared/bookings/map_api_booking.ts";
import { hasLoneSurrogate, unstorableReason } from "../_shared/bookings/storable_booking.ts";
import { wellFormedValue } from "../_shared/bookings/jsonb_text.ts";
import { type KeyUser, withKeyRelation } from "../_shared/bookings/key_relation.ts";
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import type { CalcomClient } from "../_shared/calcom/client.ts";
import { CalcomError } from "../_shared/calcom/errors.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import type { Deps } from "../_shared/platform/deps.ts";

/** Most deferred bookings one run reads: each is a Cal.com request, of the key's 120 a minute. */
export const DEFERRED_READS_PER_RUN = 50;

/** What reading deferred bookings again did. */
export interface DeferredReadResult {
  /** Records cleared: their booking read and upserted, or gone from Cal.com. */
  cleared: number;
  created: number;
  updated: number;
}

/** Options of {@linkcode readDeferredBookings}. */
export interface DeferredReadOptions {
  /** No request starts after this. */
  deadlineAt: Date;
  /** At most this many (default {@linkcode DEFERRED_READS_PER_RUN}). */
  limit?: number;
  /** Whether this run read every booking, which also answers the record that asks for everything. */
  fullRunSucceeded: boolean;
  /** The Cal.com user of the connection's key: how they relate to each booking is stored with it. */
  keyUser: KeyUser;
}

/**
 * Reads the connection's deferred bookings again, oldest first, upserts each one and clears its record
 * in the same transaction; a booking Cal.com no longer has (404) just clears it. A record updated by a
 * new delivery during the read stays for the next run. A failure stops the reads and leaves the rest,
 * never the run: it is logged, and the records wait for the next run.
 */
export async function readDeferredBookings(
  deps: Pick<Deps, "db" | "log" | "now">,
  client: CalcomClient,
  owner: BookingOwner,
  options: DeferredReadOptions,
): Promise<DeferredReadResult> {
  const result: DeferredReadResult = { cleared: 0, created: 0, updated: 0 };
  if (options.fullRunSucceeded) {
    result.cleared += await deps.db.asService(async (tx) =>
      (await tx`
        delete from public.calcom_webhook_deferrals
        where calcom_connection_id = ${owner.connectionId} and booking_uid is null`).count
    );
  }
  const deferred = await deps.db.asService((tx) =>
    // received_at as text, sent back as text: microseconds, which a Date would round away
    tx<{ id: string; booking_uid: string; received_at: string }[]>`
      select id, booking_uid, received_at::text from public.calcom_webhook_deferrals
      where calcom_connection_id = ${owner.connectionId} and booking_uid is not null
      order by received_at, id
      limit ${options.limit ?? DEFERRED_READS_PER_RUN}`
  );
  for (const record of deferred) {
    if (deps.now() >= options.deadlineAt) break;
    try {
      const rows = (await readBooking(deps.log, client, record.booking_uid))
        .map((row) => withKeyRelation(row, options.keyUser));
      const upserted = await deps.db.asService(async (tx) => {
        const counts = rows.length > 0
          ? await upsertBookings(tx, { ...owner, rows })
          : { created: 0, updated: 0, skipped: 0 };
        await tx`
          delete from public.calcom_webhook_deferrals
          where id = ${record.id} and received_at = ${record.received_at}::text::timestamptz`;
        return counts;
      });
      result.cleared++;
      result.created += upserted.created;
      result.updated += upserted.updated;
    } catch (err) {
      deps.log.warn("cannot read a deferred booking again", { connectionId: owner.connectionId, error: err });
      break;
    }
  }
  return result;
}

/**
 * The rows of a booking as Cal.com holds it now (a recurring uid may answer several); none when gone. One
 * that cannot be described in a row is logged and left out, as the sync's pages do.
 */
async function readBooking(log: Deps["log"], client: CalcomClient, uid: string): Promise<BookingRow[]> {
  let found: ApiBooking | ApiBooking[];
  let readAt: string | undefined;
  try {
    found = await client.getBooking(uid, { onReadAt: (at) => (readAt = at) });
  } catch (err) {
    if (err instanceof CalcomError && err.status === 404) return [];
    throw err;
  }
  const rows: BookingRow[] = [];
  for (const received of Array.isArray(found) ? found : [found]) {
    // As the sync's pages: half an emoji is stored as U+FFFD, a row the table cannot hold is left out.
    const booking = hasLoneSurrogate(received) ? wellFormedValue(received) as ApiBooking : received;
    try {
      const row = mapApiBooking(booking, { readAt });
      const reason = unstorableReason(row);
      if (reason) throw new RangeError(reason);
      rows.push(row);
    } catch (err) {
      log.warn("cannot map a deferred booking; left out", { bookingUid: uid, error: err });
    }
  }
  return rows;
}
