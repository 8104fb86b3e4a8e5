/**
 * Applies a seat change of a seated booking (corrections §1): Cal.com's seat webhooks list only the
 * attendee concerned, so their attendees are a change to the mirrored list, never the list. A change
 * is applied per attendee email unless an equally new or newer one was already applied for that email
 * (`seat_changes`), or the row holds a state read after it (`source_updated_at`): replays and
 * out-of-order deliveries leave the list as the newest changes say. Runs in the webhook's transaction.
 *
 * @module
 */
import type { BookingAttendeeRow, BookingRow } from "../_shared/bookings/booking_row.ts";
import { type BookingOwner, upsertBookings, upsertBookingStatus } from "../_shared/bookings/booking_store.ts";
import type { Tx } from "../_shared/platform/db.ts";
import { toJsonbText } from "../_shared/bookings/jsonb_text.ts";

/** A change to the attendees of one seated booking (or of the bookings `locate` finds). */
export interface SeatChange {
  /** The booking; ignored when `locate` is given. */
  uid: string;
  /** The delivery's createdAt: the change's time. */
  at: string;
  /** Attendees who took a seat. */
  add: BookingAttendeeRow[];
  /** Emails of attendees who left. */
  remove: string[];
  /**
   * The row to create when the booking is not mirrored (only for a change that adds). A seat payload
   * lists only some attendees, so it is created at the oldest source time: the next read from the API
   * replaces it whole.
   */
  insertRow?: BookingRow;
  /** A state Cal.com wrote with the change (payment, location…): upserted with the mirrored attendees. */
  stateRow?: BookingRow;
  /**
   * When the change removes every attendee left, the whole booking was cancelled (or its last seat):
   * it becomes CANCELLED and keeps its attendees.
   */
  cancelWhenEmptied?: { cancellationReason: string | null };
  /** A seat's old booking, named by a booking uid, else by event type and start (a seat uid names none). */
  locate?: { uid: string; eventTypeId: number | null; startTime: string | null; exceptUid: string };
}

type SeatMarks = Record<string, { present: boolean; at: string }>;

interface SeatedRow {
  attendees: BookingAttendeeRow[];
  seat_changes: SeatMarks;
  source_updated_at: Date;
}

const key = (email: string | null) => (email ?? "").toLowerCase();

async function locateUids(tx: Tx, connectionId: string, locate: NonNullable<SeatChange["locate"]>) {
  const rows = await tx<{ booking_uid: string }[]>`
    select booking_uid from public.calcom_bookings
    where calcom_connection_id = ${connectionId} and booking_uid <> ${locate.exceptUid}
      and status in ('ACCEPTED', 'PENDING')
      and (booking_uid = ${locate.uid}
        or (event_type_id = ${locate.eventTypeId} and start_time = ${locate.startTime}::timestamptz))
    order by booking_uid collate "C"`;
  return rows.map((r) => r.booking_uid);
}

/** Whether the change found its booking; a change that only removes cannot be applied to none. */
export type SeatChangeResult = "applied" | "missing";

async function applyTo(
  tx: Tx,
  owner: BookingOwner,
  uid: string,
  change: SeatChange,
): Promise<SeatChangeResult> {
  const [row] = await tx<SeatedRow[]>`
    select attendees, seat_changes, source_updated_at from public.calcom_bookings
    where calcom_connection_id = ${owner.connectionId} and booking_uid = ${uid}
    for update`;
  const at = Date.parse(change.at);
  const marks: SeatMarks = { ...row?.seat_changes };
  if (!row) {
    const insert = change.stateRow ?? (change.remove.length === 0 ? change.insertRow : undefined);
    if (!insert) return "missing";
    await upsertBookings(tx, { ...owner, rows: [insert] });
    for (const a of change.add) marks[key(a.email)] = { present: true, at: change.at };
    await saveMarks(tx, owner.connectionId, uid, marks);
    return "applied";
  }
  const fresh = (email: string | null) => {
    const mark = marks[key(email)];
    return at > row.source_updated_at.getTime() && !(mark && Date.parse(mark.at) >= at);
  };
  const leaving = new Set(change.remove.map(key));
  if (
    change.cancelWhenEmptied && row.attendees.length > 0 &&
    row.attendees.every((a) => leaving.has(key(a.email)))
  ) {
    await upsertBookingStatus(tx, {
      ...owner,
      change: {
        uid,
        status: "CANCELLED",
        sourceUpdatedAt: change.at,
        cancellationReason: change.cancelWhenEmptied.cancellationReason,
      },
    });
    return "applied";
  }
  let attendees = row.attendees;
  let changed = false;
  for (const email of change.remove) {
    if (!fresh(email)) continue;
    attendees = attendees.filter((a) => key(a.email) !== key(email));
    marks[key(email)] = { present: false, at: change.at };
    changed = true;
  }
  for (const a of change.add) {
    if (!fresh(a.email)) continue;
    if (!attendees.some((b) => key(b.email) === key(a.email))) attendees = [...attendees, a];
    marks[key(a.email)] = { present: true, at: change.at };
    changed = true;
  }
  if (changed) {
    await tx`
      update public.calcom_bookings
      set attendees = ${toJsonbText(attendees)}::text::jsonb, seat_changes = ${
      toJsonbText(marks)
    }::text::jsonb
      where calcom_connection_id = ${owner.connectionId} and booking_uid = ${uid}`;
  }
  if (change.stateRow) await upsertBookings(tx, { ...owner, rows: [{ ...change.stateRow, attendees }] });
  return "applied";
}

async function saveMarks(tx: Tx, connectionId: string, uid: string, marks: SeatMarks): Promise<void> {
  if (Object.keys(marks).length === 0) return;
  await tx`
    update public.calcom_bookings set seat_changes = ${toJsonbText(marks)}::text::jsonb
    where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
}

/**
 * Applies `change` for `owner` (see the module doc). A seat's old booking that is not mirrored is left
 * alone; a change that only removes from a booking not mirrored yet is `"missing"`, for the caller to
 * keep the event replayable (an add arriving later must not bring the attendee back unseen).
 */
export async function applySeatChange(
  tx: Tx,
  owner: BookingOwner,
  change: SeatChange,
): Promise<SeatChangeResult> {
  if (!change.locate) return await applyTo(tx, owner, change.uid, change);
  for (const uid of await locateUids(tx, owner.connectionId, change.locate)) {
    await applyTo(tx, owner, uid, change);
  }
  return "applied";
}
