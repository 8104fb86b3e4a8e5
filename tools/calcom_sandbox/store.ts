/**
 * The sandbox's state, shaped like Cal.com's database rows (Prisma `User`, `ApiKey`, `EventType`,
 * `Booking`, `Attendee`, `Webhook`), with per-user indexes sorted by start, end, createdAt and
 * updatedAt so listing stays O(log n + page) for large seeded accounts.
 *
 * The store only holds and indexes rows; the Cal.com rules for changing them live in
 * `booking_operations.ts`.
 *
 * @module
 */

import { EventTypeMap } from "./event_type_map.ts";
import { SortedList } from "./sorted_list.ts";
import { type MembershipRecord, Teams } from "./teams.ts";

/** Booking status as stored (Prisma enum); the API lower-cases it, webhooks keep it. */
export type BookingStatus = "ACCEPTED" | "PENDING" | "CANCELLED" | "REJECTED" | "AWAITING_HOST";

/** A Cal.com user. */
export interface UserRecord {
  id: number;
  username: string;
  email: string;
  name: string | null;
  timeZone: string;
  timeFormat: 12 | 24;
  weekStart: string;
  defaultScheduleId: number | null;
  locale: string;
}

/** An API key's owner and expiry (the key itself is the map key). */
export interface ApiKeyRecord {
  userId: number;
  /** Epoch ms, or null for "never expires". */
  expiresAt: number | null;
}

/** The parts of an event type a booking reads. */
export interface EventTypeRecord {
  id: number;
  userId: number;
  slug: string;
  title: string;
  description: string;
  length: number;
  requiresConfirmation: boolean;
  /** Set for seated event types. */
  seatsPerTimeSlot: number | null;
  seatsShowAttendees: boolean;
  /** Occurrences per series for recurring event types (weekly), else null. */
  recurringCount: number | null;
  price: number;
  currency: string;
  /**
   * Set for a team's event type, which any member of the team hosts (`userId` is then the member who
   * created it); null for a user's own.
   */
  teamId: number | null;
  /** Location type used for new bookings, e.g. `integrations:daily`. */
  location: string;
}

/** A booking attendee (Prisma `Attendee`), with seat data for seated bookings. */
export interface AttendeeRecord {
  id: number;
  name: string;
  email: string;
  timeZone: string;
  locale: string;
  phoneNumber: string | null;
  noShow: boolean;
  /** Seated bookings: the attendee's seat reference uid. */
  seatUid?: string;
  /** Seated bookings: the attendee's own booking form answers. */
  seatResponses?: Record<string, unknown>;
  seatMetadata?: Record<string, unknown>;
}

/** A booking row. Times are epoch milliseconds. */
export interface BookingRecord {
  id: number;
  uid: string;
  userId: number;
  eventTypeId: number | null;
  title: string;
  description: string | null;
  startTime: number;
  endTime: number;
  createdAt: number;
  /** Null only for very old rows (the column is nullable); any change sets it. */
  updatedAt: number | null;
  status: BookingStatus;
  location: string | null;
  /** Includes `videoCallUrl` for video locations (the API strips it, webhooks keep it). */
  metadata: Record<string, string>;
  /** Booking form answers, field name → value (`name`, `email`, `guests`, `notes`, `location`, …). */
  responses: Record<string, unknown>;
  attendees: AttendeeRecord[];
  noShowHost: boolean;
  cancellationReason: string | null;
  rejectionReason: string | null;
  cancelledBy: string | null;
  rescheduled: boolean | null;
  /** On a booking made by rescheduling: the uid of the booking it replaced. */
  fromReschedule: string | null;
  rescheduledBy: string | null;
  recurringEventId: string | null;
  iCalUID: string;
  iCalSequence: number;
  rating: number | null;
  paid: boolean;
  creationSource: string;
}

/** A user-level webhook subscription. */
export interface WebhookRecord {
  id: string;
  userId: number;
  subscriberUrl: string;
  triggers: string[];
  active: boolean;
  payloadTemplate: string | null;
  secret: string | null;
  time: number | null;
  timeUnit: string | null;
  /** Payload version (`2021-10-20`, or a newer one a client chose). */
  version: string;
  createdAt: number;
}

/** A user's bookings (hosted or attended), sorted four ways. */
export interface BookingIndex {
  byStart: SortedList<BookingRecord>;
  byEnd: SortedList<BookingRecord>;
  byCreated: SortedList<BookingRecord>;
  byUpdated: SortedList<BookingRecord>;
}

function createIndex(): BookingIndex {
  const id = (b: BookingRecord) => b.id;
  return {
    byStart: new SortedList((b) => b.startTime, id),
    byEnd: new SortedList((b) => b.endTime, id),
    byCreated: new SortedList((b) => b.createdAt, id),
    // A null updatedAt sorts last ascending and first descending, as Postgres orders nulls by default.
    byUpdated: new SortedList((b) => b.updatedAt ?? Infinity, id),
  };
}

/** In-memory Cal.com state with monotonically increasing numeric ids. */
export class Store {
  readonly users = new Map<number, UserRecord>();
  readonly apiKeys = new Map<string, ApiKeyRecord>();
  readonly eventTypes = new EventTypeMap<EventTypeRecord>();
  /** Bookings by uid: how Cal.com's API names them (nothing looks a booking up by id). */
  readonly bookingsByUid = new Map<string, BookingRecord>();
  /** Recurring series id → occurrences. */
  readonly series = new Map<string, BookingRecord[]>();
  /** Old uid → uid of the booking that replaced it by rescheduling. */
  readonly rescheduledTo = new Map<string, string>();
  readonly webhooks = new Map<string, WebhookRecord>();
  /** Uid → top-level fields the API shows as given instead of rendering them (`setApiFields`). */
  readonly apiFields = new Map<string, Record<string, unknown>>();
  /** Teams and organisations; change memberships through {@linkcode Store.setMembership}. */
  readonly teams = new Teams();
  readonly #indexes = new Map<number, BookingIndex>();
  readonly #userIdByEmail = new Map<string, number>();
  #nextId = { user: 1001, eventType: 2001, booking: 10001, attendee: 90001, team: 501 };

  /** Allocates the next id of a kind. */
  nextId(kind: "user" | "eventType" | "booking" | "attendee" | "team"): number {
    return this.#nextId[kind]++;
  }

  /** Adds a user; bookings already attended under the user's email become visible to them. */
  addUser(user: UserRecord): void {
    this.users.set(user.id, user);
    this.#indexes.set(user.id, createIndex());
    this.#userIdByEmail.set(user.email.toLowerCase(), user.id);
    // A new user has no team yet: only bookings they attend can be theirs to see, none when their email
    // was never an attendee's (so adding 10,000 users does not read every booking 10,000 times).
    if (!this.#attendeeEmails.has(user.email.toLowerCase())) return;
    const attended = [...this.bookingsByUid.values()].filter((b) => this.#viewers(b).includes(user.id));
    this.#indexAll(user.id, attended);
  }

  /** Every email (lower case) an attendee of a stored booking has had: a superset of the current ones. */
  readonly #attendeeEmails = new Set<string>();

  #noteAttendees(b: BookingRecord): void {
    for (const a of b.attendees) this.#attendeeEmails.add(a.email.toLowerCase());
  }

  /** The index of bookings `userId` can list: hosted ones and ones they attend (contract §2.2 scope). */
  index(userId: number): BookingIndex {
    const index = this.#indexes.get(userId);
    if (!index) throw new Error(`Unknown sandbox user ${userId}`);
    return index;
  }

  /**
   * User ids that see `b` in their list: the organizer, users whose email is an attendee's, and the
   * owners and admins of a team the organizer or such an attendee belongs to, or whose event type it is.
   */
  #viewers(b: BookingRecord): number[] {
    let ids: number[] | undefined;
    let attendingUsers: number[] | undefined;
    for (const a of b.attendees) {
      const id = this.#userIdByEmail.get(a.email) ??
        (/[A-Z]/.test(a.email) ? this.#userIdByEmail.get(a.email.toLowerCase()) : undefined);
      if (id !== undefined) (attendingUsers ??= []).push(id);
      if (id !== undefined && id !== b.userId && !ids?.includes(id)) (ids ??= [b.userId]).push(id);
    }
    if (!this.teams.hasAdmins) return ids ?? [b.userId];
    const teamId = b.eventTypeId === null ? null : this.eventTypes.get(b.eventTypeId)?.teamId ?? null;
    const admins = [
      ...this.teams.adminsOfMember(b.userId),
      ...(attendingUsers ?? []).flatMap((id) => this.teams.adminsOfMember(id)),
      ...(teamId === null ? [] : this.teams.adminsOfTeam(teamId)),
    ];
    for (const id of admins) if (id !== b.userId && !ids?.includes(id)) (ids ??= [b.userId]).push(id);
    return ids ?? [b.userId];
  }

  /**
   * Adds or changes a membership and lists every booking again for the team's admins, whose scope it
   * changed (O(bookings); teams are set up before a test's bookings, or with few of them).
   */
  setMembership(membership: MembershipRecord): void {
    for (const admin of this.teams.setMembership(membership)) this.reindexUser(admin);
  }

  /** Rebuilds the list of bookings `userId` can see from every booking. */
  reindexUser(userId: number): void {
    if (!this.#indexes.has(userId)) return;
    this.#indexes.set(userId, createIndex());
    this.#indexAll(userId, [...this.bookingsByUid.values()].filter((b) => this.#viewers(b).includes(userId)));
  }

  /**
   * Whether the organizer's user-level webhooks receive `b`'s events: not for a team's event type, which
   * Cal.com sends to the team's webhooks only (`triggerForUser` in `handleNewBooking`, `handleCancelBooking`:
   * user webhooks fire when the event type has no team, or is a managed child).
   */
  userWebhooksFire(b: BookingRecord): boolean {
    return b.eventTypeId === null || (this.eventTypes.get(b.eventTypeId)?.teamId ?? null) === null;
  }

  #indexAll(userId: number, bookings: BookingRecord[]): void {
    const index = this.#indexes.get(userId);
    if (!index || bookings.length === 0) return;
    if (bookings.length === 1) {
      for (const list of Object.values(index)) list.insert(bookings[0]);
    } else {
      for (const list of Object.values(index)) list.insertMany(bookings);
    }
  }

  #register(b: BookingRecord): void {
    this.bookingsByUid.set(b.uid, b);
    this.#noteAttendees(b);
    if (b.recurringEventId) {
      const occurrences = this.series.get(b.recurringEventId) ?? [];
      occurrences.push(b);
      occurrences.sort((x, y) => x.startTime - y.startTime || x.id - y.id);
      this.series.set(b.recurringEventId, occurrences);
    }
    if (b.fromReschedule) this.rescheduledTo.set(b.fromReschedule, b.uid);
  }

  /** Stores new bookings and indexes them for every viewer (one sort per index for a batch). */
  insertBookings(bookings: BookingRecord[]): void {
    const perViewer = new Map<number, BookingRecord[]>();
    for (const b of bookings) {
      this.#register(b);
      for (const id of this.#viewers(b)) {
        const list = perViewer.get(id) ?? [];
        list.push(b);
        perViewer.set(id, list);
      }
    }
    for (const [id, list] of perViewer) this.#indexAll(id, list);
  }

  /**
   * Changes a booking in place and sets its updatedAt to `now`, re-indexing it: the change Prisma's
   * `@updatedAt` makes visible to `afterUpdatedAt` polling. `now: null` is a change that writes only
   * other rows (attendees, seats: corrections §3), so updatedAt stays.
   */
  update(b: BookingRecord, now: number | null, change: (b: BookingRecord) => void): void {
    const before = this.#viewers(b);
    for (const id of before) this.#indexes.get(id)?.byUpdated.remove(b);
    change(b);
    this.#noteAttendees(b);
    if (now !== null) b.updatedAt = now;
    const after = this.#viewers(b);
    for (const id of before) {
      if (!after.includes(id)) {
        const index = this.#indexes.get(id);
        if (index) { for (const key of ["byStart", "byEnd", "byCreated"] as const) index[key].remove(b); }
      }
    }
    for (const id of after) {
      const index = this.#indexes.get(id);
      if (!index) continue;
      if (before.includes(id)) index.byUpdated.insert(b);
      else for (const list of Object.values(index)) list.insert(b);
    }
  }

  /** A user's own event types (not their teams') in creation order. */
  eventTypesOf(userId: number): EventTypeRecord[] {
    return this.eventTypes.ofUser(userId).filter((e) => e.teamId === null);
  }

  /** A user's webhooks in creation order. */
  webhooksOf(userId: number): WebhookRecord[] {
    return [...this.webhooks.values()].filter((w) => w.userId === userId);
  }

  /** Whether `userId` may see `b` (organizer, attendee, or admin of a team it belongs to). */
  canView(userId: number, b: BookingRecord): boolean {
    return this.#viewers(b).includes(userId);
  }
}
