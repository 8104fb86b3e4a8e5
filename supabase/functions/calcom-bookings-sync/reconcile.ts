/**
 * Reconciliation of one connection: re-read Cal.com's bookings by start time over a window, compare
 * them with the mirror, and repair what differs. It sees what an incremental sync cannot: changes that
 * leave `updatedAt` alone (attendee no-show marks, seats added, removed or cancelled;
 * docs/calcom-contract.md §10.1) and bookings Cal.com no longer has.
 *
 * Cheap when nothing changed: the window is read in pages of 250 with `afterStart`/`beforeEnd`, and a
 * booking whose compared fields (`reconcile_compare.ts`) agree with its row is not written. A booking
 * that differs is written through the same order-guarded upsert as a sync page, so a webhook state newer
 * than the read stays. A mirrored booking in the window that the listing left out is read by uid before
 * anything is done to it (offset pages can shift while bookings change): Cal.com's 404 removes the row,
 * an answer repairs it.
 *
 * @module
 */
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import { BookingOwnerError, upsertBookings } from "../_shared/bookings/booking_store.ts";
import { withKeyRelation } from "../_shared/bookings/key_relation.ts";
import { mapApiBooking } from "../_shared/bookings/map_api_booking.ts";
import type { BookingPage, CalcomClient } from "../_shared/calcom/client.ts";
import { CalcomError } from "../_shared/calcom/errors.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import { calcomForConnection } from "../_shared/oauth/connection_client.ts";
import { differingFields, MIRRORED_FIELDS, type MirroredFields } from "./reconcile_compare.ts";
import type { ReconcileWindow } from "./reconcile_window.ts";
import { syncPageSize } from "./sync_plan.ts";
import { classifyFailure, firstPageBudgetMs, type SyncEngineDeps } from "./sync_engine.ts";
import { firstPage } from "./read_plan_step.ts";
import { SyncConnectionGoneError, type SyncErrorCode } from "./sync_run_store.ts";

/** Mirrored bookings the listing left out that one reconciliation reads by uid at most. */
export const maxReconcileLookups = 50;

/** One reconciliation to make. */
export interface ReconcileRequest {
  connectionId: string;
  window: ReconcileWindow;
  /** No request starts after this (the first page always does); the outcome is then `partial`. */
  deadlineAt: Date;
}

/** What a reconciliation did. */
export interface ReconcileOutcome {
  /** `partial` when the deadline or the lookup cap stopped it: nothing is marked reconciled. */
  status: "succeeded" | "partial";
  window: ReconcileWindow;
  /** Listing pages Cal.com answered. */
  pages: number;
  /** Bookings read by uid because the listing left out their row. */
  lookups: number;
  /** Bookings Cal.com listed in the window. */
  fetched: number;
  /** Listed bookings that had a row to compare with. */
  compared: number;
  /** Bookings missing from the mirror, now stored. */
  created: number;
  /** Rows repaired to what Cal.com says. */
  updated: number;
  /** Rows of bookings Cal.com no longer has (404 by uid), removed. */
  removed: number;
  /** Rows that differed but hold a newer state than the read (a webhook's): kept by the order guard. */
  kept: number;
  /** The connection's last complete reconciliation (this one when it succeeded). */
  lastReconciledAt: Date | null;
}

/** A reconciliation Cal.com or the stored key stopped; safe to show the owner. */
export class ReconcileFailedError extends Error {
  constructor(readonly code: SyncErrorCode, message: string) {
    super(message);
    this.name = "ReconcileFailedError";
  }
}

interface Connection {
  user_id: string;
  api_key_encrypted: string;
  auth_kind: "api_key" | "oauth";
  calcom_user_id: number;
  calcom_email: string | null;
  calcom_api_url: string | null;
  last_reconciled_at: Date | null;
  db_now: Date;
}

/**
 * The uids a page listed, the bookings it could not read included where the client reports them
 * (`unreadable`), so such a booking is never taken for one Cal.com no longer has.
 */
function listedUids(page: BookingPage): string[] {
  return [...page.bookings.map((b) => b.uid), ...page.unreadable.flatMap((u) => (u.uid ? [u.uid] : []))];
}

/**
 * Reconciles one connection over `request.window` (see the module doc).
 *
 * @throws {SyncConnectionGoneError} when the connection does not exist (or went during the run)
 * @throws {ReconcileFailedError} when Cal.com refused or failed, or the key cannot be read
 */
export async function runReconcile(
  deps: SyncEngineDeps,
  request: ReconcileRequest,
): Promise<ReconcileOutcome> {
  const { connectionId, window } = request;
  const log = deps.log.child({ connectionId });
  const [connection] = await deps.db.asService((tx) =>
    tx<Connection[]>`
      select user_id, api_key_encrypted, auth_kind, calcom_user_id, calcom_email, calcom_api_url,
        last_reconciled_at,
        now() as db_now
      from public.calcom_connections where id = ${connectionId}`
  );
  if (!connection) throw new SyncConnectionGoneError(connectionId);
  const keyUser = { id: connection.calcom_user_id, email: connection.calcom_email };
  const callsEnd = new Date(Math.max(request.deadlineAt.getTime(), deps.now().getTime() + firstPageBudgetMs));
  let client: CalcomClient;
  try {
    client = await calcomForConnection(deps, {
      id: connectionId,
      userId: connection.user_id,
      authKind: connection.auth_kind,
      apiKeyEncrypted: connection.api_key_encrypted,
      calcomApiUrl: connection.calcom_api_url,
    }, { deadlineAt: callsEnd });
  } catch (err) {
    if (err instanceof CalcomError) throw new ReconcileFailedError("calcom_unavailable", err.message);
    log.error("cannot decrypt the connection's API key", { error: err });
    throw new ReconcileFailedError(
      "invalid_api_key",
      "The stored Cal.com API key cannot be read: connect the account again",
    );
  }
  const outcome: ReconcileOutcome = {
    status: "succeeded",
    window,
    pages: 0,
    lookups: 0,
    fetched: 0,
    compared: 0,
    created: 0,
    updated: 0,
    removed: 0,
    kept: 0,
    lastReconciledAt: connection.last_reconciled_at,
  };

  /** Rows of bookings Cal.com answered at `readAt` (its clock: the state is at least that new). */
  const toRows = (bookings: readonly ApiBooking[], readAt: string): BookingRow[] =>
    bookings.flatMap((booking) => {
      try {
        return [withKeyRelation(mapApiBooking(booking, { readAt }), keyUser)];
      } catch (err) {
        log.warn("booking left out of the reconciliation", { uid: booking.uid, error: err });
        return [];
      }
    });

  /** Compares rows with the mirror and writes those that differ or are missing. */
  const repair = async (rows: readonly BookingRow[], listed: boolean) => {
    if (rows.length === 0) return;
    const mirrored = await deps.db.asService((tx) =>
      tx<(MirroredFields & { booking_uid: string })[]>`
        select booking_uid, ${tx(MIRRORED_FIELDS)} from public.calcom_bookings
        where calcom_connection_id = ${connectionId}
          and booking_uid = any(${rows.map((r) => r.booking_uid)}::text[])`
    );
    const byUid = new Map(mirrored.map((m) => [m.booking_uid, m]));
    const changed = rows.filter((row) => {
      const stored = byUid.get(row.booking_uid);
      if (!stored) return true;
      if (listed) outcome.compared++;
      return differingFields(stored, row).length > 0;
    });
    if (changed.length === 0) return;
    const result = await deps.db.asService((tx) =>
      upsertBookings(tx, { userId: connection.user_id, connectionId, rows: changed })
    );
    outcome.created += result.created;
    outcome.updated += result.updated;
    outcome.kept += result.skipped;
  };

  try {
    const listed = new Set<string>();
    let skip = 0;
    for (;;) {
      if (outcome.pages > 0 && deps.now() >= request.deadlineAt) {
        outcome.status = "partial";
        break;
      }
      const page = await firstPage(client.listBookings({
        afterStart: window.afterStart,
        beforeEnd: window.beforeEnd,
        take: syncPageSize,
        skip,
      }));
      outcome.pages++;
      outcome.fetched += page.bookings.length;
      for (const uid of listedUids(page)) listed.add(uid);
      await repair(toRows(page.bookings, page.readAt), true);
      const received = page.nextSkip - page.skip;
      // A full page means "ask again" whatever hasNextPage says, and a short one ends the window only
      // when Cal.com counted that far (it may drop bookings after applying the limit).
      if (received === 0) break;
      if (
        received < syncPageSize && typeof page.totalItems === "number" && page.nextSkip >= page.totalItems
      ) break;
      skip = page.nextSkip;
    }
    if (outcome.status === "succeeded") await reconcileUnlisted(listed);
  } catch (err) {
    if (err instanceof BookingOwnerError) throw new SyncConnectionGoneError(connectionId);
    if (!(err instanceof CalcomError)) throw err;
    const verdict = classifyFailure(err, deps.now() >= callsEnd);
    if (verdict.status === "failed") throw new ReconcileFailedError(verdict.code, verdict.message);
    outcome.status = "partial";
  }

  if (outcome.status === "succeeded") {
    const [row] = await deps.db.asService((tx) =>
      tx<{ last_reconciled_at: Date }[]>`
        update public.calcom_connections set last_reconciled_at = ${connection.db_now}
        where id = ${connectionId}
        returning last_reconciled_at`
    );
    if (!row) throw new SyncConnectionGoneError(connectionId);
    outcome.lastReconciledAt = row.last_reconciled_at;
  }
  return outcome;

  /**
   * Mirrored bookings in the window the listing did not name, written before this reconciliation
   * began (a row a webhook stores meanwhile is newer than the listing), read one by one.
   */
  async function reconcileUnlisted(listed: Set<string>): Promise<void> {
    const unlisted = await deps.db.asService((tx) =>
      tx<{ booking_uid: string }[]>`
        select booking_uid from public.calcom_bookings
        where calcom_connection_id = ${connectionId}
          and start_time >= ${window.afterStart} and end_time <= ${window.beforeEnd}
          and updated_at < ${connection.db_now}
          and booking_uid <> all(${[...listed]}::text[])
        order by booking_uid
        limit ${maxReconcileLookups + 1}`
    );
    for (const [i, { booking_uid: uid }] of unlisted.entries()) {
      if (i === maxReconcileLookups || deps.now() >= request.deadlineAt) {
        outcome.status = "partial";
        return;
      }
      outcome.lookups++;
      let found: ApiBooking | undefined;
      let readAt = "";
      try {
        const answer = await client.getBooking(uid, { onReadAt: (at) => (readAt = at) });
        found = (Array.isArray(answer) ? answer : [answer]).find((b) => b.uid === uid);
      } catch (err) {
        if (!(err instanceof CalcomError && err.status === 404)) throw err;
      }
      if (found) {
        await repair(toRows([found], readAt), false);
        continue;
      }
      const deleted = await deps.db.asService((tx) =>
        tx`
          delete from public.calcom_bookings
          where calcom_connection_id = ${connectionId} and booking_uid = ${uid}
            and updated_at < ${connection.db_now}
          returning booking_uid`
      );
      outcome.removed += deleted.length;
    }
  }
}
