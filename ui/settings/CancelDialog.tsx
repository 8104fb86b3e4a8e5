/// <reference lib="dom" />
/**
 * The confirmation before cancelling or declining a booking: what is about to happen, an optional
 * "Reason" passed on to Cal.com (and the attendees), and for an occurrence of a recurring series the
 * choice between this one and all that follow.
 *
 * @module
 */
import { useId, useState } from "react";
import type { BookingView } from "../client/calcom_supabase_client.ts";
import { bookingTime } from "./format.ts";
import { Modal } from "./Modal.tsx";

/** What the person confirmed. */
export interface CancelChoice {
  reason?: string;
  /** Cancel this occurrence and every later one of its series. */
  following: boolean;
}

/** Props of {@linkcode CancelDialog}. */
export interface CancelDialogProps {
  kind: "cancel" | "decline";
  booking: BookingView;
  timeZone?: string;
  busy: boolean;
  onConfirm: (choice: CancelChoice) => void;
  onClose: () => void;
}

/** The dialog. */
export function CancelDialog({ kind, booking, timeZone, busy, onConfirm, onClose }: CancelDialogProps) {
  const id = useId();
  const [reason, setReason] = useState("");
  const [following, setFollowing] = useState(false);
  const recurring = kind === "cancel" && booking.recurringBookingUid !== null;
  const when = bookingTime(booking.startTime, timeZone);
  return (
    <Modal title={kind === "cancel" ? "Cancel this booking?" : "Decline this booking?"} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) {
            onConfirm({ reason: reason.trim() || undefined, following });
          }
        }}
      >
        <p>
          {booking.title}, {when}. {kind === "cancel"
            ? "Cal.com cancels it and tells the attendees."
            : "Cal.com declines the request and tells the attendee."}
        </p>
        {recurring
          ? (
            <fieldset className="calcom-field calcom-choice">
              <legend>Which bookings</legend>
              <label>
                <input
                  type="radio"
                  name={`${id}-which`}
                  checked={!following}
                  onChange={() => setFollowing(false)}
                />
                Only this one
              </label>
              <label>
                <input
                  type="radio"
                  name={`${id}-which`}
                  checked={following}
                  onChange={() =>
                    setFollowing(true)}
                />
                This one and all that follow
              </label>
            </fieldset>
          )
          : null}
        <div className="calcom-field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            maxLength={1000}
            rows={3}
            aria-describedby={`${id}-reason-hint`}
            onChange={(e) =>
              setReason(e.target.value)}
          />
          <p id={`${id}-reason-hint`} className="calcom-hint">
            Optional; the attendees see it.{kind === "cancel" ? " Cal.com asks the host for one." : ""}
          </p>
        </div>
        <div className="calcom-actions">
          <button type="button" className="calcom-button" data-autofocus onClick={onClose}>
            {kind === "cancel" ? "Keep booking" : "Keep request"}
          </button>
          <button type="submit" className="calcom-button calcom-danger" disabled={busy} aria-busy={busy}>
            {kind === "cancel" ? "Cancel booking" : "Decline"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
