/**
 * Typed client for the parts of Cal.com API v2 the integration uses: the key's account, bookings and
 * user webhooks. See `docs/decisions.md` for the behaviour under rate limits and faults.
 *
 * @example
 * ```ts
 * const calcom = createCalcomClient({ apiKey, baseUrl: config.calcomApiUrl });
 * for await (const page of calcom.listBookings({ afterUpdatedAt: watermark })) {
 *   await store(page.bookings);
 *   checkpoint(page.nextSkip);
 * }
 * ```
 *
 * @module
 */
import { z } from "zod";
import {
  type BookingFilters,
  BookingFiltersSchema,
  bookingSearchParams,
  type CursorBookingFilters,
  CursorBookingFiltersSchema,
  cursorBookingSearchParams,
} from "./booking_filters.ts";
import { assertHeaderSafeApiKey } from "./api_key.ts";
import { CalcomError, CalcomErrorCode } from "./errors.ts";
import { type RateLimiter, rateLimiterForKey } from "./rate_limiter.ts";
import {
  type ApiBooking,
  ApiBookingSchema,
  BookingCursorPageSchema,
  BookingListPageSchema,
  type CalcomMe,
  type CalcomWebhook,
  MeSchema,
  successEnvelope,
  WebhookSchema,
} from "./schemas.ts";
import {
  type CalcomEventType,
  type CalcomSlot,
  EventTypeSchema,
  SlotsByDaySchema,
} from "./scheduling_schemas.ts";
import { type BearerSource, createTransport, cursorBookingsApiVersion } from "./transport.ts";
import type { CalcomWebhookTrigger } from "./webhook_triggers.ts";

export type { BookingFilters, CursorBookingFilters } from "./booking_filters.ts";
export type { BearerSource } from "./transport.ts";
export { type CalcomWebhookTrigger, calcomWebhookTriggers } from "./webhook_triggers.ts";

/** Where Cal.com's hosted API lives. */
export const defaultCalcomApiUrl = "https://api.cal.com";

/** Options of {@linkcode createCalcomClient}; everything but the key has a production default. */
export interface CalcomClientOptions {
  /**
   * The user's Cal.com API key (`cal_…`), or the token source of an OAuth connection; sent only in the
   * Authorization header.
   */
  apiKey: string | BearerSource;
  /** API origin, default `https://api.cal.com`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Source of backoff jitter in [0, 1). */
  random?: () => number;
  /** Longest one HTTP attempt may take, default 15 000 ms. */
  timeoutMs?: number;
  /** Attempts per call including the first, default 5. */
  maxAttempts?: number;
  /**
   * Longest one call may take, retries and rate-limit waits included, default 90 000 ms (one full
   * rate-limit window plus the request). For `listBookings` this applies to each page.
   */
  deadlineMs?: number;
  /**
   * Absolute end no call of this client may pass: the overall deadline of one interaction, e.g. a
   * connect request's whole conversation with Cal.com or a sync run's time budget.
   */
  deadlineAt?: Date;
  /** Overrides the process-wide limiter of this key (tests). */
  rateLimiter?: RateLimiter;
}

/** A booking of a page that does not match {@linkcode ApiBookingSchema}: set aside, not fatal. */
export interface UnreadableBooking {
  /** The object as received. */
  raw: unknown;
  /** What did not match, e.g. `id: Invalid input: expected int`. */
  reason: string;
  /** The booking's uid, `updatedAt` and `createdAt` when readable, so paging can step past it. */
  uid: string | null;
  updatedAt: string | null;
  createdAt: string | null;
}

/** One page of `listBookings`. */
export interface BookingPage {
  /** The bookings that match the schema, in the order received. */
  bookings: ApiBooking[];
  /** The ones that do not (see {@linkcode UnreadableBooking}). */
  unreadable: UnreadableBooking[];
  /** Offset this page was requested at. */
  skip: number;
  /** Offset of the next page: pass it as `skip` to resume after this page. */
  nextSkip: number;
  /**
   * Bookings matching the filters, as Cal.com counted them for this page: null when Cal.com did not
   * count (team access), and possibly an estimate.
   */
  totalItems: number | null;
  /** Cal.com's `hasNextPage`; false on a full page when `totalItems` is null, so not the end by itself. */
  hasNextPage: boolean;
  /**
   * When Cal.com answered, on Cal.com's clock ({@linkcode calcomReadTime}): the state of every booking
   * of the page is at least as new as every webhook Cal.com generated before this time.
   */
  readAt: string;
}

/** One page of `listBookingsByCursor` (hosted Cal.com's `2026-05-01` version). */
export interface CursorBookingPage extends Pick<BookingPage, "bookings" | "unreadable" | "readAt"> {
  /** The cursor of the next page; null on the last one. */
  nextCursor: string | null;
  /** Cal.com's `hasMore`. */
  hasMore: boolean;
}

/**
 * The time of a read on Cal.com's clock: the answer's `Date` header (whole seconds, rounded down, so
 * 999 ms are added: the read happened before the end of that second), or `fallback` (our clock) when
 * the header is missing or unreadable. Webhook envelopes carry `createdAt` from the same clock.
 */
export function calcomReadTime(headers: Headers, fallback: Date): string {
  const date = Date.parse(headers.get("date") ?? "");
  return new Date(Number.isNaN(date) ? fallback.getTime() : date + 999).toISOString();
}

function stringField(raw: unknown, key: string): string | null {
  const value = (raw as Record<string, unknown> | null)?.[key];
  return typeof value === "string" ? value : null;
}

/** Splits a page's items into the bookings that match the schema and the ones that do not. */
export function readBookingItems(items: readonly unknown[]): Pick<BookingPage, "bookings" | "unreadable"> {
  const bookings: ApiBooking[] = [];
  const unreadable: UnreadableBooking[] = [];
  for (const raw of items) {
    const parsed = ApiBookingSchema.safeParse(raw);
    if (parsed.success) {
      bookings.push(parsed.data);
      continue;
    }
    const issue = parsed.error.issues[0];
    const uid = stringField(raw, "uid");
    unreadable.push({
      raw,
      reason: `${issue.path.join(".") || "booking"}: ${issue.message}`,
      uid: uid === "" ? null : uid,
      updatedAt: stringField(raw, "updatedAt"),
      createdAt: stringField(raw, "createdAt"),
    });
  }
  return { bookings, unreadable };
}

/** Options of a single read. */
export interface ReadOptions {
  /** Called with the time of the read on Cal.com's clock ({@linkcode calcomReadTime}). */
  onReadAt?: (readAt: string) => void;
}

/** Body of `createWebhook`. */
export interface CreateWebhookInput {
  /** Where Cal.com posts deliveries; unique per Cal.com user. */
  subscriberUrl: string;
  triggers: readonly (CalcomWebhookTrigger | string)[];
  /** Signs deliveries (`X-Cal-Signature-256`); kept out of error messages. */
  secret?: string;
  /** Default true. */
  active?: boolean;
  /** Payload version (`2021-10-20`); left out, Cal.com picks its default. */
  version?: string;
}

/** Query of `getSlots`: one event type's free starts in [start, end], written in `timeZone`. */
export interface SlotsQuery {
  eventTypeId: number;
  /** ISO 8601 date or date-time (UTC when it has no offset). */
  start: string;
  end: string;
  /** IANA zone the slot times are written in (default UTC). */
  timeZone?: string;
}

/** Body of `createBooking` (a subset of `CreateBookingInput_2024_08_13`). */
export interface CreateBookingInput {
  eventTypeId: number;
  /** One of the starts `getSlots` offered. */
  start: string;
  attendee: { name: string; email: string; timeZone: string; language?: string };
  guests?: string[];
  bookingFieldsResponses?: Record<string, unknown>;
  metadata?: Record<string, string>;
}

/** The event-types endpoints' version; without it Cal.com serves another controller or 404. */
export const eventTypesApiVersion = "2024-06-14";
/** The slots endpoints' version. */
export const slotsApiVersion = "2024-09-04";

/**
 * Body of `cancelBooking` (`POST /v2/bookings/{uid}/cancel`). With `seatUid` only that seat is
 * cancelled, and `cancelSubsequentBookings` is not sent (Cal.com's seated form has no such field).
 */
export interface CancelBookingInput {
  cancellationReason?: string;
  /** A recurring occurrence: cancel it and every later one. */
  cancelSubsequentBookings?: boolean;
  seatUid?: string;
}

/** Body of `rescheduleBooking` (`POST /v2/bookings/{uid}/reschedule`). */
export interface RescheduleBookingInput {
  /** The new start, an ISO instant (one of `GET /v2/slots`' starts). */
  start: string;
  /** Not sent with `seatUid` (Cal.com's seated form has no such field). */
  reschedulingReason?: string;
  /** E-mail of who moves it; the organizer's makes a booking that needs confirmation accepted. */
  rescheduledBy?: string;
  seatUid?: string;
}

/** Body of `markBookingAbsent` (`POST /v2/bookings/{uid}/mark-absent`). */
export interface MarkAbsentInput {
  /** `true` marks the host absent; Cal.com cannot un-mark the host (`false` is a no-op there). */
  host?: boolean;
  attendees?: { email: string; absent: boolean }[];
}

/** What a booking action answers: the booking, or every occurrence of a recurring series. */
export type BookingActionResult = ApiBooking | ApiBooking[];

/** A Cal.com API v2 client bound to one API key. Every failure is a {@linkcode CalcomError}. */
export interface CalcomClient {
  /** The account the key belongs to (`GET /v2/me`); a bad key fails with 401 UnauthorizedException. */
  me(): Promise<CalcomMe>;
  /**
   * Pages through `GET /v2/bookings` from `filters.skip` (default 0), `take` 250 per page, sorted by
   * `updatedAt` ascending unless asked otherwise, until Cal.com says there is no next page.
   */
  listBookings(filters?: BookingFilters): AsyncGenerator<BookingPage, void, undefined>;
  /**
   * One page of `GET /v2/bookings` with `cal-api-version: 2026-05-01` (hosted Cal.com, cursor paging).
   * A deployment that does not serve the version (it answers 404, or 400 to a first page, or with
   * another shape: a self-hosted instance serves its legacy list) fails with code
   * `BookingsVersionNotServed`; a 400 to a page with a cursor fails with `CursorRefused`.
   */
  listBookingsByCursor(filters?: CursorBookingFilters): Promise<CursorBookingPage>;
  /**
   * One booking by uid (`GET /v2/bookings/{uid}`). The uid of a recurring series returns every
   * occurrence as an array. An unknown uid fails with 404 NotFoundException.
   */
  getBooking(uid: string, options?: ReadOptions): Promise<ApiBooking | ApiBooking[]>;
  /**
   * Cancels a booking (`cal-api-version: 2024-08-13`): the booking as Cal.com now holds it, or the
   * occurrences of its series after `cancelSubsequentBookings`. The booking actions below are sent
   * once: only a 429 is retried, since after a timeout or a 5xx the change may have happened.
   */
  cancelBooking(uid: string, input?: CancelBookingInput, options?: ReadOptions): Promise<BookingActionResult>;
  /** Moves a booking to a new start: the answer is the NEW booking (the old one is cancelled). */
  rescheduleBooking(
    uid: string,
    input: RescheduleBookingInput,
    options?: ReadOptions,
  ): Promise<BookingActionResult>;
  /** Accepts a booking that waits for confirmation. */
  confirmBooking(uid: string, options?: ReadOptions): Promise<BookingActionResult>;
  /** Declines a booking that waits for confirmation. */
  declineBooking(
    uid: string,
    input?: { reason?: string },
    options?: ReadOptions,
  ): Promise<BookingActionResult>;
  /** Records the host and/or attendees absent (or attendees present again). */
  markBookingAbsent(uid: string, input: MarkAbsentInput, options?: ReadOptions): Promise<BookingActionResult>;
  /**
   * Registers a user webhook. When the user already has one for this URL, fails with status 409 and
   * code `ConflictException` (see {@linkcode findWebhookByUrl}).
   */
  createWebhook(input: CreateWebhookInput): Promise<CalcomWebhook>;
  /** Every webhook of the key's user; more than {@linkcode maxWebhookPages} pages fail with `TooManyPages`. */
  listWebhooks(): Promise<CalcomWebhook[]>;
  /** The user's webhook posting to exactly `subscriberUrl`, if any. */
  findWebhookByUrl(subscriberUrl: string): Promise<CalcomWebhook | undefined>;
  /** Removes a webhook; an unknown id fails with 404 NotFoundException. */
  deleteWebhook(id: string): Promise<void>;
  /** Every personal event type of the key's user, hidden ones included (`GET /v2/event-types`). */
  listEventTypes(): Promise<CalcomEventType[]>;
  /** Free slots of one event type by day (`GET /v2/slots`); Cal.com clamps the end to a year ahead. */
  getSlots(query: SlotsQuery): Promise<Record<string, CalcomSlot[]>>;
  /**
   * Books (`POST /v2/bookings`, 201): the booking, an array for a recurring event type, with `seatUid`
   * for a seated one. Sent at most once unless Cal.com throttled it (see `idempotent` in transport.ts).
   */
  createBooking(input: CreateBookingInput, options?: ReadOptions): Promise<ApiBooking | ApiBooking[]>;
}

const webhookPageSize = 250;

/**
 * Most pages `listWebhooks` asks for: 20 pages of 250, 5,000 webhooks. A user has a handful; a Cal.com
 * that keeps answering full pages (one that ignores `skip`, say) ends the listing with `TooManyPages`
 * instead of being listed for ever.
 */
export const maxWebhookPages = 20;

const MeResponseSchema = successEnvelope(MeSchema);
const BookingResponseSchema = successEnvelope(z.union([ApiBookingSchema, z.array(ApiBookingSchema)]));
const WebhookResponseSchema = successEnvelope(WebhookSchema);
const WebhookListResponseSchema = successEnvelope(z.array(WebhookSchema));
const DeletedResponseSchema = successEnvelope(z.unknown());
const EventTypeListResponseSchema = successEnvelope(z.array(EventTypeSchema));
const SlotsResponseSchema = successEnvelope(SlotsByDaySchema);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The object without its undefined values: Cal.com's cancel and reschedule pipes refuse keys their form
 * does not have, so only the fields given are sent.
 */
function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function invalidRequest(message: string): CalcomError {
  return new CalcomError(message, { code: CalcomErrorCode.invalidRequest, retryable: false });
}

/**
 * What a failed cursor-version page means: the version is not served (404; a 2xx in another shape, such
 * as a self-hosted instance's legacy list; a 400 to a first page), the cursor was refused (a 400 to a
 * later page), or the failure as it was (network, 5xx, 401, 429…).
 */
function cursorListingError(err: unknown, withCursor: boolean): unknown {
  if (!(err instanceof CalcomError) || err.retryable) return err;
  const otherShape = err.code === CalcomErrorCode.invalid || err.code === CalcomErrorCode.malformed;
  if (err.status === 400 && withCursor) {
    return new CalcomError(`Cal.com refused the bookings page cursor: ${err.message}`, {
      status: err.status,
      code: CalcomErrorCode.cursorRefused,
      retryable: false,
      calcomMessage: err.calcomMessage,
    });
  }
  if (err.status === 404 || err.status === 400 || otherShape) {
    return new CalcomError(
      `Cal.com does not serve GET /v2/bookings with cal-api-version ${cursorBookingsApiVersion}: ${err.message}`,
      { status: err.status, code: CalcomErrorCode.versionNotServed, retryable: false },
    );
  }
  return err;
}

/** Creates a client for one API key. Clients of the same key share its rate-limit state. */
export function createCalcomClient(options: CalcomClientOptions): CalcomClient {
  assertHeaderSafeApiKey(options.apiKey);
  const now = options.now ?? (() => new Date());
  const baseUrl = options.baseUrl ?? defaultCalcomApiUrl;
  const request = createTransport({
    apiKey: options.apiKey,
    baseUrl,
    fetch: options.fetch ?? fetch,
    now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxAttempts: options.maxAttempts ?? 5,
    deadlineMs: options.deadlineMs ?? 90_000,
    deadlineAt: options.deadlineAt,
    rateLimiter: options.rateLimiter ??
      (typeof options.apiKey === "string" ? rateLimiterForKey(options.apiKey, baseUrl) : undefined),
  });

  async function* listBookings(filters: BookingFilters = {}): AsyncGenerator<BookingPage, void, undefined> {
    const parsed = BookingFiltersSchema.safeParse(filters);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(`Invalid booking filter ${issue.path.join(".") || "(filters)"}: ${issue.message}`);
    }
    const resolved = parsed.data;
    let skip = resolved.skip;
    for (;;) {
      let readAt = "";
      const body = await request({
        method: "GET",
        path: "/v2/bookings",
        query: bookingSearchParams(resolved, skip),
        versioned: true,
        schema: BookingListPageSchema,
        onHeaders: (headers) => (readAt = calcomReadTime(headers, now())),
      });
      const { bookings, unreadable } = readBookingItems(body.data);
      const nextSkip = skip + body.data.length;
      // An empty page that claims a next one would loop forever; Cal.com computes hasNextPage from counts.
      const hasNextPage = body.pagination.hasNextPage && body.data.length > 0;
      const totalItems = body.pagination.totalItems;
      yield { bookings, unreadable, skip, nextSkip, totalItems, hasNextPage, readAt };
      if (!hasNextPage) return;
      skip = nextSkip;
    }
  }

  async function listBookingsByCursor(filters: CursorBookingFilters = {}): Promise<CursorBookingPage> {
    const parsed = CursorBookingFiltersSchema.safeParse(filters);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidRequest(`Invalid booking filter ${issue.path.join(".") || "(filters)"}: ${issue.message}`);
    }
    let readAt = "";
    let body;
    try {
      body = await request({
        method: "GET",
        path: "/v2/bookings",
        query: cursorBookingSearchParams(parsed.data),
        version: cursorBookingsApiVersion,
        schema: BookingCursorPageSchema,
        onHeaders: (headers) => (readAt = calcomReadTime(headers, now())),
      });
    } catch (err) {
      throw cursorListingError(err, Boolean(parsed.data.cursor));
    }
    const { bookings, unreadable } = readBookingItems(body.data);
    // A next page without a cursor to ask for it cannot be read: the caller sees the end it can reach.
    const nextCursor = body.pagination.hasMore ? body.pagination.nextCursor : null;
    return { bookings, unreadable, nextCursor, hasMore: nextCursor !== null, readAt };
  }

  async function listWebhooks(): Promise<CalcomWebhook[]> {
    const all: CalcomWebhook[] = [];
    // The webhooks list has no pagination object: a short page is the last one.
    for (let page = 0; page < maxWebhookPages; page++) {
      const body = await request({
        method: "GET",
        path: "/v2/webhooks",
        query: new URLSearchParams({ take: String(webhookPageSize), skip: String(page * webhookPageSize) }),
        schema: WebhookListResponseSchema,
      });
      all.push(...body.data);
      if (body.data.length < webhookPageSize) return all;
    }
    throw new CalcomError(
      `Cal.com GET /v2/webhooks answered ${maxWebhookPages} full pages of ${webhookPageSize}: stopped listing`,
      { code: CalcomErrorCode.tooManyPages, retryable: false },
    );
  }

  /** An `onHeaders` that tells `options.onReadAt` when Cal.com answered ({@linkcode calcomReadTime}). */
  const reportReadAt = (options: ReadOptions) => (headers: Headers) =>
    options.onReadAt?.(calcomReadTime(headers, now()));

  /**
   * One booking action: `POST /v2/bookings/{uid}/<action>`, sent once (see `idempotent` in transport.ts);
   * `options.onReadAt` learns when Cal.com answered, the source time of the state it answers.
   */
  async function bookingAction(
    uid: string,
    action: string,
    body: Record<string, unknown> | undefined,
    options: ReadOptions = {},
  ) {
    if (uid === "") throw invalidRequest("Booking uid is empty");
    const result = await request({
      method: "POST",
      path: `/v2/bookings/${encodeURIComponent(uid)}/${action}`,
      body,
      versioned: true,
      schema: BookingResponseSchema,
      idempotent: false,
      onHeaders: reportReadAt(options),
    });
    return result.data;
  }

  return {
    async me() {
      return (await request({ method: "GET", path: "/v2/me", schema: MeResponseSchema })).data;
    },
    listBookings,
    listBookingsByCursor,
    async getBooking(uid, readOptions = {}) {
      if (uid === "") throw invalidRequest("Booking uid is empty");
      const body = await request({
        method: "GET",
        path: `/v2/bookings/${encodeURIComponent(uid)}`,
        versioned: true,
        schema: BookingResponseSchema,
        onHeaders: reportReadAt(readOptions),
      });
      return body.data;
    },
    cancelBooking(uid, input = {}, options) {
      const body = input.seatUid !== undefined
        ? definedOnly({ seatUid: input.seatUid, cancellationReason: input.cancellationReason })
        : definedOnly({
          cancellationReason: input.cancellationReason,
          cancelSubsequentBookings: input.cancelSubsequentBookings,
        });
      return bookingAction(uid, "cancel", body, options);
    },
    rescheduleBooking(uid, input, options) {
      const body = input.seatUid !== undefined
        ? definedOnly({ start: input.start, seatUid: input.seatUid, rescheduledBy: input.rescheduledBy })
        : definedOnly({
          start: input.start,
          reschedulingReason: input.reschedulingReason,
          rescheduledBy: input.rescheduledBy,
        });
      return bookingAction(uid, "reschedule", body, options);
    },
    confirmBooking(uid, options) {
      return bookingAction(uid, "confirm", undefined, options);
    },
    declineBooking(uid, input = {}, options) {
      return bookingAction(uid, "decline", definedOnly({ reason: input.reason }), options);
    },
    markBookingAbsent(uid, input, options) {
      const body = definedOnly({ host: input.host, attendees: input.attendees });
      return bookingAction(uid, "mark-absent", body, options);
    },
    async createWebhook(input) {
      const body = await request({
        method: "POST",
        path: "/v2/webhooks",
        body: {
          subscriberUrl: input.subscriberUrl,
          triggers: [...input.triggers],
          active: input.active ?? true,
          ...(input.secret === undefined ? {} : { secret: input.secret }),
          ...(input.version === undefined ? {} : { version: input.version }),
        },
        schema: WebhookResponseSchema,
        secrets: input.secret === undefined ? [] : [input.secret],
      });
      return body.data;
    },
    listWebhooks,
    async findWebhookByUrl(subscriberUrl) {
      return (await listWebhooks()).find((webhook) => webhook.subscriberUrl === subscriberUrl);
    },
    async deleteWebhook(id) {
      if (id === "") throw invalidRequest("Webhook id is empty");
      await request({
        method: "DELETE",
        path: `/v2/webhooks/${encodeURIComponent(id)}`,
        schema: DeletedResponseSchema,
      });
    },
    async listEventTypes() {
      const body = await request({
        method: "GET",
        path: "/v2/event-types",
        version: eventTypesApiVersion,
        schema: EventTypeListResponseSchema,
      });
      return body.data;
    },
    async getSlots(query) {
      const params = new URLSearchParams({
        eventTypeId: String(query.eventTypeId),
        start: query.start,
        end: query.end,
      });
      if (query.timeZone) params.set("timeZone", query.timeZone);
      const body = await request({
        method: "GET",
        path: "/v2/slots",
        query: params,
        version: slotsApiVersion,
        schema: SlotsResponseSchema,
      });
      return body.data;
    },
    async createBooking(input, options = {}) {
      const body = await request({
        method: "POST",
        path: "/v2/bookings",
        body: input,
        versioned: true,
        idempotent: false,
        schema: BookingResponseSchema,
        onHeaders: reportReadAt(options),
      });
      return body.data;
    },
  };
}
