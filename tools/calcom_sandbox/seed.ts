/**
 * Realistic, deterministic booking history for a user: every status (accepted, pending, cancelled,
 * rejected), recurring series, seated bookings, rescheduled pairs, absent attendees, several location
 * kinds, spread over the past year and the next six months, with updatedAt values that are mostly
 * distinct but sometimes equal (real data has ties). Same seed and same store state, same bookings.
 *
 * @module
 */

import { bookingUid, type Random, seededRandom, uuidV4 } from "./ids.ts";
import {
  bookerAttendees,
  bookerResponses,
  bookingTitle,
  newBookingRow,
  videoMetadata,
} from "./new_booking_row.ts";
import type { BookingRecord, BookingStatus, EventTypeRecord, Store } from "./store.ts";

/** Options of `generateBookings`. */
export interface SeedOptions {
  /** Generator seed (default 1). */
  seed?: number;
  /** Reference time for "past" and "upcoming" (default: the sandbox clock). */
  now?: Date | string | number;
  /**
   * Share (0..1) of plain bookings created over 90 days ago whose updatedAt is null, as on very old
   * Cal.com rows (the column is nullable). Default 0: every seeded booking has an updatedAt.
   */
  nullUpdatedAtShare?: number;
  /**
   * Emails that join a share ({@linkcode SeedOptions.attendedShare}) of the seeded bookings as a guest,
   * one of them per booking: a sandbox user with such an email lists those bookings as attended. Default
   * none, and then nothing else about the data changes.
   */
  guestEmails?: string[];
  /** Share (0..1) of bookings, seated ones aside, a `guestEmails` address attends; default 0.25. */
  attendedShare?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIRST = ["Sam", "Ana", "Lee", "Noor", "Jonas", "Mia", "Ravi", "Chen", "Olga", "Tom", "Ines", "Kwame"];
const LAST = ["Guest", "Buyer", "Client", "Okafor", "Schmidt", "Rossi", "Patel", "Wang", "Ivanova", "Silva"];
const ZONES = [
  "America/New_York",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Dubai",
  "Asia/Tokyo",
  "America/Sao_Paulo",
];
const LOCALES = ["en", "en", "en", "de", "es", "fr", "pt"];
const REASONS = ["Travel plans changed", "Conflict", "No longer needed", "Feeling unwell", ""];

/** Chooses one element of `xs`. */
function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** Generates `count` bookings hosted by `userId`, using the event types the sandbox gives every user. */
export function generateBookings(
  store: Store,
  userId: number,
  count: number,
  options: {
    seed?: number;
    now: number;
    nullUpdatedAtShare?: number;
    guestEmails?: string[];
    attendedShare?: number;
  },
): BookingRecord[] {
  const user = store.users.get(userId);
  if (!user) throw new Error(`Unknown sandbox user ${userId}`);
  const types = store.eventTypesOf(userId);
  const byKind = (f: (e: EventTypeRecord) => boolean) => types.find(f);
  const regular = byKind((e) => !e.requiresConfirmation && !e.seatsPerTimeSlot && !e.recurringCount);
  if (!regular) throw new Error(`Sandbox user ${userId} has no event type to seed bookings with`);
  const confirm = byKind((e) => e.requiresConfirmation) ?? regular;
  const seated = byKind((e) => e.seatsPerTimeSlot !== null) ?? regular;
  const recurring = byKind((e) => e.recurringCount !== null) ?? regular;

  const seed = options.seed ?? 1;
  const r = seededRandom(seed);
  // Uids come from their own stream, offset by the store's position, so seeding twice never collides.
  const uidRandom = seededRandom((seed * 2654435761 + store.bookingsByUid.size * 40503 + userId) >>> 0);
  const now = options.now;
  // A separate stream, so asking for null updatedAt values changes nothing else about the data.
  const nullRandom = seededRandom((seed ^ 0x5bd1e995) >>> 0);
  const nullShare = options.nullUpdatedAtShare ?? 0;
  const out: BookingRecord[] = [];
  let lastUpdatedAt = now - 400 * DAY;

  const person = () => {
    const name = `${pick(r, FIRST)} ${pick(r, LAST)}`;
    const email = `${name.toLowerCase().replace(" ", ".")}${Math.floor(r() * 1000)}@example.org`;
    return { name, email, timeZone: pick(r, ZONES), locale: pick(r, LOCALES) };
  };
  const newUid = () => {
    let uid = bookingUid(uidRandom);
    while (store.bookingsByUid.has(uid)) uid = bookingUid(uidRandom);
    return uid;
  };
  const locationFor = (uid: string): { location: string; metadata: Record<string, string> } => {
    const x = r();
    if (x < 0.45) {
      return { location: "integrations:daily", metadata: videoMetadata("integrations:daily", uid) };
    }
    if (x < 0.65) {
      return {
        location: "integrations:google:meet",
        metadata: { videoCallUrl: "https://meet.google.com/abc-defg-hij" },
      };
    }
    if (x < 0.8) return { location: `https://zoom.us/j/${Math.floor(r() * 1e10)}`, metadata: {} };
    if (x < 0.9) return { location: "Friedrichstraße 123, 10117 Berlin", metadata: {} };
    return { location: "+49 30 1234567", metadata: {} };
  };

  const make = (
    eventType: EventTypeRecord,
    start: number,
    createdAt: number,
    status: BookingStatus,
    extra: Pick<Partial<BookingRecord>, "recurringEventId" | "fromReschedule" | "iCalUID" | "iCalSequence"> =
      {},
  ): BookingRecord => {
    const uid = newUid();
    const booker = person();
    const guests = r() < 0.2 ? [`${pick(r, FIRST).toLowerCase()}@example.net`] : [];
    const { location, metadata } = locationFor(uid);
    const notes = r() < 0.3 ? "Looking forward" : "";
    const attendees = bookerAttendees(
      { ...booker, phoneNumber: null },
      guests,
      () => store.nextId("attendee"),
    );
    const end = start + eventType.length * MINUTE;
    const updatedAt = createdAt + Math.floor(r() * Math.min(3 * DAY, now - createdAt));
    const responses = bookerResponses(booker, location, guests);
    if (notes) responses.notes = notes;
    const b = newBookingRow({
      id: store.nextId("booking"),
      uid,
      userId,
      eventTypeId: eventType.id,
      title: bookingTitle(eventType, user, booker.name),
      description: notes,
      startTime: start,
      endTime: end,
      createdAt,
      updatedAt,
      status,
      location,
      metadata,
      responses,
      attendees,
      creationSource: pick(r, ["WEBAPP", "WEBAPP", "API_V2"]),
      ...extra,
    });
    if (status === "CANCELLED") {
      b.cancellationReason = pick(r, REASONS) || null;
      b.cancelledBy = r() < 0.5 ? booker.email : user.email;
      b.iCalSequence = 1;
    }
    if (status === "REJECTED") b.rejectionReason = pick(r, REASONS) || null;
    if (status === "ACCEPTED" && end < now && r() < 0.08) {
      attendees[0].noShow = true;
      if (r() < 0.3) b.noShowHost = true;
    }
    // About one in twenty bookings changes in the same millisecond as the previous one.
    if (r() < 0.05 && lastUpdatedAt >= createdAt && lastUpdatedAt <= now) b.updatedAt = lastUpdatedAt;
    lastUpdatedAt = b.updatedAt ?? lastUpdatedAt;
    return b;
  };

  const randomStart = () => Math.round((now - 365 * DAY + r() * 545 * DAY) / (15 * MINUTE)) * 15 * MINUTE;
  const createdBefore = (start: number) =>
    Math.min(now - Math.floor(r() * HOUR), start - Math.floor(r() * 30 * DAY));

  while (out.length < count) {
    const kind = r();
    const start = randomStart();
    const createdAt = createdBefore(start);
    const past = start < now;
    if (kind < 0.06 && count - out.length >= 2) {
      // A recurring series: weekly occurrences created together (equal createdAt and updatedAt).
      const n = Math.min(recurring.recurringCount ?? 4, count - out.length);
      const seriesId = uuidV4(uidRandom);
      const status: BookingStatus = r() < 0.85 ? "ACCEPTED" : "CANCELLED";
      let first: BookingRecord | undefined;
      for (let i = 0; i < n; i++) {
        const b = make(recurring, start + i * 7 * DAY, createdAt, status, { recurringEventId: seriesId });
        if (first) {
          b.updatedAt = first.updatedAt;
          b.responses = first.responses;
          b.attendees = first.attendees.map((a) => ({ ...a, id: store.nextId("attendee"), noShow: false }));
        }
        first ??= b;
        out.push(b);
      }
    } else if (kind < 0.1) {
      const n = 1 + Math.floor(r() * ((seated.seatsPerTimeSlot ?? 2) - 1));
      const b = make(seated, start, createdAt, "ACCEPTED");
      b.attendees = Array.from({ length: n }, () => {
        const p = person();
        return {
          id: store.nextId("attendee"),
          ...p,
          phoneNumber: null,
          noShow: false,
          seatUid: uuidV4(uidRandom),
          seatResponses: { name: p.name, email: p.email },
        };
      });
      out.push(b);
    } else if (kind < 0.14 && count - out.length >= 2) {
      // A rescheduled pair: the old booking cancelled and pointing at the new one (same iCalUID).
      const old = make(regular, start, createdAt, "CANCELLED");
      old.cancellationReason = null;
      old.cancelledBy = null;
      old.iCalSequence = 0;
      old.rescheduled = true;
      old.rescheduledBy = old.attendees[0].email;
      const moved = start + (1 + Math.floor(r() * 14)) * DAY;
      // Both rows change in the reschedule's transaction: the old one's update is the new one's creation.
      const at = old.updatedAt ?? old.createdAt;
      const neu = make(regular, moved, at, "ACCEPTED", {
        fromReschedule: old.uid,
        iCalUID: old.iCalUID,
        iCalSequence: 1,
      });
      neu.responses = { ...old.responses, rescheduledReason: pick(r, REASONS.slice(0, 4)) };
      neu.attendees = old.attendees.map((a) => ({ ...a, id: store.nextId("attendee") }));
      neu.updatedAt = at;
      out.push(old, neu);
    } else if (kind < 0.34) {
      const x = r();
      const status: BookingStatus = past
        ? (x < 0.6 ? "ACCEPTED" : x < 0.85 ? "REJECTED" : "CANCELLED")
        : (x < 0.5 ? "PENDING" : x < 0.8 ? "ACCEPTED" : "REJECTED");
      out.push(make(confirm, start, createdAt, status));
    } else {
      const b = make(regular, start, createdAt, r() < 0.84 ? "ACCEPTED" : "CANCELLED");
      if (nullShare > 0 && b.createdAt < now - 90 * DAY && nullRandom() < nullShare) b.updatedAt = null;
      out.push(b);
    }
  }
  addGuests(store, out, options.guestEmails ?? [], options.attendedShare ?? 0.25, seed);
  return out;
}

/**
 * Adds one of `emails` as a guest to a `share` of `bookings` (not to seated ones, whose attendees are
 * seats), from a stream of its own so the rest of the data is the same with or without guests.
 */
function addGuests(store: Store, bookings: BookingRecord[], emails: string[], share: number, seed: number) {
  if (emails.length === 0) return;
  const r = seededRandom((seed ^ 0x2545f491) >>> 0);
  for (const b of bookings) {
    if (r() >= share || b.attendees.some((a) => a.seatUid !== undefined)) continue;
    const email = pick(r, emails);
    const lead = b.attendees[0];
    b.attendees = [...b.attendees, {
      id: store.nextId("attendee"),
      name: email.split("@")[0],
      email,
      timeZone: lead?.timeZone ?? "Europe/Berlin",
      locale: lead?.locale ?? "en",
      phoneNumber: null,
      noShow: false,
    }];
    const guests = Array.isArray(b.responses.guests) ? b.responses.guests : [];
    b.responses = { ...b.responses, guests: [...guests, email] };
  }
}
