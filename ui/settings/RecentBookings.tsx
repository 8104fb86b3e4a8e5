/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * "Recent Bookings": the stored bookings of every connected account in four views (upcoming, past,
 * cancelled, unconfirmed), pages loaded on demand with the read API's cursor, and a search by attendee
 * name or email. The read API has no text search, so the search filters the pages loaded so far.
 * Each booking offers the actions its state allows (BookingActions.tsx) and "New booking" books one
 * (NewBooking.tsx); their answers update the list in place.
 *
 * @module
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type {
  BookingActionResult,
  BookingView,
  CalcomClient,
  ReadInput,
} from "../client/calcom_supabase_client.ts";
import { attendeesOf, mergeBookings } from "./booking_actions_for.ts";
import { BookingActions } from "./BookingActions.tsx";
import { humanError } from "./error_messages.ts";
import { type BookingAccount, NewBooking } from "./NewBooking.tsx";
import { bookingStatusLabel, bookingTime, duration, exactTime, isWebLink, locationLabel } from "./format.ts";

/** The four views. */
export type BookingsView = "upcoming" | "past" | "cancelled" | "unconfirmed";

const VIEWS: { view: BookingsView; label: string }[] = [
  { view: "upcoming", label: "Upcoming" },
  { view: "past", label: "Past" },
  { view: "cancelled", label: "Cancelled" },
  { view: "unconfirmed", label: "Unconfirmed" },
];

const EMPTY: Record<BookingsView, string> = {
  upcoming: "No upcoming bookings",
  past: "No past bookings",
  cancelled: "No cancelled bookings",
  unconfirmed: "No bookings waiting for confirmation",
};

/** The read API's filter for a view at `now`. */
export function viewQuery(view: BookingsView, now: Date): ReadInput {
  const at = now.toISOString();
  switch (view) {
    case "upcoming":
      return { status: ["accepted", "pending", "awaiting_host"], afterStart: at };
    case "past":
      return { status: ["accepted", "pending", "awaiting_host"], beforeEnd: at };
    case "cancelled":
      return { status: ["cancelled", "rejected"] };
    case "unconfirmed":
      return { status: ["pending", "awaiting_host"], afterStart: at };
  }
}

/** Whether a booking has an attendee whose name or email contains `search` (any case). */
export function matchesAttendee(booking: BookingView, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return attendeesOf(booking).some((a) =>
    (a.name ?? "").toLowerCase().includes(needle) || (a.email ?? "").toLowerCase().includes(needle)
  );
}

/** Props of {@linkcode RecentBookings}. */
export interface RecentBookingsProps {
  client: CalcomClient;
  now: () => Date;
  timeZone?: string;
  /** Bookings per page (1–250). */
  pageSize: number;
  /** Changes whenever the bookings may have changed (poll, Realtime, sync): the loaded range is read again. */
  refreshKey: number;
  /** The active accounts "New booking" can book with (none: the button is disabled). */
  accounts?: BookingAccount[];
}

type Load = { kind: "loading" } | { kind: "ready" } | { kind: "error"; message: string };

interface BookingItemProps {
  booking: BookingView;
  timeZone: string;
  client: CalcomClient;
  now: () => Date;
  onDone: (result: BookingActionResult, notice: string) => void;
}

function BookingItem({ booking, timeZone, client, now, onDone }: BookingItemProps) {
  const id = useId();
  const location = booking.meetingUrl ?? booking.location;
  const attendees = attendeesOf(booking);
  const absent = attendees.filter((a) => a.absent === true);
  return (
    <li className="calcom-booking" data-uid={booking.uid}>
      <div className="calcom-booking-main">
        <h4 className="calcom-booking-title" id={`${id}-title`}>{booking.title}</h4>
        <span className={`calcom-badge calcom-booking-${booking.status.toLowerCase()}`}>
          {bookingStatusLabel(booking.status)}
        </span>
      </div>
      <p className="calcom-booking-when">
        <time dateTime={booking.startTime} title={exactTime(booking.startTime, timeZone)}>
          {bookingTime(booking.startTime, timeZone)}
        </time>
        {" · "}
        {duration(booking.startTime, booking.endTime)}
      </p>
      {attendees.length > 0
        ? (
          <p className="calcom-booking-attendees">
            With {attendees.map((a, i) => (
              <span key={i}>
                {i > 0 ? ", " : ""}
                {a.name ?? a.email}
                {a.name && a.email ? <span className="calcom-muted">{` <${a.email}>`}</span> : null}
              </span>
            ))}
          </p>
        )
        : null}
      {location
        ? (
          <p className="calcom-booking-location">
            {isWebLink(location)
              ? <a href={location} target="_blank" rel="noopener noreferrer">Join meeting</a>
              : locationLabel(location)}
          </p>
        )
        : null}
      {booking.cancellationReason
        ? <p className="calcom-muted">Reason: {booking.cancellationReason}</p>
        : null}
      {booking.rejectionReason ? <p className="calcom-muted">Reason: {booking.rejectionReason}</p> : null}
      {booking.absentHost || absent.length > 0
        ? (
          <p className="calcom-warning">
            No-show: {[
              ...(booking.absentHost ? ["the host"] : []),
              ...absent.map((a) => a.name ?? a.email),
            ].join(", ")}
          </p>
        )
        : null}
      <BookingActions
        client={client}
        booking={booking}
        now={now}
        timeZone={timeZone}
        describedBy={`${id}-title`}
        onDone={onDone}
      />
    </li>
  );
}

/** The bookings list. */
export function RecentBookings(props: RecentBookingsProps) {
  const { client, now, pageSize, refreshKey, accounts = [] } = props;
  const timeZone = props.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const id = useId();
  const [notice, setNotice] = useState<string | null>(null);
  const [view, setView] = useState<BookingsView>("upcoming");
  const [search, setSearch] = useState("");
  // The rows belong to the view they were read for: a view switch shows "loading", never the old rows.
  const [data, setData] = useState<{ view: BookingsView; bookings: BookingView[]; cursor: string | null }>();
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [loadingMore, setLoadingMore] = useState(false);
  // The filter's instant stays fixed while a view is open, so the cursor and refreshes agree with it.
  const anchor = useRef<{ view: BookingsView; at: Date } | null>(null);
  const loaded = useRef(0);

  useEffect(() => {
    let cancelled = false;
    const fresh = anchor.current?.view !== view;
    if (fresh) {
      anchor.current = { view, at: now() };
      setLoad({ kind: "loading" });
      loaded.current = 0;
    }
    const limit = Math.min(250, Math.max(pageSize, loaded.current));
    client.bookings({ ...viewQuery(view, anchor.current!.at), limit }).then((page) => {
      if (cancelled) return;
      setData({ view, bookings: page.bookings, cursor: page.nextCursor });
      loaded.current = page.bookings.length;
      setLoad({ kind: "ready" });
    }).catch((err) => {
      if (cancelled) return;
      // A failed background refresh keeps what is shown; only a first load shows the error.
      if (fresh || loaded.current === 0) setLoad({ kind: "error", message: humanError(err, "load").message });
    });
    return () => {
      cancelled = true;
    };
  }, [client, view, refreshKey, pageSize]);

  const current = data?.view === view ? data : undefined;
  const bookings = current?.bookings ?? [];
  const cursor = current?.cursor ?? null;

  async function loadMore() {
    if (!cursor || !anchor.current) return;
    setLoadingMore(true);
    try {
      const page = await client.bookings({ ...viewQuery(view, anchor.current.at), limit: pageSize, cursor });
      setData((old) => {
        if (!old || old.view !== view) return old;
        const known = new Set(old.bookings.map((b) => b.id));
        const next = [...old.bookings, ...page.bookings.filter((b) => !known.has(b.id))];
        loaded.current = next.length;
        return { view, bookings: next, cursor: page.nextCursor };
      });
    } catch (err) {
      setLoad({ kind: "error", message: humanError(err, "load").message });
    } finally {
      setLoadingMore(false);
    }
  }

  function merge(answered: BookingActionResult) {
    setData((old) => old && { ...old, bookings: mergeBookings(old.bookings, answered) });
  }

  const shown = useMemo(() => bookings.filter((b) => matchesAttendee(b, search)), [bookings, search]);

  return (
    <section className="calcom-card calcom-bookings" aria-labelledby={`${id}-title`}>
      <div className="calcom-card-header">
        <h2 id={`${id}-title`}>Recent Bookings</h2>
        <NewBooking
          client={client}
          accounts={accounts}
          timeZone={timeZone}
          now={now}
          onBooked={({ booking, occurrences }) => {
            merge({ booking, bookings: occurrences });
            setNotice(`Booked: ${booking.title}`);
          }}
        />
      </div>
      <p role="status" className="calcom-ok">{notice}</p>
      <div className="calcom-toolbar">
        <div role="group" aria-label="Which bookings" className="calcom-segmented">
          {VIEWS.map((v) => (
            <button
              key={v.view}
              type="button"
              className="calcom-button"
              aria-pressed={view === v.view}
              onClick={() => setView(v.view)}
            >
              {v.label}
            </button>
          ))}
        </div>
        <div className="calcom-field calcom-search">
          <label htmlFor={`${id}-search`}>Search by attendee name or email</label>
          <input
            id={`${id}-search`}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-describedby={`${id}-search-hint`}
          />
          <p id={`${id}-search-hint`} className="calcom-hint">Searches the bookings loaded below.</p>
        </div>
      </div>
      {load.kind === "loading" || (!current && load.kind === "ready")
        ? <p role="status">Loading bookings…</p>
        : null}
      {load.kind === "error" ? <p className="calcom-error" role="alert">{load.message}</p> : null}
      {load.kind === "ready" && current && shown.length === 0
        ? (
          <p className="calcom-empty">
            {search.trim() ? "No loaded booking matches this search" : EMPTY[view]}
          </p>
        )
        : null}
      {shown.length > 0
        ? (
          <ul
            className="calcom-booking-list"
            aria-label={`${VIEWS.find((v) => v.view === view)!.label} bookings`}
          >
            {shown.map((b) => (
              <BookingItem
                key={b.id}
                booking={b}
                timeZone={timeZone}
                client={client}
                now={now}
                onDone={(result, message) => {
                  merge(result);
                  setNotice(message);
                }}
              />
            ))}
          </ul>
        )
        : null}
      {cursor && load.kind === "ready"
        ? (
          <button
            type="button"
            className="calcom-button"
            disabled={loadingMore}
            aria-busy={loadingMore}
            onClick={loadMore}
          >
            Load more
          </button>
        )
        : null}
    </section>
  );
}
