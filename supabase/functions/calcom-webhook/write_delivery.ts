/**
 * Writes a verified delivery: the event with its outcome and, for the usual booking triggers, the booking
 * upserts it stands for, in ONE statement (`logWebhookStatement`), sent with its transaction in one round
 * trip (`Db.asServiceOnce`): round trips while it holds a pooled connection bounded the webhook's
 * throughput. Events with other writes (a reschedule's old booking, facts) apply them after the log in the
 * same transaction.
 *
 * The event is logged processed and its writes applied atomically; when applying fails, the transaction
 * rolls back whole and a second one logs the event unprocessed with its error, replayable. A duplicate
 * (same body for the same connection) writes nothing and answers what the first delivery's event holds.
 * A booking the mirror cannot store (`storable_booking.ts`) is logged unprocessed with its reason and
 * set aside in `calcom_booking_rejects`, not applied. Neither does a delivery for a connection whose secret or active flag changed since it was read: the
 * answer says so, and the caller reads the connection again. Nor does a new body beyond the connection's
 * quota, of which only the booking uid is kept (`webhook_quota.ts`).
 *
 * @module
 */
import type { Deps } from "../_shared/platform/deps.ts";
import { bookingRecordsJson, dedupeBookingRows } from "../_shared/bookings/booking_store.ts";
import { recordRejectedBookings } from "../_shared/bookings/booking_rejects_store.ts";
import {
  type EventOutcome,
  type LoggedEvent,
  loggedEvent,
  logWebhookEvent,
  logWebhookStatement,
  type VerifiedEvent,
} from "./webhook_events_store.ts";
import {
  applyFailure,
  applyWebhookOps,
  decideWebhookEvent,
  EventApplyError,
  type EventConnection,
  isApplyFailure,
  upsertOnlyRows,
} from "./process_event.ts";

/** What the log holds for a delivery once written. */
export interface WrittenDelivery {
  /** The event's id (null only for a duplicate whose first event was deleted meanwhile). */
  eventId: string | null;
  processed: boolean;
  /** The trigger: the body's, or for a duplicate the first event's. */
  trigger: string | null;
  duplicate: boolean;
  /** Nothing was written: the connection changed since it was read (see `logWebhookEvent`). */
  connectionChanged: boolean;
  /** Beyond the quota: only the booking uid was kept, for the next sync (see `logWebhookEvent`). */
  deferred: boolean;
}

/** The delivery's body: parsed, or why it is not (then it is logged unprocessed, raw). */
export type DeliveryBody = { value: unknown } | { error: string };

function written(logged: LoggedEvent, trigger: string | null): WrittenDelivery {
  return {
    eventId: logged.id,
    processed: logged.processed,
    trigger: logged.duplicate ? logged.trigger ?? trigger : trigger,
    duplicate: logged.duplicate,
    connectionChanged: logged.connectionChanged,
    deferred: logged.deferred,
  };
}

/**
 * Logs and applies a verified delivery for `connection` (see the module doc). A connection deleted since
 * it was read makes the log's insert fail with 23503, which propagates (the caller answers 404).
 */
export async function writeDelivery(
  deps: Deps,
  connection: EventConnection,
  event: VerifiedEvent,
  body: DeliveryBody,
): Promise<WrittenDelivery> {
  // the log statement alone: one round trip (Db.asServiceOnce)
  const logOnce = async (logged: VerifiedEvent) =>
    written(loggedEvent(logged, await deps.db.asServiceOnce(logWebhookStatement(logged))), event.trigger);
  const withOutcome = (outcome: EventOutcome): VerifiedEvent => ({
    ...event,
    bookingUid: outcome.bookingUid ?? event.bookingUid,
    processed: outcome.processed,
    errorMessage: outcome.error,
    processedAt: outcome.processed ? deps.now() : null,
  });

  if ("error" in body) return await logOnce({ ...event, errorMessage: body.error });
  const decision = decideWebhookEvent(connection, body.value);
  if (decision.kind === "outcome") return await logOnce(withOutcome(decision.outcome));
  if (decision.kind === "setAside") {
    // Logged unprocessed with the reason, and set aside where the owner reads the sync's too.
    return await deps.db.asService(async (tx) => {
      const logged = await logWebhookEvent(tx, withOutcome(decision.outcome));
      if (!logged.duplicate && !logged.connectionChanged && !logged.deferred) {
        await recordRejectedBookings(tx, {
          userId: connection.userId,
          connectionId: connection.id,
          source: "webhook",
          now: deps.now(),
        }, [decision.reject]);
      }
      return written(logged, event.trigger);
    });
  }

  const applied = withOutcome({ processed: true, error: null, bookingUid: decision.bookingUid });
  const rows = upsertOnlyRows(decision.ops);
  try {
    if (rows) return await logOnce({ ...applied, bookingsJson: bookingRecordsJson(dedupeBookingRows(rows)) });
    return await deps.db.asService(async (tx) => {
      const logged = await logWebhookEvent(tx, { ...applied, bookingsJson: null });
      if (!logged.duplicate && !logged.connectionChanged && !logged.deferred) {
        await applyWebhookOps(tx, connection, decision);
      }
      return written(logged, event.trigger);
    });
  } catch (err) {
    const failure = err instanceof EventApplyError
      ? err
      : isApplyFailure(err)
      ? applyFailure(err, decision.bookingUid)
      : null;
    if (!failure) throw err;
    // everything rolled back, the event too: log it again, unprocessed, with its error
    return await logOnce(withOutcome(failure.outcome));
  }
}
