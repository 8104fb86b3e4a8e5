/// <reference lib="dom" />
/**
 * "New booking": a button and the dialog that books one of the account's event types for an attendee.
 * The person picks the event type, a day and a free time (in the viewer's time zone), and enters the
 * attendee's name, email and time zone (the viewer's by default) and optional guests. One submission
 * keeps one `Idempotency-Key` until it succeeds or its content changes, so a retry, or a double click,
 * books once.
 *
 * @module
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type {
  CalcomClient,
  CreateBookingInput,
  CreateBookingResponse,
  EventTypeView,
} from "../client/calcom_supabase_client.ts";
import { type BookingError, bookingError } from "./error_messages.ts";
import { Modal } from "./Modal.tsx";
import { SlotPicker } from "./SlotPicker.tsx";

/** An account that can book. */
export interface BookingAccount {
  id: string;
  label: string;
}

/** Props of {@linkcode NewBooking}. */
export interface NewBookingProps {
  client: CalcomClient;
  /** The active connections; with several, the form asks which one. */
  accounts: BookingAccount[];
  timeZone: string;
  now: () => Date;
  onBooked: (response: CreateBookingResponse) => void;
}

/** Refusals after which the offered times are read again. */
const STALE_SLOTS = new Set(["slot_unavailable", "seats_full", "start_in_past"]);

function timeZones(viewer: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([viewer, "UTC", ...known])].sort();
}

function BookingForm({ client, accounts, timeZone, now, onBooked, onClose }: NewBookingProps & {
  onClose: () => void;
}) {
  const id = useId();
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? "");
  const [types, setTypes] = useState<EventTypeView[] | null>(null);
  const [typesError, setTypesError] = useState<string | null>(null);
  const [eventTypeId, setEventTypeId] = useState<number | null>(null);
  const [start, setStart] = useState("");
  const [slotsVersion, setSlotsVersion] = useState(0);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [zone, setZone] = useState(timeZone);
  const [guests, setGuests] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<BookingError | null>(null);
  const inFlight = useRef(false);
  // The key of the submission being retried: reused while the body stays the same.
  const attempt = useRef<{ body: string; key: string } | null>(null);

  useEffect(() => {
    let cancelled = false;
    setTypes(null);
    setTypesError(null);
    client.eventTypes({ connectionId: accountId || undefined }).then((list) => {
      if (cancelled) return;
      setTypes(list);
      setEventTypeId(list[0]?.id ?? null);
    }).catch((err) => {
      if (!cancelled) setTypesError(bookingError(err, "book").message);
    });
    return () => {
      cancelled = true;
    };
  }, [client, accountId]);

  async function submit() {
    if (inFlight.current || eventTypeId === null || !start) return;
    const input: CreateBookingInput = {
      ...(accountId ? { connectionId: accountId } : {}),
      eventTypeId,
      start,
      attendee: { name: name.trim(), email: email.trim(), timeZone: zone },
      ...(guests.trim() ? { guests: guests.split(/[,\s]+/).filter(Boolean) } : {}),
    };
    const body = JSON.stringify(input);
    if (attempt.current?.body !== body) attempt.current = { body, key: crypto.randomUUID() };
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const response = await client.createBooking(input, { idempotencyKey: attempt.current.key });
      attempt.current = null;
      onBooked(response);
    } catch (err) {
      const mapped = bookingError(err, "book");
      setError(mapped);
      const reason = (err as { details?: { reason?: unknown } }).details?.reason;
      if (typeof reason === "string" && STALE_SLOTS.has(reason)) setSlotsVersion((v) => v + 1);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  const zones = useMemo(() => timeZones(timeZone), [timeZone]);
  const invalid = (field: BookingError["field"]) => error?.field === field ? true : undefined;
  const chosen = types?.find((t) => t.id === eventTypeId);

  return (
    <Modal title="New booking" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {accounts.length > 1
          ? (
            <div className="calcom-field">
              <label htmlFor={`${id}-account`}>Account</label>
              <select id={`${id}-account`} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
                {accounts.map((a) => <option key={a.id} value={a.id}>{a.label}</option>)}
              </select>
            </div>
          )
          : null}
        {typesError ? <p className="calcom-error" role="alert">{typesError}</p> : null}
        {!types && !typesError ? <p role="status">Loading event types…</p> : null}
        {types && types.length === 0 ? <p className="calcom-empty">This account has no event types</p> : null}
        {types && types.length > 0
          ? (
            <div className="calcom-field">
              <label htmlFor={`${id}-type`}>Event type</label>
              <select
                id={`${id}-type`}
                value={eventTypeId ?? ""}
                aria-describedby={`${id}-type-hint`}
                onChange={(e) => {
                  setEventTypeId(Number(e.target.value));
                  setStart("");
                }}
              >
                {types.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.title} ({t.lengthInMinutes} min){t.hidden ? " (hidden)" : ""}
                  </option>
                ))}
              </select>
              <p id={`${id}-type-hint`} className="calcom-hint">
                {chosen?.requiresConfirmation ? "Needs the host's confirmation. " : ""}
                {chosen?.recurring ? "Books a recurring series. " : ""}
                {chosen?.seats ? `${chosen.seats} seats per time. ` : ""}
              </p>
            </div>
          )
          : null}
        {eventTypeId !== null
          ? (
            <SlotPicker
              key={`${accountId}:${eventTypeId}:${slotsVersion}`}
              client={client}
              eventTypeId={eventTypeId}
              connectionId={accountId || undefined}
              timeZone={timeZone}
              now={now}
              value={start}
              onChange={setStart}
            />
          )
          : null}
        <div className="calcom-field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            autoComplete="off"
            required
            maxLength={200}
            value={name}
            aria-invalid={invalid("attendee.name")}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="calcom-field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            required
            maxLength={320}
            value={email}
            aria-invalid={invalid("attendee.email")}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="calcom-field">
          <label htmlFor={`${id}-zone`}>Time zone</label>
          <select
            id={`${id}-zone`}
            value={zone}
            aria-invalid={invalid("attendee.timeZone")}
            onChange={(e) => setZone(e.target.value)}
          >
            {zones.map((z) => <option key={z} value={z}>{z}</option>)}
          </select>
        </div>
        <div className="calcom-field">
          <label htmlFor={`${id}-guests`}>Guests</label>
          <input
            id={`${id}-guests`}
            autoComplete="off"
            value={guests}
            aria-describedby={`${id}-guests-hint`}
            aria-invalid={invalid("guests")}
            onChange={(e) => setGuests(e.target.value)}
          />
          <p id={`${id}-guests-hint`} className="calcom-hint">
            Optional: email addresses, separated by commas
          </p>
        </div>
        {error ? <p className="calcom-error" role="alert">{error.message}</p> : null}
        <div className="calcom-actions">
          <button type="button" className="calcom-button" onClick={onClose}>Close</button>
          <button
            type="submit"
            className="calcom-button calcom-primary"
            disabled={busy || !start || eventTypeId === null}
            aria-busy={busy}
          >
            Book
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The button and, while open, the dialog. */
export function NewBooking(props: NewBookingProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="calcom-button calcom-primary"
        disabled={props.accounts.length === 0}
        onClick={() => setOpen(true)}
      >
        New booking
      </button>
      {open
        ? (
          <BookingForm
            {...props}
            onClose={() => setOpen(false)}
            onBooked={(response) => {
              setOpen(false);
              props.onBooked(response);
            }}
          />
        )
        : null}
    </>
  );
}
