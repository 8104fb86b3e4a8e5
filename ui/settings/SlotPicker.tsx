/// <reference lib="dom" />
/**
 * "Day" and "Time": the free slots of an event type, read with the client's `slots` for 30 days at a
 * time from now, shown in the viewer's time zone. The value is the slot's `start` as the API wrote it,
 * which is what `POST /bookings` and a reschedule take.
 *
 * @module
 */
import { useEffect, useId, useState } from "react";
import type { CalcomClient, SlotsByDay } from "../client/calcom_supabase_client.ts";
import { bookingError } from "./error_messages.ts";

/** Days of one slots request (the API allows 31). */
const RANGE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Props of {@linkcode SlotPicker}. */
export interface SlotPickerProps {
  client: CalcomClient;
  eventTypeId: number;
  connectionId?: string;
  timeZone: string;
  now: () => Date;
  /** The chosen slot's start, or "" for none. */
  value: string;
  onChange: (start: string) => void;
  /** A start not to offer (the booking's own time, when moving it). */
  exclude?: string;
}

type Slots = { kind: "loading" } | { kind: "ready"; byDay: SlotsByDay } | { kind: "error"; message: string };

/** "Mon, Mar 3" for a `YYYY-MM-DD` day (already in the viewer's zone). */
function dayLabel(day: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${day}T12:00:00Z`));
}

function timeLabel(start: string, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone }).format(
    new Date(start),
  );
}

/** The day and time fields. */
export function SlotPicker(props: SlotPickerProps) {
  const { client, eventTypeId, connectionId, timeZone, now, value, onChange, exclude } = props;
  const id = useId();
  const [page, setPage] = useState(0);
  const [slots, setSlots] = useState<Slots>({ kind: "loading" });
  const [day, setDay] = useState("");

  useEffect(() => {
    let cancelled = false;
    setSlots({ kind: "loading" });
    const from = now().getTime() + page * RANGE_DAYS * DAY_MS;
    client.slots({
      eventTypeId,
      connectionId,
      timeZone,
      start: new Date(from).toISOString(),
      end: new Date(from + RANGE_DAYS * DAY_MS).toISOString(),
    }).then((byDay) => {
      if (cancelled) return;
      const kept = Object.fromEntries(
        Object.entries(byDay).map(([d, list]) => [d, list.filter((s) => s.start !== exclude)])
          .filter(([, list]) => list.length > 0),
      );
      setSlots({ kind: "ready", byDay: kept });
      setDay(Object.keys(kept)[0] ?? "");
      onChange("");
    }).catch((err) => {
      if (!cancelled) setSlots({ kind: "error", message: bookingError(err, "book").message });
    });
    return () => {
      cancelled = true;
    };
  }, [client, eventTypeId, connectionId, timeZone, page, exclude]);

  const days = slots.kind === "ready" ? Object.keys(slots.byDay) : [];
  const times = slots.kind === "ready" ? slots.byDay[day] ?? [] : [];
  // The day buttons stay while a range loads, so the focus stays on them.
  return (
    <div className="calcom-slot-picker">
      {slots.kind === "loading" ? <p role="status">Loading free times…</p> : null}
      {slots.kind === "error" ? <p className="calcom-error" role="alert">{slots.message}</p> : null}
      {slots.kind === "ready" && days.length === 0
        ? <p className="calcom-empty">No free time in these {RANGE_DAYS} days</p>
        : null}
      {days.length > 0
        ? (
          <>
            <div className="calcom-field">
              <label htmlFor={`${id}-day`}>Day</label>
              <select
                id={`${id}-day`}
                value={day}
                onChange={(e) => {
                  setDay(e.target.value);
                  onChange("");
                }}
              >
                {days.map((d) => <option key={d} value={d}>{dayLabel(d)}</option>)}
              </select>
            </div>
            <div className="calcom-field">
              <label htmlFor={`${id}-time`}>Time</label>
              <select
                id={`${id}-time`}
                value={value}
                required
                aria-describedby={`${id}-zone`}
                onChange={(e) => onChange(e.target.value)}
              >
                <option value="">Pick a time</option>
                {times.map((s) => (
                  <option key={s.start} value={s.start}>
                    {timeLabel(s.start, timeZone)}
                    {s.seatsRemaining !== undefined ? ` (${s.seatsRemaining} seats left)` : ""}
                  </option>
                ))}
              </select>
              <p id={`${id}-zone`} className="calcom-hint">Times in {timeZone}</p>
            </div>
          </>
        )
        : null}
      <div className="calcom-actions">
        {page > 0
          ? (
            <button
              type="button"
              className="calcom-button"
              onClick={() => setPage((p) => p - 1)}
            >
              Earlier days
            </button>
          )
          : null}
        <button
          type="button"
          className="calcom-button"
          onClick={() => setPage((p) => p + 1)}
        >
          Later days
        </button>
      </div>
    </div>
  );
}
