/**
 * `startSandbox()`: a contract-faithful fake of Cal.com API v2 and its webhooks on 127.0.0.1, with
 * in-process controls for tests, the dev server and the benchmarks (users, seeded bookings, every
 * state change with its signed webhook, request and delivery logs, faults, rate limits, clock).
 *
 * @module
 */

import type { ListingMode } from "./listing_mode.ts";
import { type ApiOptions, createApi } from "./api.ts";
import { type ApiBooking, toApiBooking } from "./api_booking.ts";
import { BookingOperations, type NewBooking, type WebhookEvent } from "./booking_operations.ts";
import { parseBookingsQuery, runBookingsQuery } from "./bookings_query.ts";
import { createClock } from "./clock.ts";
import { type FaultOptions, Faults } from "./faults.ts";
import { apiKey as newApiKey, cryptoRandom, type Random, seededRandom, uuidV4 } from "./ids.ts";
import { buildWebhookBody, type BuildWebhookOptions } from "./build_webhook.ts";
import { eventBody } from "./payloads.ts";
import { type OAuthClientRecord, OAuthServer } from "./oauth_server.ts";
import { DEFAULT_RATE_LIMIT, type RateLimitConfig, RateLimiter } from "./rate_limit.ts";
import type { RouteContext } from "./route_context.ts";
import { generateBookings, type SeedOptions } from "./seed.ts";
import { type RequestRecord, startServer } from "./server.ts";
import { type EventTypeRecord, Store, type UserRecord } from "./store.ts";
import type { MembershipRole } from "./teams.ts";
import { deliver, type Delivery, subscribers, webhookHeaders } from "./webhook_delivery.ts";
import { toWebhookOutput } from "./webhooks_routes.ts";
import type { SubscriberUrlRules } from "./subscriber_url.ts";

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Clock source (default: system time); `setNow` freezes it. */
  now?: () => Date;
  /** Seed for generated ids and keys (default: cryptographically random). */
  seed?: number;
  /** Rate limit per API key (default Cal.com's 120 requests / 60 s, 60 s block). */
  rateLimit?: Partial<RateLimitConfig>;
  /** Rate limit per OAuth access token (default Cal.com's 500 requests / 60 s, 60 s block). */
  oauthRateLimit?: Partial<RateLimitConfig>;
  /** Include `error.details` in error bodies (non-production Cal.com); default false. */
  errorDetails?: boolean;
  /** Which guard refuses an unknown `cal_` key (see `ApiOptions`); default "throttler". */
  unknownKeyGuard?: ApiOptions["unknownKeyGuard"];
  /**
   * Subscriber URL rules (`subscriber_url.ts`): `"cloud"` (default) takes HTTPS only and no private or
   * loopback hosts, as cal.com does; `"self-hosted"` also takes http and private addresses, so tests
   * and the dev server can deliver to 127.0.0.1.
   */
  subscriberUrlRules?: SubscriberUrlRules;
  /**
   * Which deployment answers `GET /v2/bookings` with `cal-api-version: 2026-05-01`: `"hosted"` (default)
   * serves it with cursor paging, as cal.com does (corrections §7); `"self-hosted"` does not know it
   * and answers with the legacy 2024-04-15 list, as the open source does with any unknown version.
   */
  deployment?: "hosted" | "self-hosted";
  /** Payload version of a webhook created without one (default `2021-10-20`, the DB default). */
  defaultWebhookVersion?: "2021-10-20" | "2026-07-27";
  /** Per-attempt bound on webhook deliveries, ms (Cal.com sets none); default 10 000. */
  webhookTimeoutMs?: number;
  /** fetch used to deliver webhooks (default global fetch). */
  fetch?: typeof fetch;
}

/** A sandbox user as `GET /v2/me` shows it. */
export interface SandboxUser {
  id: number;
  username: string;
  email: string;
  name: string | null;
  timeZone: string;
}

/** A team as `addTeam` made it. */
export interface SandboxTeam {
  id: number;
  name: string;
  slug: string;
  isOrganization: boolean;
  /** The team's event type; null for an organisation. */
  eventTypeId: number | null;
}

/** Attendee changes for `markAbsent`: an email alone means absent. */
export type AbsentChange = string | { email: string; absent: boolean };

/** A webhook body ready to send, with Cal.com's headers for a given secret. */
export interface BuiltWebhook {
  /** The exact body (JSON text) Cal.com would send. */
  body: string;
  /** The parsed body, for convenience. */
  json: Record<string, unknown>;
  /** Headers for a webhook with `secret` (null or omitted: `no-secret-provided`). */
  headers(secret?: string | null): Promise<Record<string, string>>;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL like `http://127.0.0.1:PORT` (the API lives under `/v2`). */
  readonly url: string;
  /** Stops the server, dropping hung requests and in-flight deliveries. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;

  /** Adds a user with four event types (30 min, confirmation-required, seated, recurring) and an API key. */
  addUser(input?: { username?: string; email?: string; name?: string; timeZone?: string }): {
    user: SandboxUser;
    apiKey: string;
  };
  /**
   * Adds a team (or an organisation) with its memberships: its owners and admins list every member's
   * bookings, the bookings members attend, and the team's event type's bookings (teams.ts). A team gets
   * one event type, `team-call` (30 min), that `createBooking(memberId, {eventTypeId})` books with that
   * member as organizer; an organisation gets none.
   */
  addTeam(input?: {
    name?: string;
    slug?: string;
    organization?: boolean;
    admins?: number[];
    members?: number[];
  }): SandboxTeam;
  /** Adds a user to a team, or changes their role. */
  setMembership(teamId: number, userId: number, role: MembershipRole): void;
  /** Adds another API key for a user; `expiresAt` makes it expire by the sandbox clock. */
  addApiKey(userId: number, options?: { expiresAt?: Date | string | null }): string;
  /** Revokes an API key: Cal.com answers it 401 from then on, as for a key deleted in its settings. */
  revokeApiKey(apiKey: string): void;
  /** A user's event types. */
  eventTypes(userId: number): EventTypeRecord[];
  /**
   * Registers a confidential OAuth client (approved, every user scope, unless told otherwise); the
   * consent page is `${url}/auth/oauth2/authorize`, the token endpoint `${url}/v2/auth/oauth2/token`.
   */
  addOAuthClient(input: {
    redirectUris: string[];
    scopes?: string[];
    status?: OAuthClientRecord["status"];
    ownerUserId?: number | null;
    name?: string;
  }): Promise<{ clientId: string; clientSecret: string }>;
  /** The OAuth server: `revokeRefreshTokens`, `omitScope`, `tokenEndpointMissing`. */
  readonly oauth: OAuthServer;
  /** Adds `count` realistic bookings without sending webhooks; returns their uids in creation order. */
  seedBookings(userId: number, count: number, options?: SeedOptions): string[];

  /** Books (BOOKING_CREATED, or BOOKING_REQUESTED when confirmation is required); returns the first occurrence. */
  createBooking(userId: number, input?: NewBooking): Promise<ApiBooking>;
  /** Books a recurring series (the user's recurring event type unless `eventTypeId` says otherwise). */
  createRecurringBooking(userId: number, input?: NewBooking): Promise<ApiBooking[]>;
  /**
   * Cancels (BOOKING_CANCELLED). With `seatUid` only that seat of a seated booking: the booking stays,
   * its updatedAt too, and the delivery names the whole booking with only the leaving attendee.
   */
  cancelBooking(
    uid: string,
    reason?: string,
    options?: { cancelledBy?: string; seatUid?: string },
  ): Promise<ApiBooking>;
  /**
   * Reschedules (BOOKING_RESCHEDULED for the new booking); returns the new booking. With `seatUid` only
   * that seat moves, to the seated booking at `newStart` (or a new one), and `rescheduleUid` is the seat uid.
   */
  rescheduleBooking(
    uid: string,
    newStart: Date | string,
    options?: { reason?: string; rescheduledBy?: string; seatUid?: string },
  ): Promise<ApiBooking>;
  /** Confirms a pending booking (BOOKING_CREATED with status ACCEPTED). */
  confirmBooking(uid: string): Promise<ApiBooking>;
  /** Declines a pending booking (BOOKING_REJECTED). */
  rejectBooking(uid: string, reason?: string): Promise<ApiBooking>;
  /** Marks the host and/or attendees absent (BOOKING_NO_SHOW_UPDATED when attendees change). */
  markAbsent(uid: string, changes: { host?: boolean; attendees?: AbsentChange[] }): Promise<ApiBooking>;
  /**
   * Sends MEETING_STARTED (accepted bookings only); changes no booking column. `form: "nested"` sends
   * the newer consumer's `{triggerEvent, createdAt, payload}` instead of the flattened row.
   */
  startMeeting(uid: string, options?: { form?: "flattened" | "nested" }): Promise<ApiBooking>;
  /** Sends MEETING_ENDED (accepted bookings only); changes no booking column. */
  endMeeting(uid: string, options?: { form?: "flattened" | "nested" }): Promise<ApiBooking>;
  /**
   * Delivers `buildWebhook(trigger, booking, options)` to the organizer's webhooks that subscribe to
   * `trigger`, as Cal.com sends the triggers that change no state (Cal Video no-show automations, the
   * newer booking triggers…); returns the attempts.
   */
  deliverWebhook(
    trigger: string,
    booking: string | { uid: string },
    options?: BuildWebhookOptions,
  ): Promise<Delivery[]>;

  /**
   * Makes the API show these top-level fields of a booking as given (list and get), for values Cal.com's
   * database can hold that a client may not store: a lone surrogate in `title`, `start` in year 0000,
   * `eventType: {id: 1e19}`, or `id: JSON.rawJSON("9007199254740993")` (a number above 2^53, written
   * as is). `null` removes the override. Nothing else changes: no webhook, no `updatedAt`.
   */
  setApiFields(uid: string, fields: Record<string, unknown> | null): void;
  /**
   * How `GET /v2/bookings` pages from now on (`listing_mode.ts`): null or estimated counts, bookings
   * dropped after the limit, ties without an id tie-break; `teamAdminListing(hidden)` is a team admin's
   * key. `{}` restores a personal key on a current deployment.
   */
  setListingMode(mode: ListingMode): void;
  /**
   * Makes every page cursor of the 2026-05-01 bookings list handed out so far invalid (as a cursor that
   * expired): a later request with one is refused with 400.
   */
  expireCursors(): void;
  /** A booking in API shape, or undefined. */
  booking(uid: string): ApiBooking | undefined;
  /** Every booking the user can list (hosted or attended), API shape, sorted by start. */
  bookings(userId: number): ApiBooking[];
  /** The user's webhooks in API shape. */
  webhooks(userId: number): Record<string, unknown>[];
  /** Adds `count` active webhooks posting to distinct example.com URLs; returns their ids. */
  seedWebhooks(userId: number, count: number): string[];
  /** Builds a signed-ready body for any trigger without changing state (PING, RECORDING_READY, …). */
  buildWebhook(
    trigger: string,
    booking?: string | { uid: string },
    options?: BuildWebhookOptions,
  ): BuiltWebhook;

  /** Every webhook delivery attempt, oldest first. */
  readonly deliveries: Delivery[];
  resetDeliveries(): void;
  /** Every request received, oldest first. */
  readonly requests: RequestRecord[];
  resetRequests(): void;

  /** Replaces the injected faults (`{}` turns them off). */
  setFaults(faults: FaultOptions): void;
  /** Replaces the rate limit and clears all counters. */
  setRateLimit(config: Partial<RateLimitConfig>): void;
  /** Freezes the sandbox clock (null: back to the source clock). */
  setNow(date: Date | string | null): void;
  /** Moves the sandbox clock forward by `ms` (freezing it). */
  advanceTime(ms: number): void;
  /** The sandbox clock. */
  now(): Date;
}

/** What the sandbox's event types have in common: free, unseated, one-off, no confirmation, no team. */
const PLAIN = {
  description: "",
  requiresConfirmation: false,
  seatsPerTimeSlot: null,
  seatsShowAttendees: false,
  recurringCount: null,
  price: 0,
  currency: "usd",
  teamId: null,
};

const EVENT_TYPES: Array<Omit<EventTypeRecord, "id" | "userId">> = [
  { ...PLAIN, slug: "30min", title: "30 min meeting", length: 30, location: "integrations:daily" },
  {
    ...PLAIN,
    slug: "consult",
    title: "Consult",
    description: "Needs the host's confirmation",
    length: 45,
    requiresConfirmation: true,
    location: "integrations:google:meet",
  },
  {
    ...PLAIN,
    slug: "group-class",
    title: "Group class",
    length: 60,
    seatsPerTimeSlot: 5,
    location: "Friedrichstraße 123, 10117 Berlin",
  },
  {
    ...PLAIN,
    slug: "weekly-sync",
    title: "Weekly sync",
    length: 30,
    recurringCount: 4,
    location: "integrations:daily",
  },
];

/** Starts a sandbox on 127.0.0.1. */
export function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = createClock(options.now);
  const now = () => clock.now();
  const random: Random = options.seed === undefined ? cryptoRandom : seededRandom(options.seed);
  const store = new Store();
  const ops = new BookingOperations(store, now, random);
  const limiter = new RateLimiter(now, { ...DEFAULT_RATE_LIMIT, ...options.rateLimit });
  const tokenLimiter = new RateLimiter(now, { ...DEFAULT_RATE_LIMIT, limit: 500, ...options.oauthRateLimit });
  const faults = new Faults();
  const deliveries: Delivery[] = [];
  const requests: RequestRecord[] = [];
  const closing = new AbortController();
  const doFetch = options.fetch ?? fetch;

  async function dispatch(events: WebhookEvent[]): Promise<void> {
    for (const event of events) {
      // a team event type's events go to the team's webhooks, which the sandbox does not model
      if (!store.userWebhooksFire(event.booking)) continue;
      const targets = subscribers(store.webhooksOf(event.userId), event.trigger);
      if (targets.length === 0) continue;
      const body = JSON.stringify(eventBody(store, event, now()));
      const attempts = await deliver(targets, event.trigger, body, {
        fetch: doFetch,
        now,
        timeoutMs: options.webhookTimeoutMs ?? 10_000,
        signal: closing.signal,
      });
      deliveries.push(...attempts);
    }
  }

  let listingMode: ListingMode = {};
  let cursorEpoch = 0;
  const ctx: RouteContext = {
    store,
    ops,
    now,
    random,
    dispatch,
    subscriberUrlRules: options.subscriberUrlRules ?? "cloud",
    defaultWebhookVersion: options.defaultWebhookVersion ?? "2021-10-20",
    listing: () => listingMode,
    cursorEpoch: () => cursorEpoch,
  };
  const oauth = new OAuthServer(now, random, (username) => {
    for (const u of store.users.values()) if (u.username === username) return u.id;
    return undefined;
  });
  const api = createApi(ctx, limiter, {
    oauth,
    tokenLimiter,
    errorDetails: options.errorDetails ?? false,
    unknownKeyGuard: options.unknownKeyGuard ?? "throttler",
    hostedVersions: (options.deployment ?? "hosted") === "hosted",
  });
  const server = startServer({ api, faults, now, requests }, options.port ?? 0);

  const render = (uid: string) => toApiBooking(store, ops.get(uid));
  const run = async (result: { events: WebhookEvent[] }) => await dispatch(result.events);

  const sandbox: Sandbox = {
    url: `http://127.0.0.1:${server.port}`,
    async close() {
      closing.abort();
      await server.close();
    },
    async [Symbol.asyncDispose]() {
      await sandbox.close();
    },

    addUser(input = {}) {
      const id = store.nextId("user");
      const username = input.username ?? `user${id}`;
      const user: UserRecord = {
        id,
        username,
        email: input.email ?? `${username}@example.com`,
        name: input.name ?? `User ${id}`,
        timeZone: input.timeZone ?? "Europe/Berlin",
        timeFormat: 24,
        weekStart: "Monday",
        defaultScheduleId: id + 5000,
        locale: "en",
      };
      store.addUser(user);
      for (const template of EVENT_TYPES) {
        const eventTypeId = store.nextId("eventType");
        store.eventTypes.set(eventTypeId, { ...template, id: eventTypeId, userId: id });
      }
      const apiKey = sandbox.addApiKey(id);
      return {
        user: { id, username, email: user.email, name: user.name, timeZone: user.timeZone },
        apiKey,
      };
    },
    addTeam(input = {}) {
      const id = store.nextId("team");
      const slug = input.slug ?? `team${id}`;
      const team = {
        id,
        name: input.name ?? `Team ${id}`,
        slug,
        isOrganization: input.organization ?? false,
      };
      const admins = input.admins ?? [];
      for (const userId of [...admins, ...(input.members ?? [])]) {
        if (!store.users.has(userId)) throw new Error(`Unknown sandbox user ${userId}`);
      }
      store.teams.teams.set(id, team);
      let eventTypeId: number | null = null;
      if (!team.isOrganization) {
        eventTypeId = store.nextId("eventType");
        store.eventTypes.set(eventTypeId, {
          ...PLAIN,
          id: eventTypeId,
          userId: admins[0] ?? input.members?.[0] ?? 0,
          teamId: id,
          slug: "team-call",
          title: `${team.name} call`,
          length: 30,
          location: "integrations:daily",
        });
      }
      for (const userId of admins) store.setMembership({ teamId: id, userId, role: "ADMIN" });
      for (const userId of input.members ?? []) store.setMembership({ teamId: id, userId, role: "MEMBER" });
      return { ...team, eventTypeId };
    },
    setMembership(teamId, userId, role) {
      if (!store.users.has(userId)) throw new Error(`Unknown sandbox user ${userId}`);
      store.setMembership({ teamId, userId, role });
    },
    addApiKey(userId, keyOptions = {}) {
      if (!store.users.has(userId)) throw new Error(`Unknown sandbox user ${userId}`);
      const key = newApiKey(random);
      const expiresAt = keyOptions.expiresAt ? new Date(keyOptions.expiresAt).getTime() : null;
      store.apiKeys.set(key, { userId, expiresAt });
      return key;
    },
    setListingMode(mode) {
      listingMode = { ...mode };
    },
    expireCursors() {
      cursorEpoch++;
    },
    setApiFields(uid, fields) {
      if (!store.bookingsByUid.has(uid)) throw new Error(`Unknown sandbox booking ${uid}`);
      if (fields === null) store.apiFields.delete(uid);
      else store.apiFields.set(uid, { ...fields });
    },
    revokeApiKey(apiKey) {
      if (!store.apiKeys.delete(apiKey)) throw new Error("Unknown sandbox API key");
    },
    eventTypes: (userId) => store.eventTypesOf(userId),
    addOAuthClient: (input) => oauth.addClient(input),
    oauth,
    seedBookings(userId, count, seedOptions = {}) {
      const at = seedOptions.now === undefined ? now() : new Date(seedOptions.now).getTime();
      const generated = generateBookings(store, userId, count, {
        seed: seedOptions.seed,
        now: at,
        nullUpdatedAtShare: seedOptions.nullUpdatedAtShare,
        guestEmails: seedOptions.guestEmails,
        attendedShare: seedOptions.attendedShare,
      });
      store.insertBookings(generated);
      return generated.map((b) => b.uid);
    },

    async createBooking(userId, input) {
      const result = ops.create(userId, input);
      await run(result);
      return toApiBooking(store, result.bookings[0]);
    },
    async createRecurringBooking(userId, input = {}) {
      const recurring = sandbox.eventTypes(userId).find((e) => e.recurringCount !== null);
      const result = ops.create(userId, { eventTypeId: recurring?.id, ...input });
      await run(result);
      return result.bookings.map((b) => toApiBooking(store, b));
    },
    async cancelBooking(uid, reason, cancelOptions = {}) {
      await run(ops.cancel(uid, {
        reason,
        cancelledBy: cancelOptions.cancelledBy ?? null,
        seatUid: cancelOptions.seatUid,
      }));
      return render(uid);
    },
    async rescheduleBooking(uid, newStart, rescheduleOptions = {}) {
      const result = ops.reschedule(uid, { start: newStart, ...rescheduleOptions });
      await run(result);
      return toApiBooking(store, result.booking);
    },
    async confirmBooking(uid) {
      await run(ops.confirm(uid));
      return render(uid);
    },
    async rejectBooking(uid, reason) {
      await run(ops.decline(uid, reason));
      return render(uid);
    },
    async markAbsent(uid, changes) {
      const attendees = changes.attendees?.map((a) => typeof a === "string" ? { email: a, absent: true } : a);
      await run(ops.markAbsent(uid, { host: changes.host, attendees }));
      return render(uid);
    },
    async startMeeting(uid, meetingOptions = {}) {
      await run(ops.meeting(uid, "MEETING_STARTED", meetingOptions.form));
      return render(uid);
    },
    async endMeeting(uid, meetingOptions = {}) {
      await run(ops.meeting(uid, "MEETING_ENDED", meetingOptions.form));
      return render(uid);
    },
    async deliverWebhook(trigger, booking, buildOptions = {}) {
      const b = ops.get(typeof booking === "string" ? booking : booking.uid);
      const targets = subscribers(store.webhooksOf(b.userId), trigger);
      if (targets.length === 0) return [];
      const body = JSON.stringify(buildWebhookBody(store, trigger, b, now(), buildOptions));
      const attempts = await deliver(targets, trigger, body, {
        fetch: doFetch,
        now,
        timeoutMs: options.webhookTimeoutMs ?? 10_000,
        signal: closing.signal,
      });
      deliveries.push(...attempts);
      return attempts;
    },

    booking(uid) {
      const b = store.bookingsByUid.get(uid);
      return b && toApiBooking(store, b);
    },
    bookings(userId) {
      const q = parseBookingsQuery(new URLSearchParams());
      const all = runBookingsQuery(store, userId, { ...q, take: Number.MAX_SAFE_INTEGER }, now());
      return all.bookings.map((b) => toApiBooking(store, b));
    },
    webhooks: (userId) => store.webhooksOf(userId).map(toWebhookOutput),
    seedWebhooks(userId, count) {
      if (!store.users.has(userId)) throw new Error(`Unknown sandbox user ${userId}`);
      return Array.from({ length: count }, () => {
        const id = uuidV4(random);
        store.webhooks.set(id, {
          id,
          userId,
          subscriberUrl: `https://hooks.example.com/seeded/${id}`,
          triggers: ["BOOKING_CREATED"],
          active: true,
          payloadTemplate: null,
          secret: null,
          time: null,
          timeUnit: null,
          version: "2021-10-20",
          createdAt: now(),
        });
        return id;
      });
    },
    buildWebhook(trigger, booking, buildOptions = {}) {
      const b = booking === undefined
        ? undefined
        : ops.get(typeof booking === "string" ? booking : booking.uid);
      const body = JSON.stringify(buildWebhookBody(store, trigger, b, now(), buildOptions));
      // Parsed back from the text, so `json` holds exactly what is sent (no undefined keys).
      return { body, json: JSON.parse(body), headers: (secret) => webhookHeaders(secret ?? null, body) };
    },

    deliveries,
    resetDeliveries: () => void deliveries.splice(0),
    requests,
    resetRequests: () => void requests.splice(0),

    setFaults: (f) => faults.set(f),
    setRateLimit: (c) => limiter.configure(c),
    setNow: (date) => clock.set(date),
    advanceTime: (ms) => clock.advance(ms),
    now: () => new Date(now()),
  };
  return Promise.resolve(sandbox);
}
