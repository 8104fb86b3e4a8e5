/**
 * Saving one received page of a sync: its bookings and the run's progress and checkpoint in the
 * caller's transaction, taking the locks in the order a disconnect takes them.
 *
 * @module
 */
import { type BookingRow } from "../_shared/bookings/booking_row.ts";
import { upsertBookings, type UpsertResult } from "../_shared/bookings/booking_store.ts";
import { recordRejectedBookings } from "../_shared/bookings/booking_rejects_store.ts";
import type { RejectedBooking } from "../_shared/bookings/storable_booking.ts";
import type { Tx } from "../_shared/platform/db.ts";
import {
  lockConnection,
  type StoredCheckpoint,
  SyncRunLostError,
  type SyncRunRow,
} from "./sync_run_store.ts";

/** One received page, ready to save. */
export interface SavePageInput {
  run: Pick<SyncRunRow, "id" | "calcom_connection_id">;
  userId: string;
  rows: readonly BookingRow[];
  /** Bookings received that cannot be stored, recorded with their reason instead. */
  rejects?: readonly RejectedBooking[];
  /** Bookings received (after the plan dropped those already received). */
  fetched: number;
  checkpoint: StoredCheckpoint;
  now: Date;
}

/**
 * Saves a page: its bookings (one order-guarded statement) and the run's progress and checkpoint, in the
 * caller's transaction, so a crash leaves both or neither.
 *
 * @throws {SyncRunLostError} when the run is no longer running (taken over): roll back
 * @throws {SyncConnectionGoneError} when the connection was deleted meanwhile
 */
export async function saveSyncPage(tx: Tx, input: SavePageInput): Promise<UpsertResult> {
  await lockConnection(tx, input.run.calcom_connection_id, "share");
  // Then the run row: it is the lock that proves this caller still owns the run.
  const owned = await tx`
    update public.calcom_sync_runs set heartbeat_at = ${input.now}
    where id = ${input.run.id} and status = 'running'
    returning id`;
  if (owned.length === 0) throw new SyncRunLostError(input.run.id);
  const result = await upsertBookings(tx, {
    userId: input.userId,
    connectionId: input.run.calcom_connection_id,
    rows: input.rows,
  });
  const rejects = input.rejects ?? [];
  if (rejects.length > 0) {
    await recordRejectedBookings(tx, {
      userId: input.userId,
      connectionId: input.run.calcom_connection_id,
      source: "sync",
      now: input.now,
    }, rejects);
  }
  const plan = input.checkpoint.plan;
  const stored = input.rows.map((r) => r.booking_uid);
  // A booking stored now is no longer set aside; in the same statement, so a page costs no more trips.
  await tx`
    with cleared as (
      delete from public.calcom_booking_rejects
      where calcom_connection_id = ${input.run.calcom_connection_id} and source = 'sync'
        and booking_uid = any(${stored}::text[])
    )
    update public.calcom_sync_runs
    set pages = pages + 1, fetched = fetched + ${input.fetched}, created = created + ${result.created},
        updated = updated + ${result.updated}, set_aside = set_aside + ${rejects.length},
        next_skip = ${plan.ranges[0]?.skip ?? 0},
        watermark_after = ${plan.high}, checkpoint = ${tx.json(input.checkpoint)}
    where id = ${input.run.id}`;
  return result;
}
