/// <reference lib="dom" />
/**
 * The actions of one booking in Recent Bookings, the ones its state allows
 * ({@linkcode bookingActionsFor}): "Confirm", "Decline", "Cancel booking", "Reschedule", "Mark no-show".
 * Cancel and decline ask first; every answer goes to the list (which updates the booking in place) and
 * every refusal is shown here, next to the booking, in words.
 *
 * @module
 */
import { useState } from "react";
import type { BookingActionResult, BookingView, CalcomClient } from "../client/calcom_supabase_client.ts";
import { type BookingActionKind, bookingActionsFor } from "./booking_actions_for.ts";
import { CancelDialog } from "./CancelDialog.tsx";
import { bookingError } from "./error_messages.ts";
import { NoShowDialog } from "./NoShowDialog.tsx";
import { RescheduleDialog } from "./RescheduleDialog.tsx";

/** Props of {@linkcode BookingActions}. */
export interface BookingActionsProps {
  client: CalcomClient;
  booking: BookingView;
  now: () => Date;
  timeZone: string;
  /** The id of the booking's title, which describes every button. */
  describedBy: string;
  /** An action succeeded: its answer, and a sentence saying what happened. */
  onDone: (result: BookingActionResult, notice: string) => void;
}

const DONE: Record<BookingActionKind, string> = {
  cancel: "Booking cancelled",
  reschedule: "Booking moved",
  confirm: "Booking confirmed",
  decline: "Booking declined",
  "mark-absent": "Attendance saved",
};

/** The buttons, their dialogs and the booking's error. */
export function BookingActions({ client, booking, now, timeZone, describedBy, onDone }: BookingActionsProps) {
  const [open, setOpen] = useState<BookingActionKind | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const actions = bookingActionsFor(booking, now());
  const options = { connectionId: booking.connectionId };
  const eventTypeId = booking.eventType.id;

  async function run(kind: BookingActionKind, call: () => Promise<BookingActionResult>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const result = await call();
      setOpen(null);
      onDone(result, `${DONE[kind]}: ${booking.title}`);
    } catch (err) {
      setOpen(null);
      setError(bookingError(err, kind).message);
    } finally {
      setBusy(false);
    }
  }

  if (actions.length === 0 && !error) return null;
  const button = (kind: BookingActionKind, label: string, onClick: () => void, danger = false) =>
    actions.includes(kind)
      ? (
        <button
          type="button"
          className={`calcom-button${danger ? " calcom-danger" : ""}`}
          disabled={busy}
          aria-describedby={describedBy}
          onClick={() => {
            setError(null);
            onClick();
          }}
        >
          {label}
        </button>
      )
      : null;

  return (
    <>
      <div className="calcom-actions calcom-booking-actions">
        {button(
          "confirm",
          "Confirm",
          () => run("confirm", () => client.confirmBooking(booking.uid, options)),
        )}
        {button("decline", "Decline", () => setOpen("decline"), true)}
        {eventTypeId !== null ? button("reschedule", "Reschedule", () => setOpen("reschedule")) : null}
        {button("cancel", "Cancel booking", () => setOpen("cancel"), true)}
        {button("mark-absent", "Mark no-show", () => setOpen("mark-absent"))}
      </div>
      {error ? <p className="calcom-error" role="alert">{error}</p> : null}
      {open === "cancel" || open === "decline"
        ? (
          <CancelDialog
            kind={open}
            booking={booking}
            timeZone={timeZone}
            busy={busy}
            onClose={() => setOpen(null)}
            onConfirm={({ reason, following }) =>
              open === "cancel"
                ? run("cancel", () =>
                  client.cancelBooking(
                    booking.uid,
                    {
                      ...(reason ? { reason } : {}),
                      ...(following ? { cancelSubsequentBookings: true } : {}),
                    },
                    options,
                  ))
                : run("decline", () => client.declineBooking(booking.uid, reason ? { reason } : {}, options))}
          />
        )
        : null}
      {open === "reschedule" && eventTypeId !== null
        ? (
          <RescheduleDialog
            client={client}
            booking={{ ...booking, eventType: { ...booking.eventType, id: eventTypeId } }}
            timeZone={timeZone}
            now={now}
            busy={busy}
            onClose={() => setOpen(null)}
            onConfirm={({ start, reason }) =>
              run("reschedule", () =>
                client.rescheduleBooking(booking.uid, { start, ...(reason ? { reason } : {}) }, options))}
          />
        )
        : null}
      {open === "mark-absent"
        ? (
          <NoShowDialog
            booking={booking}
            busy={busy}
            onClose={() => setOpen(null)}
            onConfirm={(changes) =>
              changes
                ? run("mark-absent", () =>
                  client.markAbsent(booking.uid, changes, options))
                : setOpen(null)}
          />
        )
        : null}
    </>
  );
}
