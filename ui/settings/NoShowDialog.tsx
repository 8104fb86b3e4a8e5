/// <reference lib="dom" />
/**
 * Recording who did not show up to a booking that has started: the host (Cal.com cannot undo that
 * mark, so once set it stays checked) and each attendee (marked absent or present again).
 *
 * @module
 */
import { useState } from "react";
import type { BookingView, MarkAbsentInput } from "../client/calcom_supabase_client.ts";
import { attendeesOf } from "./booking_actions_for.ts";
import { Modal } from "./Modal.tsx";

/** Props of {@linkcode NoShowDialog}. */
export interface NoShowDialogProps {
  booking: BookingView;
  busy: boolean;
  /** The changes, or null when nothing changed. */
  onConfirm: (changes: MarkAbsentInput | null) => void;
  onClose: () => void;
}

/** The dialog. */
export function NoShowDialog({ booking, busy, onConfirm, onClose }: NoShowDialogProps) {
  const attendees = attendeesOf(booking).filter((a) => a.email);
  const [host, setHost] = useState(booking.absentHost);
  const [absent, setAbsent] = useState(() => attendees.map((a) => a.absent === true));

  function submit() {
    const changed = attendees.flatMap((a, i) =>
      absent[i] !== (a.absent === true) ? [{ email: a.email!, absent: absent[i] }] : []
    );
    const hostNow = host && !booking.absentHost;
    if (!hostNow && changed.length === 0) return onConfirm(null);
    onConfirm({
      ...(hostNow ? { host: true as const } : {}),
      ...(changed.length ? { attendees: changed } : {}),
    });
  }

  return (
    <Modal title="Record no-shows" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) submit();
        }}
      >
        <fieldset className="calcom-field calcom-choice">
          <legend>Who did not show up</legend>
          <label>
            <input
              type="checkbox"
              checked={host}
              disabled={booking.absentHost}
              onChange={(e) => setHost(e.target.checked)}
            />
            Host {booking.organizer.name ? `(${booking.organizer.name})` : ""}
          </label>
          {attendees.map((a, i) => (
            <label key={a.email}>
              <input
                type="checkbox"
                checked={absent[i]}
                onChange={(e) => setAbsent((old) => old.map((v, j) => (j === i ? e.target.checked : v)))}
              />
              {a.name ? `${a.name} <${a.email}>` : a.email}
            </label>
          ))}
          <p className="calcom-hint">
            Checked: did not show up. Cal.com cannot mark the host present again; attendees can be unchecked.
          </p>
        </fieldset>
        <div className="calcom-actions">
          <button type="button" className="calcom-button" onClick={onClose}>Close</button>
          <button type="submit" className="calcom-button calcom-primary" disabled={busy} aria-busy={busy}>
            Save attendance
          </button>
        </div>
      </form>
    </Modal>
  );
}
