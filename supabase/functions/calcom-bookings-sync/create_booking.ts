/**
 * `POST /calcom-bookings-sync/bookings` → `201 { booking, occurrences?, seatUid? }`: books one of the
 * caller's event types at a slot `GET /slots` offered, for an attendee, and answers the booking as now
 * stored in `calcom_bookings` (written through the order-guarded upsert, so the webhook Cal.com sends for
 * it afterwards changes nothing that matters).
 *
 * Cal.com has no idempotency key on create, so this route keeps one: with an `Idempotency-Key` header,
 * the request takes a transaction-level advisory lock on (user, key), and in that one transaction either
 * finds the key's earlier booking (same body: that answer again; another body: 409) or calls Cal.com,
 * stores the booking and records the key. A concurrent request with the same key waits on the lock and
 * then finds the first one's answer; a failed first request wrote nothing, so the next one books.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { withKeyRelation } from "../_shared/bookings/key_relation.ts";
import { mapApiBooking } from "../_shared/bookings/map_api_booking.ts";
import { upsertBookings } from "../_shared/bookings/booking_store.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import { requireUser } from "../_shared/platform/auth.ts";
import type { Tx } from "../_shared/platform/db.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { apiError, type AppEnv, jsonBody, rejectInvalid } from "../_shared/platform/http.ts";
import { sha256Hex } from "../_shared/platform/sha256.ts";
import type { BookingView } from "./bookings_query.ts";
import { type CalcomAccess, openCalcom } from "./calcom_access.ts";
import { calcomRefusal } from "./calcom_refusal.ts";
import { ownEventType } from "./own_event_type.ts";
import { isTimeZone } from "./slots_app.ts";
import { readStoredBookings } from "./stored_bookings.ts";
import { isStorableInstant } from "./sync_request.ts";

/** The header a client sends so that a retried create books once. */
export const idempotencyKeyHeader = "idempotency-key";

/** Languages Cal.com accepts for `attendee.language`. */
const LANGUAGES = [
  "ar",
  "ca",
  "de",
  "es",
  "eu",
  "he",
  "id",
  "ja",
  "lv",
  "pl",
  "ro",
  "sr",
  "th",
  "vi",
  "az",
  "cs",
  "el",
  "es-419",
  "fi",
  "hr",
  "it",
  "km",
  "nl",
  "pt",
  "ru",
  "sv",
  "tr",
  "zh-CN",
  "bg",
  "da",
  "en",
  "et",
  "fr",
  "hu",
  "iw",
  "ko",
  "no",
  "pt-BR",
  "sk",
  "ta",
  "uk",
  "zh-TW",
  "bn",
] as const;

const Email = z.email({ error: "must be an e-mail address" }).max(320);

/** The request body; unknown keys are refused so a typo is not silently dropped. */
export const CreateBookingBodySchema = z.strictObject({
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
  eventTypeId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  start: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with a time zone" })
    .refine(isStorableInstant, "must be a date-time between the years 1 and 9999")
    .transform((v) => new Date(v).toISOString()),
  attendee: z.strictObject({
    name: z.string().trim().min(1, "must not be empty").max(200),
    email: Email,
    timeZone: z.string().max(100).refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin"),
    language: z.enum(LANGUAGES).optional(),
  }),
  guests: z.array(Email).max(30).optional(),
  bookingFieldsResponses: z.record(z.string().min(1).max(100), z.unknown())
    .refine((r) => Object.keys(r).length <= 100, "must have at most 100 fields")
    .optional(),
  metadata: z.record(z.string().min(1).max(40), z.string().max(500))
    .refine((m) => Object.keys(m).length <= 50, "must have at most 50 keys")
    .optional(),
});
/** A parsed body. */
export type CreateBookingBody = z.output<typeof CreateBookingBodySchema>;

/** `Idempotency-Key`: 1 to 255 visible ASCII characters. */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, {
  error: "must be 1 to 255 visible ASCII characters",
});

/** The stored booking, in the shape `GET /calcom-bookings-sync` lists (see docs/api.md). */
export const StoredBookingSchema = z.looseObject({
  id: z.uuid(),
  connectionId: z.uuid(),
  bookingId: z.number().int(),
  uid: z.string(),
  status: z.string(),
  startTime: z.string(),
  endTime: z.string(),
});

/** The 201 answer. */
export const CreateBookingResponseSchema = z.object({
  booking: StoredBookingSchema,
  /** Every occurrence, for a recurring event type (the first is `booking`). */
  occurrences: z.array(StoredBookingSchema).optional(),
  /** The attendee's seat, for a seated event type. */
  seatUid: z.string().optional(),
});
/** The 201 answer (the booking typed as the read route types it; the schema checks its key fields). */
export interface CreateBookingResponse {
  booking: BookingView;
  occurrences?: BookingView[];
  seatUid?: string;
}

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of what the request asks for: the connection it resolved to and the body. */
export function requestHash(connectionId: string, body: CreateBookingBody): string {
  const { connectionId: _, ...rest } = body;
  return sha256Hex(canonicalJson({ connectionId, ...rest }));
}

interface Booked {
  uids: string[];
  seatUid?: string;
}

/** Asks Cal.com to book; nothing is written here. */
async function book(
  access: CalcomAccess,
  body: CreateBookingBody,
): Promise<{ bookings: ApiBooking[]; seatUid?: string; readAt: string }> {
  await ownEventType(access.client, body.eventTypeId);
  let answer: ApiBooking | ApiBooking[];
  let readAt = "";
  try {
    answer = await access.client.createBooking({
      eventTypeId: body.eventTypeId,
      start: body.start,
      attendee: body.attendee,
      ...(body.guests ? { guests: body.guests } : {}),
      ...(body.bookingFieldsResponses ? { bookingFieldsResponses: body.bookingFieldsResponses } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    }, { onReadAt: (at) => (readAt = at) });
  } catch (err) {
    throw calcomRefusal(err);
  }
  const bookings = Array.isArray(answer) ? answer : [answer];
  const seatUid = Array.isArray(answer) ? undefined : answer.seatUid;
  return { bookings, seatUid: typeof seatUid === "string" ? seatUid : undefined, readAt };
}

/**
 * Writes Cal.com's answer through the order-guarded upsert, marked as an action's row so that the
 * webhook Cal.com sends for the same booking afterwards changes nothing (see `fromAction`), stamped with
 * the time Cal.com answered, as the sync stamps what it reads.
 */
async function store(
  tx: Tx,
  access: CalcomAccess,
  { bookings, readAt }: { bookings: ApiBooking[]; readAt: string },
): Promise<void> {
  await upsertBookings(tx, {
    userId: access.userId,
    connectionId: access.connectionId,
    rows: bookings.map((b) => withKeyRelation(mapApiBooking(b, { readAt }), access.keyUser)),
    fromAction: true,
  });
}

/** The answer for bookings already stored. */
async function answer(tx: Tx, access: CalcomAccess, booked: Booked): Promise<CreateBookingResponse> {
  const stored = await readStoredBookings(tx, access.connectionId, booked.uids);
  if (stored.length === 0) {
    throw apiError(
      409,
      "conflict",
      "The booking this request made is no longer stored: sync, then look it up",
    );
  }
  const response: CreateBookingResponse = { booking: stored[0] };
  if (stored.length > 1) response.occurrences = stored;
  if (booked.seatUid) response.seatUid = booked.seatUid;
  return response;
}

/** Books once per (user, key): see the module doc. */
function bookOnce(deps: Deps, access: CalcomAccess, body: CreateBookingBody, key: string) {
  const hash = requestHash(access.connectionId, body);
  return deps.db.asService(async (tx) => {
    try {
      await tx`select pg_advisory_xact_lock(hashtextextended(${`calcom_booking_requests:${access.userId}:${key}`}, 0))`;
    } catch (err) {
      // The statement timeout ended the wait: the first request is still talking to Cal.com.
      if ((err as { code?: unknown }).code !== "57014") throw err;
      throw apiError(409, "conflict", "A request with this Idempotency-Key is still in progress: try again", {
        reason: "idempotency_key_in_progress",
      });
    }
    const [prior] = await tx<{ request_hash: string; booking_uid: string; seat_uid: string | null }[]>`
      select request_hash, booking_uid, seat_uid from public.calcom_booking_requests
      where user_id = ${access.userId} and idempotency_key = ${key}`;
    if (prior) {
      if (prior.request_hash !== hash) {
        throw apiError(409, "conflict", "This Idempotency-Key was already used for another booking request", {
          reason: "idempotency_key_reused",
        });
      }
      const uids = await seriesUids(tx, access.connectionId, prior.booking_uid);
      return {
        replayed: true,
        response: await answer(tx, access, { uids, seatUid: prior.seat_uid ?? undefined }),
      };
    }
    const booked = await book(access, body);
    const { bookings, seatUid } = booked;
    await store(tx, access, booked);
    await tx`
      insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key, request_hash,
        booking_uid, seat_uid)
      values (${access.userId}, ${access.connectionId}, ${key}, ${hash}, ${bookings[0].uid}, ${
      seatUid ?? null
    })`;
    return {
      replayed: false,
      response: await answer(tx, access, { uids: bookings.map((b) => b.uid), seatUid }),
    };
  });
}

/** The uids of the recurring series `uid` belongs to (just `uid` for a single booking). */
async function seriesUids(tx: Tx, connectionId: string, uid: string): Promise<string[]> {
  const rows = await tx<{ booking_uid: string }[]>`
    select b.booking_uid from public.calcom_bookings first
    join public.calcom_bookings b on b.calcom_connection_id = first.calcom_connection_id
      and (b.booking_uid = first.booking_uid or b.recurring_booking_uid = first.recurring_booking_uid)
    where first.calcom_connection_id = ${connectionId} and first.booking_uid = ${uid}
    order by b.booking_uid = ${uid} desc, b.start_time`;
  return rows.length ? rows.map((r) => r.booking_uid) : [uid];
}

/** Routes: `POST /bookings`. */
export function createBookingRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(
    "/bookings",
    requireUser(deps.verifyUser),
    jsonBody(),
    zValidator("json", CreateBookingBodySchema, rejectInvalid),
    async (c) => {
      const body = c.req.valid("json");
      const header = c.req.header(idempotencyKeyHeader);
      const key = header === undefined ? undefined : IdempotencyKeySchema.safeParse(header);
      if (key && !key.success) {
        throw apiError(400, "invalid_request", "Invalid Idempotency-Key header", {
          issues: [{ path: "Idempotency-Key", message: key.error.issues[0].message }],
        });
      }
      const access = await openCalcom(deps, c.var.user, body.connectionId);
      if (key) {
        const { replayed, response } = await bookOnce(deps, access, body, key.data);
        if (replayed) c.header("idempotent-replayed", "true");
        return c.json(response, 201);
      }
      const booked = await book(access, body);
      const { bookings, seatUid } = booked;
      const response = await deps.db.asService(async (tx) => {
        await store(tx, access, booked);
        return await answer(tx, access, { uids: bookings.map((b) => b.uid), seatUid });
      });
      return c.json(response, 201);
    },
  );
  return app;
}
