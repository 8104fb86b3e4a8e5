/**
 * A typed client for the three Cal.com functions, over the app's own supabase-js client
 * (`supabase.functions.invoke`, which sends the signed-in user's token). Request types come from the
 * functions' zod schemas and response types from the views the functions answer with; every failure
 * becomes one {@linkcode CalcomApiError} carrying the API's `code`, `message` and HTTP status.
 *
 * ```ts
 * const calcom = createCalcomClient(supabase);
 * const { connection } = await calcom.connect({ apiKey: "cal_live_…" });
 * for await (const page of calcom.bookingPages({ status: "cancelled" })) console.log(page.bookings);
 * ```
 *
 * @module
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import type { z } from "zod";
import type { ConnectRequestSchema } from "../../supabase/functions/calcom-connection/connect_request.ts";
import type { ConnectionView as BaseConnectionView } from "../../supabase/functions/calcom-connection/connection_view.ts";
import type { UpdateRequestSchema } from "../../supabase/functions/calcom-connection/update_request.ts";
import type { OAuthStartRequestSchema } from "../../supabase/functions/calcom-connection/oauth_app.ts";
import type {
  ReadQuerySchema,
  SyncBodySchema,
} from "../../supabase/functions/calcom-bookings-sync/sync_request.ts";
import type { BookingView } from "../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import type {
  BookingActionResponseSchema,
  CancelBookingBodySchema,
  DeclineBookingBodySchema,
  MarkAbsentBodySchema,
  RescheduleBookingBodySchema,
} from "../../supabase/functions/calcom-bookings-sync/booking_action_request.ts";
import type { KeyRelation } from "../../supabase/functions/_shared/bookings/key_relation.ts";
import type { EventTypeView } from "../../supabase/functions/calcom-bookings-sync/event_types_app.ts";
import type { SlotsQuerySchema, SlotView } from "../../supabase/functions/calcom-bookings-sync/slots_app.ts";
import type {
  CreateBookingBodySchema,
  CreateBookingResponse,
} from "../../supabase/functions/calcom-bookings-sync/create_booking.ts";
import type { ReplayResult } from "../../supabase/functions/calcom-webhook/responses.ts";

export type { BookingView, CreateBookingResponse, EventTypeView, ReplayResult, SlotView };

/** A connection as `calcom-connection` answers it. */
export type ConnectionView = BaseConnectionView;
/** Webhook deliveries of a connection in the last 24 hours. */
export type WebhookHealth = ConnectionView["webhookHealth"];

/** `POST calcom-connection`. */
export type ConnectInput = z.input<typeof ConnectRequestSchema>;
/** `POST calcom-connection/oauth/start`. */
export type OAuthStartInput = z.input<typeof OAuthStartRequestSchema>;
/** `PATCH calcom-connection?id=…`. */
export type UpdateInput = z.input<typeof UpdateRequestSchema>;
/** `POST calcom-bookings-sync`. */
export type SyncInput = z.input<typeof SyncBodySchema>;
/** `GET calcom-bookings-sync?fromDb=true` (the query as strings; `fromDb` is always set by the client). */
export type ReadInput = Omit<z.input<typeof ReadQuerySchema>, "fromDb" | "limit" | "status" | "relation"> & {
  /** Stored statuses (`accepted`, `pending`, `cancelled`, `rejected`, `awaiting_host`). */
  status?: string | string[];
  /** How the key's user relates to the booking. */
  relation?: KeyRelation | KeyRelation[];
  limit?: number;
};

/** `POST calcom-bookings-sync/bookings/<uid>/cancel`. */
export type CancelBookingInput = z.input<typeof CancelBookingBodySchema>;
/** `POST calcom-bookings-sync/bookings/<uid>/reschedule`. */
export type RescheduleBookingInput = z.input<typeof RescheduleBookingBodySchema>;
/** `POST calcom-bookings-sync/bookings/<uid>/decline`. */
export type DeclineBookingInput = z.input<typeof DeclineBookingBodySchema>;
/** `POST calcom-bookings-sync/bookings/<uid>/mark-absent`. */
export type MarkAbsentInput = z.input<typeof MarkAbsentBodySchema>;
/** What a booking action answers: the booking as now stored (and, for a reschedule, the one it replaced). */
export type BookingActionResult = Omit<z.output<typeof BookingActionResponseSchema>, "success">;
/** Options of every booking action. */
export interface BookingActionOptions {
  /** The connection, when several of the caller's mirror the same uid. */
  connectionId?: string;
}

/** `GET calcom-bookings-sync/event-types`. */
export interface EventTypesInput {
  /** The connection, optional when the caller has exactly one active one. */
  connectionId?: string;
}
/** `GET calcom-bookings-sync/slots` (`eventTypeId` as a number; `start`/`end` dates or ISO date-times). */
export type SlotsInput = Omit<z.input<typeof SlotsQuerySchema>, "eventTypeId"> & { eventTypeId: number };
/** Free slots by day (`YYYY-MM-DD` in the requested zone); days without a slot are left out. */
export type SlotsByDay = Record<string, SlotView[]>;
/** `POST calcom-bookings-sync/bookings`. */
export type CreateBookingInput = z.input<typeof CreateBookingBodySchema>;
/** Options of {@linkcode CalcomClient.createBooking}. */
export interface CreateBookingOptions {
  /**
   * The `Idempotency-Key`: pass the same one when retrying a submission, so it books once. Without it
   * the client makes one (`crypto.randomUUID()`), which protects only this call.
   */
  idempotencyKey?: string;
}

/** `GET calcom-connection`. */
export interface ConnectionList {
  connected: boolean;
  connection: ConnectionView | null;
  connections: ConnectionView[];
  /** Whether "Continue with Cal.com" is offered (the operator configured an OAuth client). */
  oauthEnabled: boolean;
  /**
   * The Cal.com servers a connection may be made to (`calcomApiUrl` of `connect`), the default first; more
   * than one when the operator allows self-hosted Cal.com servers.
   */
  calcomOrigins: string[];
}

/** `POST calcom-connection/oauth/start`: where to send the browser. */
export interface OAuthStartResult {
  /** Cal.com's consent page for this flow (`window.location.assign(authorizeUrl)`). */
  authorizeUrl: string;
  /** When the flow expires (10 minutes from now). */
  expiresAt: string;
}

/** `POST calcom-connection`. */
export interface ConnectResult {
  message: string;
  connection: ConnectionView;
  webhookUrl: string;
}

/** `POST calcom-bookings-sync`: one call of a sync run. */
export interface SyncResult {
  count: number;
  created: number;
  updated: number;
  pages: number;
  status: "succeeded" | "partial" | "failed";
  mode: "incremental" | "full";
  lastSynced: string | null;
  syncRunId: string;
  resumedFrom: string | null;
}

/** The sum of a chain of sync calls that continue one another. */
export interface SyncProgress {
  calls: number;
  fetched: number;
  created: number;
  updated: number;
  /** The last call's status: `partial` while the chain goes on. */
  status: SyncResult["status"];
  last: SyncResult;
}

/** One page of stored bookings. */
export interface BookingsPage {
  bookings: BookingView[];
  nextCursor: string | null;
}

/** Any failure of a call: the API's error envelope, or `network_error` when no answer came. */
export class CalcomApiError extends Error {
  /** The API's error code (`invalid_request`, `invalid_api_key`, `calcom_unavailable`, …). */
  readonly code: string;
  /** HTTP status; 0 when no answer came. */
  readonly status: number;
  /** The envelope's `details` (e.g. `issues` of a validation error). */
  readonly details: unknown;

  constructor(code: string, message: string, status: number, details?: unknown) {
    super(message);
    this.name = "CalcomApiError";
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** The validation messages of one field (`details.issues[].path`). */
  issuesFor(path: string): string[] {
    const issues = (this.details as { issues?: { path?: string; message?: string }[] } | undefined)?.issues;
    return Array.isArray(issues)
      ? issues.filter((i) => i.path === path && typeof i.message === "string").map((i) => i.message!)
      : [];
  }
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** The typed client; see {@linkcode createCalcomClient}. */
export interface CalcomClient {
  /** Connects (or reconnects) a Cal.com account with its API key. */
  connect(input: ConnectInput): Promise<ConnectResult>;
  /** The caller's connections, oldest first, and whether OAuth is offered. */
  list(): Promise<ConnectionList>;
  /** Whether "Continue with Cal.com" is offered here (`oauthEnabled` of {@linkcode CalcomClient.list}). */
  oauthEnabled(): Promise<boolean>;
  /**
   * Starts "Continue with Cal.com": answers Cal.com's consent page to send the browser to. `returnTo` (an
   * allow-listed app URL, default the first) is where the browser comes back, with `calcom_status` and
   * `calcom_connection_id` or `calcom_error` in its query (ui/settings/oauth_return.ts reads them).
   */
  oauthStart(input?: OAuthStartInput): Promise<OAuthStartResult>;
  /** Renames, pauses (`isActive: false`) or resumes a connection. */
  update(id: string, input: UpdateInput): Promise<{ connection: ConnectionView }>;
  /** Disconnects a connection, deleting its stored bookings and events. */
  disconnect(id: string): Promise<{ message: string }>;
  /** One sync call (may answer `partial`: call again to continue). */
  sync(input?: SyncInput): Promise<SyncResult>;
  /** Calls sync until the run is no longer `partial`, reporting the running totals after each call. */
  syncUntilDone(
    input?: SyncInput,
    options?: { onProgress?: (progress: SyncProgress) => void; maxCalls?: number; signal?: AbortSignal },
  ): Promise<SyncProgress>;
  /** One page of stored bookings. */
  bookings(input?: ReadInput): Promise<BookingsPage>;
  /** Pages of stored bookings, following `nextCursor` until the last page. */
  bookingPages(input?: ReadInput): AsyncGenerator<BookingsPage, void, undefined>;
  /** Re-processes a connection's unprocessed webhook events. */
  replay(connectionId: string): Promise<ReplayResult>;
  /** Cancels a stored booking through Cal.com (Cal.com wants a `reason` when the host cancels). */
  cancelBooking(
    uid: string,
    input?: CancelBookingInput,
    options?: BookingActionOptions,
  ): Promise<BookingActionResult>;
  /** Moves a stored booking to a new start: answers the new booking and the one it replaced. */
  rescheduleBooking(
    uid: string,
    input: RescheduleBookingInput,
    options?: BookingActionOptions,
  ): Promise<BookingActionResult>;
  /** Accepts a booking that waits for confirmation. */
  confirmBooking(uid: string, options?: BookingActionOptions): Promise<BookingActionResult>;
  /** Declines a booking that waits for confirmation. */
  declineBooking(
    uid: string,
    input?: DeclineBookingInput,
    options?: BookingActionOptions,
  ): Promise<BookingActionResult>;
  /** Records the host or attendees absent (attendees also present again). */
  markAbsent(
    uid: string,
    input: MarkAbsentInput,
    options?: BookingActionOptions,
  ): Promise<BookingActionResult>;
  /** The personal event types of the caller's Cal.com account, read live from Cal.com. */
  eventTypes(input?: EventTypesInput): Promise<EventTypeView[]>;
  /** The free starts of one of the caller's event types, by day, for at most 31 days. */
  slots(input: SlotsInput): Promise<SlotsByDay>;
  /** Books an event type at a free slot, once per idempotency key; answers the booking as stored. */
  createBooking(input: CreateBookingInput, options?: CreateBookingOptions): Promise<CreateBookingResponse>;
}

async function errorFrom(error: unknown, response: Response | undefined): Promise<CalcomApiError> {
  if (!response) {
    const message = error instanceof Error ? error.message : String(error);
    return new CalcomApiError("network_error", `The functions could not be reached: ${message}`, 0);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const envelope = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (envelope && typeof envelope.code === "string") {
    return new CalcomApiError(
      envelope.code,
      typeof envelope.message === "string" ? envelope.message : envelope.code,
      response.status,
      envelope.details,
    );
  }
  // The gateway's own refusals ({"msg": …}) and non-JSON answers.
  const code = response.status === 401
    ? "unauthorized"
    : response.status === 404
    ? "not_found"
    : "http_error";
  return new CalcomApiError(code, `The function answered HTTP ${response.status}`, response.status);
}

function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    search.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Creates the client over `supabase` (a supabase-js client signed in as the user). */
export function createCalcomClient(supabase: SupabaseClient): CalcomClient {
  async function call<T>(
    name: string,
    method: Method,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    let result;
    try {
      result = await supabase.functions.invoke(name, {
        method,
        ...(body === undefined ? {} : { body: body as Record<string, unknown> }),
        ...(headers ? { headers } : {}),
      });
    } catch (err) {
      throw await errorFrom(err, undefined);
    }
    const { data, error, response } = result;
    if (error) throw await errorFrom(error, response);
    return data as T;
  }

  async function bookings(input: ReadInput = {}): Promise<BookingsPage> {
    const { status, limit, ...rest } = input;
    const page = await call<BookingsPage>(
      `calcom-bookings-sync${query({ fromDb: true, ...rest, status, limit })}`,
      "GET",
    );
    return { bookings: page.bookings, nextCursor: page.nextCursor };
  }

  async function sync(input: SyncInput = {}): Promise<SyncResult> {
    const { success: _, source: __, ...result } = await call<SyncResult & { success: true; source: string }>(
      "calcom-bookings-sync",
      "POST",
      input,
    );
    return result;
  }

  async function act(
    uid: string,
    action: string,
    body: unknown,
    options: BookingActionOptions = {},
  ): Promise<BookingActionResult> {
    const { success: _, ...result } = await call<BookingActionResult & { success: true }>(
      `calcom-bookings-sync/bookings/${encodeURIComponent(uid)}/${action}${
        query({ connectionId: options.connectionId })
      }`,
      "POST",
      body,
    );
    return result;
  }

  return {
    cancelBooking: (uid, input = {}, options) => act(uid, "cancel", input, options),
    rescheduleBooking: (uid, input, options) => act(uid, "reschedule", input, options),
    confirmBooking: (uid, options) => act(uid, "confirm", {}, options),
    declineBooking: (uid, input = {}, options) => act(uid, "decline", input, options),
    markAbsent: (uid, input, options) => act(uid, "mark-absent", input, options),
    async connect(input) {
      const { message, connection, webhookUrl } = await call<ConnectResult>(
        "calcom-connection",
        "POST",
        input,
      );
      return { message, connection, webhookUrl };
    },
    async list() {
      const { connected, connection, connections, oauthEnabled, calcomOrigins } = await call<ConnectionList>(
        "calcom-connection",
        "GET",
      );
      return {
        connected,
        connection,
        connections,
        oauthEnabled: oauthEnabled === true,
        // an older deployment does not send it: its one server is the default
        calcomOrigins: Array.isArray(calcomOrigins) ? calcomOrigins : [],
      };
    },
    async oauthEnabled() {
      const { oauthEnabled } = await call<ConnectionList>("calcom-connection", "GET");
      return oauthEnabled === true;
    },
    async oauthStart(input = {}) {
      const { authorizeUrl, expiresAt } = await call<OAuthStartResult>(
        "calcom-connection/oauth/start",
        "POST",
        input,
      );
      return { authorizeUrl, expiresAt };
    },
    async update(id, input) {
      const { connection } = await call<{ connection: ConnectionView }>(
        `calcom-connection${query({ id })}`,
        "PATCH",
        input,
      );
      return { connection };
    },
    async disconnect(id) {
      const { message } = await call<{ message: string }>(`calcom-connection${query({ id })}`, "DELETE");
      return { message };
    },
    sync,
    async syncUntilDone(input = {}, options = {}) {
      const maxCalls = options.maxCalls ?? 100;
      let progress: SyncProgress | undefined;
      do {
        options.signal?.throwIfAborted();
        const last = await sync(input);
        progress = {
          calls: (progress?.calls ?? 0) + 1,
          fetched: (progress?.fetched ?? 0) + last.count,
          created: (progress?.created ?? 0) + last.created,
          updated: (progress?.updated ?? 0) + last.updated,
          status: last.status,
          last,
        };
        options.onProgress?.(progress);
      } while (progress.status === "partial" && progress.calls < maxCalls);
      return progress;
    },
    bookings,
    async *bookingPages(input = {}) {
      let cursor = input.cursor;
      do {
        const page = await bookings({ ...input, cursor });
        yield page;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },
    async replay(connectionId) {
      const { replayed, processed, failed, remaining } = await call<ReplayResult>(
        `calcom-webhook/${encodeURIComponent(connectionId)}/replay`,
        "POST",
      );
      return { replayed, processed, failed, remaining };
    },
    async eventTypes(input = {}) {
      const { eventTypes } = await call<{ eventTypes: EventTypeView[] }>(
        `calcom-bookings-sync/event-types${query({ connectionId: input.connectionId })}`,
        "GET",
      );
      return eventTypes;
    },
    async slots(input) {
      const { eventTypeId, start, end, timeZone, connectionId } = input;
      const { slots } = await call<{ slots: SlotsByDay }>(
        `calcom-bookings-sync/slots${query({ eventTypeId, start, end, timeZone, connectionId })}`,
        "GET",
      );
      return slots;
    },
    async createBooking(input, options = {}) {
      const key = options.idempotencyKey ?? crypto.randomUUID();
      const { booking, occurrences, seatUid } = await call<CreateBookingResponse>(
        "calcom-bookings-sync/bookings",
        "POST",
        input,
        { "Idempotency-Key": key },
      );
      return {
        booking,
        ...(occurrences ? { occurrences } : {}),
        ...(seatUid ? { seatUid } : {}),
      };
    },
  };
}
