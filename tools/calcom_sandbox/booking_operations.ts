/**
 * Cal.com's rules for changing bookings (contract §6 and §10): create, cancel, reschedule (a new booking;
 * the old one becomes CANCELLED with `rescheduled = true`; both share the iCalUID), confirm, decline,
 * mark absent, meeting start/end. Each operation changes the store, bumps `updatedAt` like Prisma's
 * `@updatedAt`, and returns the webhook events Cal.com would send, for `webhook_delivery.ts` to deliver.
 *
 * @module
 */

import { withinWorkingHours } from "./availability.ts";
import { bookingNotFound } from "./bookings_query.ts";
import { CalError, engineError, trpcError } from "./errors.ts";
import { bookingUid, type Random, uuidV4 } from "./ids.ts";
import {
  bookerAttendees,
  bookerResponses,
  bookingTitle,
  newBookingRow,
  videoMetadata,
} from "./new_booking_row.ts";
import type {
  AttendeeRecord,
  BookingRecord,
  BookingStatus,
  EventTypeRecord,
  Store,
  UserRecord,
} from "./store.ts";

/** Triggers the sandbox sends on its own (the others can be built with `buildWebhook`). */
const STATE_TRIGGERS = [
  "BOOKING_CREATED",
  "BOOKING_REQUESTED",
  "BOOKING_RESCHEDULED",
  "BOOKING_CANCELLED",
  "BOOKING_REJECTED",
  "BOOKING_NO_SHOW_UPDATED",
  "MEETING_STARTED",
  "MEETING_ENDED",
] as const;

/** One of `STATE_TRIGGERS`. */
export type StateTrigger = typeof STATE_TRIGGERS[number];

/** Whether the sandbox sends `trigger` on its own. */
export function isStateTrigger(trigger: string): trigger is StateTrigger {
  return (STATE_TRIGGERS as readonly string[]).includes(trigger);
}

/** A webhook Cal.com would send after a change. */
export interface WebhookEvent {
  trigger: StateTrigger;
  /** The organizer, whose webhooks receive it. */
  userId: number;
  booking: BookingRecord;
  /** BOOKING_RESCHEDULED (and a rescheduling BOOKING_REQUESTED): the booking that was replaced. */
  previous?: BookingRecord;
  /** BOOKING_NO_SHOW_UPDATED: the attendees whose flag was set. */
  noShow?: Array<{ email: string; noShow: boolean }>;
  /**
   * A seat change (corrections §1): the only attendees the payload lists, the new booker of a seat
   * added, the attendee who left, or the attendee who moved.
   */
  seatAttendees?: AttendeeRecord[];
  /** BOOKING_RESCHEDULED of one seat: its uid (sent as `rescheduleUid`) and the booking it left. */
  seatMove?: { seatUid: string; from: { startTime: number; endTime: number } };
  /** MEETING_*: the legacy scheduler's flattened body (default) or the newer consumer's nested one. */
  meetingForm?: "flattened" | "nested";
}

/** A new booking, in the sandbox's own terms (the HTTP create endpoint maps its body onto this). */
export interface NewBooking {
  /** Defaults to the organizer's first event type (30 min, no confirmation). */
  eventTypeId?: number;
  /** Defaults to tomorrow at the next full hour. */
  start?: Date | string | number;
  lengthInMinutes?: number;
  title?: string;
  description?: string;
  /** Defaults from the event type: PENDING when it requires confirmation, else ACCEPTED. */
  status?: BookingStatus;
  attendee?: { name: string; email?: string; timeZone?: string; language?: string; phoneNumber?: string };
  guests?: string[];
  /** Raw location such as `integrations:daily`, an address or a URL; defaults to the event type's. */
  location?: string;
  metadata?: Record<string, string>;
  /** Extra booking form answers. */
  bookingFieldsResponses?: Record<string, unknown>;
  /** Recurring event types: occurrences to create (defaults to the event type's count). */
  recurrenceCount?: number;
  /** Refuse past starts and overlaps like the public booking API does (off for in-process set-up). */
  checkAvailability?: boolean;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Booking operations over `store`, with time from `now` and ids from `random`. */
export class BookingOperations {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #random: Random;

  constructor(store: Store, now: () => number, random: Random) {
    this.#store = store;
    this.#now = now;
    this.#random = random;
  }

  /** The booking named by `uid`, or a 404 like Cal.com's. */
  get(uid: string): BookingRecord {
    const b = this.#store.bookingsByUid.get(uid);
    if (!b) throw bookingNotFound(uid);
    return b;
  }

  #user(id: number): UserRecord {
    const user = this.#store.users.get(id);
    if (!user) throw new CalError(404, `User with id=${id} not found`);
    return user;
  }

  #eventType(userId: number, id: number | undefined): EventTypeRecord {
    if (id === undefined) {
      const first = this.#store.eventTypesOf(userId)[0];
      if (!first) throw new CalError(404, `Event type of user ${userId} not found.`);
      return first;
    }
    const eventType = this.#store.eventTypes.get(id);
    // a team's event type is hosted by whichever member is booked (the sandbox books the one asked for)
    const hosts = eventType?.teamId == null
      ? eventType?.userId === userId
      : this.#store.teams.isMember(eventType.teamId, userId);
    if (!eventType || !hosts) {
      throw new CalError(404, `Event type with id ${id} not found.`);
    }
    return eventType;
  }

  /** Creates a booking (an array for recurring event types); events: BOOKING_CREATED or _REQUESTED. */
  create(userId: number, input: NewBooking = {}): { bookings: BookingRecord[]; events: WebhookEvent[] } {
    const user = this.#user(userId);
    return this.createForEventType(this.#eventType(userId, input.eventTypeId), input, user);
  }

  /** Creates a booking of `eventType` (whose owner is the organizer). */
  createForEventType(
    eventType: EventTypeRecord,
    input: NewBooking,
    user = this.#user(eventType.userId),
  ): { bookings: BookingRecord[]; events: WebhookEvent[] } {
    const now = this.#now();
    const start = input.start === undefined
      ? Math.ceil((now + DAY) / 3_600_000) * 3_600_000
      : new Date(input.start).getTime();
    if (Number.isNaN(start)) throw new CalError(400, "Bad Request Exception");
    const length = input.lengthInMinutes ?? eventType.length;
    const attendee = {
      name: input.attendee?.name ?? "Sam Guest",
      email: input.attendee?.email ?? `guest${this.#store.nextId("attendee")}@example.org`,
      timeZone: input.attendee?.timeZone ?? "America/New_York",
      locale: input.attendee?.language ?? "en",
      phoneNumber: input.attendee?.phoneNumber ?? null,
    };
    if (eventType.recurringCount !== null && (input.recurrenceCount ?? 0) > eventType.recurringCount) {
      throw new CalError(
        400,
        "Provided recurrence count is higher than the event type's recurring event count.",
      );
    }
    const count = eventType.recurringCount === null ? 1 : input.recurrenceCount ?? eventType.recurringCount;
    const starts = Array.from({ length: count }, (_, i) => start + i * WEEK);

    if (input.checkAvailability) {
      if (start < now) throw new CalError(400, "Attempting to book a meeting in the past.");
      if (eventType.requiresConfirmation) {
        // A repeated request for an unconfirmed booking answers the original, sending nothing (§2.7).
        const same = this.#pendingRequestAt(eventType, start, attendee.email);
        if (same) return { bookings: [same], events: [] };
      }
      for (const s of starts) {
        if (!withinWorkingHours(user.timeZone, s, s + length * 60_000)) {
          throw new CalError(400, "User either already has booking at this time or is not available");
        }
        this.#assertFree(user.id, s, s + length * 60_000, eventType);
      }
    }

    if (eventType.seatsPerTimeSlot !== null) {
      const existing = this.#seatedBookingAt(eventType, start);
      if (existing) return this.#addSeat(existing, eventType, attendee, input);
    }

    const status = input.status ?? (eventType.requiresConfirmation ? "PENDING" : "ACCEPTED");
    const location = input.location ?? eventType.location;
    const guests = input.guests ?? [];
    const recurringEventId = count > 1 || eventType.recurringCount !== null ? uuidV4(this.#random) : null;
    const bookings = starts.map((s) => {
      const uid = bookingUid(this.#random);
      const responses = bookerResponses(attendee, location, guests, input.bookingFieldsResponses);
      if (input.description) responses.notes = input.description;
      const attendees = bookerAttendees(attendee, guests, () => this.#store.nextId("attendee"));
      if (eventType.seatsPerTimeSlot !== null) {
        attendees.length = 1;
        attendees[0].seatUid = uuidV4(this.#random);
        attendees[0].seatResponses = { name: attendee.name, email: attendee.email };
      }
      return newBookingRow({
        id: this.#store.nextId("booking"),
        uid,
        userId: user.id,
        eventTypeId: eventType.id,
        title: input.title ?? bookingTitle(eventType, user, attendee.name),
        description: input.description ?? "",
        startTime: s,
        endTime: s + length * 60_000,
        createdAt: now,
        updatedAt: now,
        status,
        location,
        metadata: { ...videoMetadata(location, uid), ...input.metadata },
        responses,
        attendees,
        recurringEventId,
        creationSource: "API_V2",
      });
    });
    this.#store.insertBookings(bookings);
    const trigger = status === "PENDING" ? "BOOKING_REQUESTED" : "BOOKING_CREATED";
    // UNCONFIRMED: one webhook per occurrence of a recurring series (each occurrence is its own booking).
    return { bookings, events: bookings.map((b) => ({ trigger, userId: user.id, booking: b })) };
  }

  #assertFree(
    userId: number,
    start: number,
    end: number,
    eventType: EventTypeRecord | undefined,
    ignore?: BookingRecord,
  ): void {
    const byStart = this.#store.index(userId).byStart;
    // Bookings are at most a day long, so only those starting in the previous day can overlap.
    for (let i = byStart.lowerBound(start - DAY); i < byStart.length; i++) {
      const b = byStart.at(i);
      if (b.startTime >= end) break;
      const busy = b !== ignore && b.userId === userId && (b.status === "ACCEPTED" || b.status === "PENDING");
      const sameSeatedSlot = eventType !== undefined && eventType.seatsPerTimeSlot !== null &&
        b.eventTypeId === eventType.id && b.startTime === start;
      if (busy && b.endTime > start && !sameSeatedSlot) {
        throw new CalError(400, "User either already has booking at this time or is not available");
      }
    }
  }

  #pendingRequestAt(eventType: EventTypeRecord, start: number, email: string): BookingRecord | undefined {
    const byStart = this.#store.index(eventType.userId).byStart;
    for (let i = byStart.lowerBound(start); i < byStart.length && byStart.at(i).startTime === start; i++) {
      const b = byStart.at(i);
      if (b.eventTypeId === eventType.id && b.status === "PENDING" && b.attendees[0]?.email === email) {
        return b;
      }
    }
    return undefined;
  }

  #seatedBookingAt(eventType: EventTypeRecord, start: number): BookingRecord | undefined {
    const byStart = this.#store.index(eventType.userId).byStart;
    for (let i = byStart.lowerBound(start); i < byStart.length && byStart.at(i).startTime === start; i++) {
      const b = byStart.at(i);
      if (b.eventTypeId === eventType.id && b.status !== "CANCELLED" && b.status !== "REJECTED") return b;
    }
    return undefined;
  }

  #addSeat(
    b: BookingRecord,
    eventType: EventTypeRecord,
    attendee: Omit<AttendeeRecord, "id" | "noShow">,
    input: NewBooking,
  ): { bookings: BookingRecord[]; events: WebhookEvent[] } {
    if (b.attendees.length >= (eventType.seatsPerTimeSlot ?? 0)) {
      throw new CalError(409, "No more seats left at this seated booking.");
    }
    if (b.attendees.some((a) => a.email === attendee.email)) {
      // The engine's code as its message; status UNCONFIRMED (write-endpoints §2.4).
      throw new CalError(409, "already_signed_up_for_this_booking_error");
    }
    const seat: AttendeeRecord = {
      id: this.#store.nextId("attendee"),
      ...attendee,
      noShow: false,
      seatUid: uuidV4(this.#random),
      seatResponses: { name: attendee.name, email: attendee.email, ...input.bookingFieldsResponses },
    };
    // createNewSeat.ts creates Attendee and BookingSeat rows only: Booking.updatedAt stays (corrections §3)
    this.#store.update(b, null, (row) => {
      row.attendees.push(seat);
    });
    const trigger = b.status === "PENDING" ? "BOOKING_REQUESTED" : "BOOKING_CREATED";
    // handleSeats.ts spreads the request's evt, whose attendees are the new booker alone (corrections §1)
    return { bookings: [b], events: [{ trigger, userId: b.userId, booking: b, seatAttendees: [seat] }] };
  }

  /**
   * Cancels a booking, or every remaining occurrence when `uid` names a recurring series (one webhook
   * for the series, as Cal.com sends). With `seatUid` only that attendee leaves a seated booking.
   * `requireReason` (a host cancelling with their own key) refuses a missing or blank reason.
   */
  cancel(
    uid: string,
    options: {
      reason?: string;
      cancelledBy?: string | null;
      cancelSubsequentBookings?: boolean;
      seatUid?: string;
      requireReason?: boolean;
    } = {},
  ): { bookings: BookingRecord[]; events: WebhookEvent[] } {
    const now = this.#now();
    const needsReason = options.requireReason && !options.reason?.trim();
    const series = this.#store.series.get(uid);
    if (series && !this.#store.bookingsByUid.has(uid)) {
      if (needsReason) throw engineError(400, "Cancellation reason is required when you are the host");
      const remaining = series.filter((b) => b.status !== "CANCELLED" && b.endTime >= now);
      for (const b of remaining) this.#markCancelled(b, now, options);
      const events: WebhookEvent[] = remaining.length
        ? [{ trigger: "BOOKING_CANCELLED", userId: remaining[0].userId, booking: remaining[0] }]
        : [];
      return { bookings: series, events };
    }
    const b = this.get(uid);
    if (options.seatUid !== undefined) return this.#cancelSeat(b, options.seatUid, now, options);
    if (b.status === "CANCELLED") {
      throw new CalError(
        400,
        `Can't cancel booking with uid=${uid} because it has been cancelled already. Please provide uid of a booking that is not cancelled.`,
      );
    }
    if (needsReason) throw engineError(400, "Cancellation reason is required when you are the host");
    // Newer handleCancelBooking refuses bookings that have ended (write-endpoints §3.2).
    if (now > b.endTime) throw engineError(400, "Cannot cancel a booking that has already ended");
    const targets = [b];
    if (options.cancelSubsequentBookings && b.recurringEventId) {
      const later = this.#store.series.get(b.recurringEventId) ?? [];
      targets.push(...later.filter((o) => o !== b && o.startTime > b.startTime && o.status !== "CANCELLED"));
    }
    for (const t of targets) this.#markCancelled(t, now, options);
    return { bookings: [b], events: [{ trigger: "BOOKING_CANCELLED", userId: b.userId, booking: b }] };
  }

  #markCancelled(
    b: BookingRecord,
    now: number,
    options: { reason?: string; cancelledBy?: string | null },
  ): void {
    this.#store.update(b, now, (row) => {
      row.status = "CANCELLED";
      row.cancellationReason = options.reason ?? null;
      row.cancelledBy = options.cancelledBy ?? null;
      row.iCalSequence += 1;
    });
  }

  /**
   * One seat cancelled (`handleSeats/cancel/cancelAttendeeSeat.ts`): the seat and attendee rows are
   * deleted, the booking stays as it is (its updatedAt too), and BOOKING_CANCELLED names the whole
   * booking, status CANCELLED, with only the leaving attendee. The last seat falls through to a
   * cancellation of the whole booking (`attendees.length < 2`).
   */
  #cancelSeat(
    b: BookingRecord,
    seatUid: string,
    now: number,
    options: { reason?: string; cancelledBy?: string | null },
  ): { bookings: BookingRecord[]; events: WebhookEvent[] } {
    const attendee = b.attendees.find((a) => a.seatUid === seatUid);
    if (!attendee) {
      const elsewhere = [...this.#store.bookingsByUid.values()].some((o) =>
        o.attendees.some((a) => a.seatUid === seatUid)
      );
      throw engineError(
        400,
        elsewhere
          ? "Invalid seatUid: this seat does not belong to this booking."
          : "Invalid seatUid: this seat does not exist or has already been cancelled.",
      );
    }
    if (b.attendees.length <= 1) {
      this.#markCancelled(b, now, options);
      return { bookings: [b], events: [{ trigger: "BOOKING_CANCELLED", userId: b.userId, booking: b }] };
    }
    this.#store.update(b, null, (row) => {
      row.attendees = row.attendees.filter((a) => a !== attendee);
    });
    return {
      bookings: [b],
      events: [{ trigger: "BOOKING_CANCELLED", userId: b.userId, booking: b, seatAttendees: [attendee] }],
    };
  }

  /**
   * One seat rescheduled (`handleSeats/reschedule/attendee/attendeeRescheduleSeatedBooking.ts`): the
   * attendee and their seat move to the seated booking at the new time, or to a new booking there
   * (INF), without writing either Booking row; a booking left without attendees is cancelled
   * (`lib/lastAttendeeDeleteBooking.ts`). BOOKING_RESCHEDULED describes the booking the seat moved to,
   * with only that attendee, `rescheduleUid` = the seat uid and no `rescheduleId` (`handleSeats.ts`).
   */
  #rescheduleSeat(
    old: BookingRecord,
    seatUid: string,
    start: number,
    now: number,
  ): { booking: BookingRecord; events: WebhookEvent[] } {
    const attendee = old.attendees.find((a) => a.seatUid === seatUid);
    if (!attendee) throw new CalError(400, "User not a part of this booking");
    const eventType = old.eventTypeId === null ? undefined : this.#store.eventTypes.get(old.eventTypeId);
    if (!eventType?.seatsPerTimeSlot) throw new CalError(400, "Bad Request Exception");
    const from = { startTime: old.startTime, endTime: old.endTime };
    let target = this.#seatedBookingAt(eventType, start);
    if (target === old) return { booking: old, events: [] };
    if (target && target.attendees.length >= eventType.seatsPerTimeSlot) {
      throw new CalError(409, "No more seats left at this seated booking.");
    }
    this.#store.update(old, null, (row) => {
      row.attendees = row.attendees.filter((a) => a !== attendee);
    });
    if (target) {
      this.#store.update(target, null, (row) => {
        row.attendees.push(attendee);
      });
    } else {
      const uid = bookingUid(this.#random);
      target = newBookingRow({
        id: this.#store.nextId("booking"),
        uid,
        userId: old.userId,
        eventTypeId: old.eventTypeId,
        title: old.title,
        description: old.description,
        startTime: start,
        endTime: start + (old.endTime - old.startTime),
        createdAt: now,
        updatedAt: now,
        status: old.status,
        location: old.location,
        metadata: { ...videoMetadata(old.location, uid) },
        responses: { ...old.responses },
        attendees: [attendee],
        recurringEventId: null,
        creationSource: "API_V2",
      });
      this.#store.insertBookings([target]);
    }
    if (old.attendees.length === 0) {
      this.#store.update(old, now, (row) => {
        row.status = "CANCELLED";
      });
    }
    return {
      booking: target,
      events: [{
        trigger: "BOOKING_RESCHEDULED",
        userId: target.userId,
        booking: target,
        seatAttendees: [attendee],
        seatMove: { seatUid, from },
      }],
    };
  }

  /**
   * Reschedules: a new booking (new id and uid, `fromReschedule` = old uid, same iCalUID, sequence + 1)
   * replaces the old one, which becomes CANCELLED with `rescheduled = true`. One event for the new
   * booking: BOOKING_RESCHEDULED, or BOOKING_REQUESTED when the event type requires confirmation;
   * no BOOKING_CANCELLED for the old one (contract §10).
   */
  reschedule(
    uid: string,
    options: {
      start: Date | string | number;
      reason?: string;
      rescheduledBy?: string | null;
      /** Seated bookings: move only this seat (see `#rescheduleSeat`). */
      seatUid?: string;
      /** The authenticated caller: the organizer's key accepts the new booking without confirmation. */
      caller?: { id: number; email: string };
      /** Refuse past and busy times like the public API (off for in-process set-up). */
      checkAvailability?: boolean;
    },
  ): { booking: BookingRecord; events: WebhookEvent[] } {
    const old = this.get(uid);
    if (options.seatUid !== undefined && old.status !== "CANCELLED") {
      const at = new Date(options.start).getTime();
      if (Number.isNaN(at)) throw new CalError(400, "Bad Request Exception");
      return this.#rescheduleSeat(old, options.seatUid, at, this.#now());
    }
    if (old.status === "CANCELLED") {
      const to = this.#store.rescheduledTo.get(uid);
      // Wording after "cancelled" is UNCONFIRMED; the prefixes follow `canRescheduleBooking`.
      throw new CalError(
        400,
        old.rescheduled && to
          ? `Can't reschedule booking with uid=${uid} because it has been cancelled and rescheduled already to booking with uid=${to}. You probably want to reschedule ${to} instead by passing it within the request URL.`
          : `Can't reschedule booking with uid=${uid} because it has been cancelled. Please provide uid of a booking that is not cancelled.`,
      );
    }
    const now = this.#now();
    const start = new Date(options.start).getTime();
    if (Number.isNaN(start)) throw new CalError(400, "Bad Request Exception");
    const eventType = old.eventTypeId === null ? undefined : this.#store.eventTypes.get(old.eventTypeId);
    if (eventType?.seatsPerTimeSlot && options.seatUid === undefined) {
      throw engineError(
        400,
        `Booking with uid=${uid} is a seated booking which means you have to provide seatUid in the request body to specify which seat specifically you want to reschedule. First, fetch the booking using https://cal.com/docs/api-reference/v2/bookings/get-a-booking and then within the attendees array you will find the seatUid of the booking you want to reschedule. Second, provide the seatUid in the request body to specify which seat specifically you want to reschedule using the reschedule endpoint https://cal.com/docs/api-reference/v2/bookings/reschedule-a-booking#option-2`,
      );
    }
    // The new end is the event type's default length, not the old booking's (write-endpoints §4.2).
    const lengthMs = eventType ? eventType.length * 60_000 : old.endTime - old.startTime;
    if (options.checkAvailability) {
      if (start < now) throw engineError(400, "Attempting to book a meeting in the past.");
      this.#assertFree(old.userId, start, start + lengthMs, eventType, old);
    }
    const organizer = this.#store.users.get(old.userId);
    const byOrganizer = options.caller?.id === old.userId ||
      (!!options.rescheduledBy && options.rescheduledBy === organizer?.email);
    const newUid = bookingUid(this.#random);
    const responses = { ...old.responses };
    if (options.reason !== undefined) responses.rescheduledReason = options.reason;
    const { videoCallUrl: _old, ...metadata } = old.metadata;
    // isConfirmedByDefault = !requiresConfirmation || userReschedulingIsOwner (write-endpoints §4.3)
    const status: BookingStatus = eventType?.requiresConfirmation && !byOrganizer
      ? "PENDING"
      : eventType?.requiresConfirmation
      ? "ACCEPTED"
      : old.status;
    // The new row carries over who, what, where, the series and the calendar identity; all else starts fresh.
    const booking = newBookingRow({
      id: this.#store.nextId("booking"),
      uid: newUid,
      userId: old.userId,
      eventTypeId: old.eventTypeId,
      title: old.title,
      description: old.description,
      startTime: start,
      endTime: start + lengthMs,
      createdAt: now,
      updatedAt: now,
      status,
      location: old.location,
      metadata: { ...videoMetadata(old.location, newUid), ...metadata },
      responses,
      attendees: old.attendees.map((a) => ({ ...a, id: this.#store.nextId("attendee"), noShow: false })),
      fromReschedule: old.uid,
      recurringEventId: old.recurringEventId,
      iCalUID: old.iCalUID,
      iCalSequence: old.iCalSequence + 1,
      creationSource: "API_V2",
    });
    this.#store.update(old, now, (row) => {
      row.status = "CANCELLED";
      row.rescheduled = true;
      row.rescheduledBy = options.rescheduledBy ?? null;
    });
    this.#store.insertBookings([booking]);
    const trigger = status === "PENDING" ? "BOOKING_REQUESTED" : "BOOKING_RESCHEDULED";
    return { booking, events: [{ trigger, userId: booking.userId, booking, previous: old }] };
  }

  /** Confirms a pending booking; Cal.com then sends BOOKING_CREATED with status ACCEPTED. */
  confirm(uid: string): { booking: BookingRecord; events: WebhookEvent[] } {
    const b = this.get(uid);
    // The engine's "Booking already confirmed" is a tRPC BAD_REQUEST, answered with a generic text; it
    // has no guard for cancelled or rejected bookings (UNCONFIRMED), which the sandbox refuses alike.
    if (b.status !== "PENDING") throw trpcError("BAD_REQUEST");
    this.#store.update(b, this.#now(), (row) => {
      row.status = "ACCEPTED";
    });
    return { booking: b, events: [{ trigger: "BOOKING_CREATED", userId: b.userId, booking: b }] };
  }

  /** Declines a pending booking: REJECTED with a reason; event BOOKING_REJECTED. */
  decline(uid: string, reason?: string): { booking: BookingRecord; events: WebhookEvent[] } {
    const b = this.get(uid);
    if (b.status !== "PENDING") throw trpcError("BAD_REQUEST");
    this.#store.update(b, this.#now(), (row) => {
      row.status = "REJECTED";
      row.rejectionReason = reason ?? null;
    });
    return { booking: b, events: [{ trigger: "BOOKING_REJECTED", userId: b.userId, booking: b }] };
  }

  /**
   * Marks the host and/or attendees absent, only after the start (handleMarkNoShow, write-endpoints §6).
   * Attendees whose e-mail matches get the flag (others are skipped silently) without moving
   * `updatedAt`, and one BOOKING_NO_SHOW_UPDATED is sent; `host: true` sets `noShowHost` (moving
   * `updatedAt`) and sends nothing; `host: false` is a no-op, as in Cal.com. `byOrganizer: false` (a
   * caller who does not own the booking) fails after the start check with the engine's catch-all 500.
   */
  markAbsent(
    uid: string,
    options: { host?: boolean; attendees?: Array<{ email: string; absent: boolean }>; byOrganizer?: boolean },
  ): { booking: BookingRecord; events: WebhookEvent[] } {
    const b = this.get(uid);
    const now = this.#now();
    if (now < b.startTime) {
      throw engineError(
        400,
        `Bookings can only be marked as absent after their scheduled start time. Current time in UTC+0: ${
          new Date(now).toISOString()
        }, Booking start time in UTC+0: ${new Date(b.startTime).toISOString()}`,
      );
    }
    if (options.byOrganizer === false) throw engineError(500, "Failed to update no-show status");
    const changes = (options.attendees ?? []).filter((c) =>
      b.attendees.some((a) => a.email.toLowerCase() === c.email.toLowerCase())
    );
    if (changes.length) {
      this.#store.update(b, null, (row) => {
        for (const c of changes) {
          for (const a of row.attendees) {
            if (a.email.toLowerCase() === c.email.toLowerCase()) a.noShow = c.absent;
          }
        }
      });
    }
    if (options.host === true) {
      this.#store.update(b, now, (row) => {
        row.noShowHost = true;
      });
    }
    const events: WebhookEvent[] = changes.length
      ? [{
        trigger: "BOOKING_NO_SHOW_UPDATED",
        userId: b.userId,
        booking: b,
        noShow: changes.map((c) => ({ email: c.email, noShow: c.absent })),
      }]
      : [];
    return { booking: b, events };
  }

  /**
   * The scheduled MEETING_STARTED / MEETING_ENDED webhook. Cal.com changes no booking column for it, so
   * updatedAt stays; only accepted bookings have the trigger scheduled.
   */
  meeting(
    uid: string,
    trigger: "MEETING_STARTED" | "MEETING_ENDED",
    meetingForm: "flattened" | "nested" = "flattened",
  ): { booking: BookingRecord; events: WebhookEvent[] } {
    const b = this.get(uid);
    return {
      booking: b,
      events: b.status === "ACCEPTED" ? [{ trigger, userId: b.userId, booking: b, meetingForm }] : [],
    };
  }
}
