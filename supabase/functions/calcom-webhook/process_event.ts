/**
 * Applies one logged webhook event to the bookings mirror, inside the caller's transaction (the one
 * that logged it or locked it for a replay). The writes run in a savepoint: a failure rolls them back
 * and leaves the event in the log with its error, unprocessed and replayable.
 *
 * @module
 */
import { type BookingOp, mapWebhookEvent, WebhookPayloadError } from "../_shared/map_webhook_event.ts";
import { mergeBookingFacts, upsertBookings, upsertBookingStatus } from "../_shared/booking_store.ts";
import type { Tx } from "../_shared/db.ts";
import { safeErrorMessage } from "../_shared/http.ts";
import type { EventOutcome } from "../_shared/webhook_events_store.ts";

/** The connection an event arrived for. */
export interface EventConnection {
  id: string;
  userId: string;
  isActive: boolean;
}

/** Why an event that only adds facts to a booking could not be applied yet. */
export class BookingNotMirroredError extends Error {
  constructor(uid: string) {
    super(`Booking ${uid} is not mirrored yet: replay this event after the next sync`);
    this.name = "BookingNotMirroredError";
  }
}

async function runOp(tx: Tx, connection: EventConnection, op: BookingOp): Promise<void> {
  const owner = { userId: connection.userId, connectionId: connection.id };
  if (op.kind === "upsert") {
    await upsertBookings(tx, { ...owner, rows: [op.row] });
  } else if (op.kind === "status") {
    // an old booking that is unknown and cannot be created from the payload is simply not mirrored
    await upsertBookingStatus(tx, { ...owner, change: op.change });
  } else {
    const { found } = await mergeBookingFacts(tx, {
      connectionId: connection.id,
      uid: op.uid,
      facts: op.facts,
    });
    if (!found) throw new BookingNotMirroredError(op.uid);
  }
}

/**
 * Processes a parsed body for a connection: maps it to booking writes and applies them. Never throws for
 * a bad event (the outcome says why it was not processed); database failures outside the savepoint,
 * such as a lost connection, do propagate.
 */
export async function processWebhookEvent(
  tx: Tx,
  connection: EventConnection,
  body: unknown,
): Promise<EventOutcome> {
  if (!connection.isActive) {
    return { processed: false, error: "Connection is paused: replay this event after resuming it" };
  }
  let plan;
  try {
    plan = mapWebhookEvent(body);
  } catch (err) {
    if (err instanceof WebhookPayloadError || err instanceof RangeError) {
      return { processed: false, error: safeErrorMessage(err) };
    }
    throw err;
  }
  if (plan.kind === "unknown") {
    return { processed: false, error: `Unknown trigger ${plan.trigger.slice(0, 80)}: not processed` };
  }
  if (plan.kind === "ignored") return { processed: true, error: null };
  try {
    await tx.savepoint(async (sp) => {
      for (const op of plan.ops) await runOp(sp, connection, op);
    });
  } catch (err) {
    return { processed: false, error: safeErrorMessage(err), bookingUid: plan.bookingUid };
  }
  return { processed: true, error: null, bookingUid: plan.bookingUid };
}
