/**
 * Applies one logged webhook event to the bookings mirror, inside the caller's transaction (the one
 * that logged it or locked it for a replay). No savepoint on the happy path (it cost two round trips per
 * delivery): a failed write throws {@linkcode EventApplyError} out of the transaction, which rolls back
 * whole, and {@linkcode logFailedApply} records the event with its error in a second one, unprocessed and
 * replayable. The event is never half-applied.
 *
 * @module
 */
import { type BookingOp, mapWebhookEvent, WebhookPayloadError } from "./map_webhook_event.ts";
import { applySeatChange } from "./apply_seat_change.ts";
import {
  compareBookingUids,
  findBookingUid,
  mergeBookingFacts,
  upsertBookings,
  upsertBookingStatus,
} from "../_shared/bookings/booking_store.ts";
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import {
  receivedUid,
  rejectBooking,
  type RejectedBooking,
  unstorableReason,
} from "../_shared/bookings/storable_booking.ts";
import { type KeyUser, withKeyRelation } from "../_shared/bookings/key_relation.ts";
import { z } from "zod";
import type { Tx } from "../_shared/platform/db.ts";
import { safeErrorMessage } from "../_shared/platform/http.ts";
import type { EventOutcome } from "./webhook_events_store.ts";

/** The connection an event arrived for. */
export interface EventConnection {
  id: string;
  userId: string;
  isActive: boolean;
  /** The Cal.com user of the connection's key; without it the rows carry no `key_relation`. */
  keyUser?: KeyUser;
}

/** Why an event that only adds facts to a booking could not be applied yet. */
export class BookingNotMirroredError extends Error {
  constructor(uid: string) {
    super(`Booking ${uid} is not mirrored yet: replay this event after the next sync`);
    this.name = "BookingNotMirroredError";
  }
}

/**
 * Applying an event failed: its transaction must roll back (it may be aborted already), and `outcome`
 * is what to record about the event in a new one.
 */
export class EventApplyError extends Error {
  constructor(readonly outcome: EventOutcome, options?: ErrorOptions) {
    super(outcome.error ?? "Cannot apply the webhook event", options);
    this.name = "EventApplyError";
  }
}

async function runOp(tx: Tx, connection: EventConnection, op: BookingOp): Promise<void> {
  const owner = { userId: connection.userId, connectionId: connection.id };
  if (op.kind === "upsert") {
    await upsertBookings(tx, { ...owner, rows: [op.row] });
  } else if (op.kind === "seats") {
    const result = await applySeatChange(tx, owner, op.change);
    if (result === "missing") throw new BookingNotMirroredError(op.change.uid);
  } else if (op.kind === "status") {
    // an old booking that is unknown and cannot be created from the payload is simply not mirrored
    await upsertBookingStatus(tx, { ...owner, change: op.change });
  } else {
    const uid = op.uid ??
      (op.bookingId === undefined
        ? undefined
        : await findBookingUid(tx, { connectionId: connection.id, bookingId: op.bookingId }));
    if (uid === undefined) throw new BookingNotMirroredError(`with id ${op.bookingId}`);
    const { found } = await mergeBookingFacts(tx, { connectionId: connection.id, uid, facts: op.facts });
    if (!found) throw new BookingNotMirroredError(uid);
  }
}

/**
 * What an event means for a connection, before any write: an outcome to record as it is (unknown trigger,
 * bad payload, paused connection, a trigger that touches no booking), or the writes to apply. Pure.
 */
export type EventDecision =
  | { kind: "outcome"; outcome: EventOutcome }
  /** A booking the mirror cannot store: recorded unprocessed with its reason and set aside, not applied. */
  | { kind: "setAside"; outcome: EventOutcome; reject: RejectedBooking }
  | { kind: "apply"; ops: BookingOp[]; bookingUid: string | null };

/** The booking object of a body: the envelope's payload, or the flattened body of `MEETING_*`. */
function bookingObject(body: unknown): unknown {
  const payload = (body as { payload?: unknown } | null)?.payload;
  return payload !== null && typeof payload === "object" ? payload : body;
}

/** Why a write cannot be stored (see `storable_booking.ts`), or null. */
function unstorableOp(op: BookingOp): string | null {
  if (op.kind === "upsert") return unstorableReason(op.row);
  if (op.kind === "status" && op.change.insertRow) return unstorableReason(op.change.insertRow);
  return null;
}

function setAside(body: unknown, reason: string, bookingUid: string | null): EventDecision {
  const booking = bookingObject(body);
  const reject = rejectBooking(booking, reason);
  const uid = reject.uid ?? bookingUid;
  return {
    kind: "setAside",
    outcome: { processed: false, error: `Booking set aside: ${reject.reason}`, bookingUid: uid },
    reject: { ...reject, uid },
  };
}

/** Decides what a parsed body means for a connection (see {@linkcode EventDecision}). */
export function decideWebhookEvent(connection: EventConnection, body: unknown): EventDecision {
  if (!connection.isActive) {
    return {
      kind: "outcome",
      outcome: { processed: false, error: "Connection is paused: replay this event after resuming it" },
    };
  }
  let plan;
  try {
    plan = mapWebhookEvent(body);
  } catch (err) {
    if (err instanceof WebhookPayloadError || err instanceof RangeError) {
      // A booking trigger whose booking Cal.com sent in a shape the mirror cannot read: set aside.
      if (receivedUid(bookingObject(body)) !== null) return setAside(body, safeErrorMessage(err), null);
      return { kind: "outcome", outcome: { processed: false, error: safeErrorMessage(err) } };
    }
    throw err;
  }
  if (plan.kind === "unknown") {
    return {
      kind: "outcome",
      outcome: { processed: false, error: `Unknown trigger ${plan.trigger.slice(0, 80)}: not processed` },
    };
  }
  if (plan.kind === "ignored") return { kind: "outcome", outcome: { processed: true, error: null } };
  for (const op of plan.ops) {
    const reason = unstorableOp(op);
    if (reason) return setAside(body, reason, plan.bookingUid);
  }
  const { keyUser } = connection;
  return {
    kind: "apply",
    ops: keyUser ? relateOps(plan.ops, keyUser) : plan.ops,
    bookingUid: plan.bookingUid,
  };
}

/** The writes with how the key's user relates to each booking row they may create or replace. */
function relateOps(ops: readonly BookingOp[], keyUser: KeyUser): BookingOp[] {
  return ops.map((op) => {
    if (op.kind === "upsert") return { ...op, row: withKeyRelation(op.row, keyUser) };
    if (op.kind === "status" && op.change.insertRow) {
      return { ...op, change: { ...op.change, insertRow: withKeyRelation(op.change.insertRow, keyUser) } };
    }
    return op;
  });
}

/**
 * The rows of writes that are all full-state upserts (most booking triggers), which the event log can
 * apply in the same statement that logs the event; null when some write is another kind.
 */
export function upsertOnlyRows(ops: readonly BookingOp[]): BookingRow[] | null {
  const rows: BookingRow[] = [];
  for (const op of ops) {
    if (op.kind !== "upsert") return null;
    rows.push(op.row);
  }
  return rows;
}

/**
 * Whether an error thrown by a statement that applies writes is the event's failure (recorded with the
 * event, which stays replayable) rather than the request's: a row the schema refuses, or an error
 * Postgres raised. A connection deleted meanwhile (23503) and lost database connections are the request's.
 */
export function isApplyFailure(err: unknown): boolean {
  if (err instanceof z.ZodError) return true;
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  return name === "PostgresError" && typeof code === "string" && code !== "23503";
}

/** The outcome of a failed write, as {@linkcode EventApplyError} carries it. */
export function applyFailure(err: unknown, bookingUid: string | null): EventApplyError {
  const outcome = { processed: false, error: safeErrorMessage(err), bookingUid };
  return new EventApplyError(outcome, { cause: err });
}

/**
 * Processes a parsed body for a connection: maps it to booking writes and applies them. A body that
 * cannot be applied for what it says (unknown trigger, bad payload, paused connection) is an outcome;
 * a failed write throws {@linkcode EventApplyError}: run the transaction with {@linkcode logFailedApply}.
 */
export async function processWebhookEvent(
  tx: Tx,
  connection: EventConnection,
  body: unknown,
): Promise<EventOutcome> {
  const decision = decideWebhookEvent(connection, body);
  if (decision.kind !== "apply") return decision.outcome;
  return await applyWebhookOps(tx, connection, decision);
}

/** The booking a write touches. */
function opUid(op: BookingOp): string {
  return op.kind === "upsert"
    ? op.row.booking_uid
    : op.kind === "status" || op.kind === "seats"
    ? op.change.uid
    : op.uid ?? "";
}

/**
 * The writes in the order every writer takes booking rows ({@linkcode compareBookingUids}): a reschedule's
 * new booking was written before its old one whatever their uids, and a sync's page taking the two the
 * other way round deadlocked with it. Writes to one booking keep their order (the sort is stable), and
 * writes to different bookings do not depend on each other.
 */
export function inLockOrder(ops: readonly BookingOp[]): BookingOp[] {
  return [...ops].sort((a, b) => compareBookingUids(opUid(a), opUid(b)));
}

/**
 * Applies decided writes, in lock order (see {@linkcode inLockOrder}); a failed write throws
 * {@linkcode EventApplyError}.
 */
export async function applyWebhookOps(
  tx: Tx,
  connection: EventConnection,
  { ops, bookingUid }: { ops: readonly BookingOp[]; bookingUid: string | null },
): Promise<EventOutcome> {
  try {
    for (const op of inLockOrder(ops)) await runOp(tx, connection, op);
  } catch (err) {
    throw applyFailure(err, bookingUid);
  }
  return { processed: true, error: null, bookingUid };
}

/**
 * Runs `apply` (a transaction that calls {@linkcode processWebhookEvent}); when applying failed, that
 * transaction rolled back whole and `logFailure` records the outcome in a new one. Other failures, such
 * as a lost connection, propagate.
 */
export async function logFailedApply<T>(
  apply: () => Promise<T>,
  logFailure: (outcome: EventOutcome) => Promise<T>,
): Promise<T> {
  try {
    return await apply();
  } catch (err) {
    if (err instanceof EventApplyError) return await logFailure(err.outcome);
    throw err;
  }
}
