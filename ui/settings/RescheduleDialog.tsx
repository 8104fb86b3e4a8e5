/// <reference lib="dom" />
/**
 * Moving a booking: a free slot of its event type ("Day", "Time", in the viewer's time zone) and an
 * optional "Reason" for the attendees.
 *
 * @module
 */
import { useId, useState } from "react";
import type { BookingView, CalcomClient } from "../client/calcom_supabase_client.ts";
import { bookingTime } from "./format.ts";
import { Modal } from "./Modal.tsx";
import { SlotPicker } from "./SlotPicker.tsx";

/** Props of {@linkcode RescheduleDialog}. */
export interface RescheduleDialogProps {
  client: CalcomClient;
  booking: BookingView & { eventType: { id: number } };
  timeZone: string;
  now: () => Date;
  busy: boolean;
  onConfirm: (choice: { start: string; reason?: string }) => void;
  onClose: () => void;
}

/** The dialog. */
export function RescheduleDialog(props: RescheduleDialogProps) {
  const { client, booking, timeZone, now, busy, onConfirm, onClose } = props;
  const id = useId();
  const [start, setStart] = useState("");
  const [reason, setReason] = useState("");
  return (
    <Modal title={`Reschedule ${booking.title}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && start) onConfirm({ start, reason: reason.trim() || undefined });
        }}
      >
        <p>Now: {bookingTime(booking.startTime, timeZone)}. Pick a new time.</p>
        <SlotPicker
          client={client}
          eventTypeId={booking.eventType.id}
          connectionId={booking.connectionId}
          timeZone={timeZone}
          now={now}
          value={start}
          onChange={setStart}
          exclude={booking.startTime}
        />
        <div className="calcom-field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            maxLength={1000}
            rows={2}
            aria-describedby={`${id}-reason-hint`}
            onChange={(e) => setReason(e.target.value)}
          />
          <p id={`${id}-reason-hint`} className="calcom-hint">Optional; the attendees see it.</p>
        </div>
        <div className="calcom-actions">
          <button type="button" className="calcom-button" onClick={onClose}>Keep time</button>
          <button
            type="submit"
            className="calcom-button calcom-primary"
            disabled={busy || !start}
            aria-busy={busy}
          >
            Move booking
          </button>
        </div>
      </form>
    </Modal>
  );
}
