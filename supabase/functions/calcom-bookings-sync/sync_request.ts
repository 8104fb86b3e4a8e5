/**
 * The calcom-bookings-sync request shapes: the POST body (what to sync) and the GET query (what to
 * read), validated with zod; anything invalid is a 400.
 *
 * @module
 */
import { z } from "zod";
import { BOOKING_STATUSES } from "../_shared/bookings/booking_row.ts";
import { BookingStatusFilterSchema } from "../_shared/calcom/booking_filters.ts";
import { KEY_RELATIONS } from "../_shared/bookings/key_relation.ts";

/** Largest page of `GET ?fromDb=true`. */
const maxReadLimit = 250;
/** Page size of `GET ?fromDb=true` when `limit` is not given. */
const defaultReadLimit = 50;

/**
 * Whether an ISO date-time lands, in UTC, within the years Postgres reads back from ISO text (0001 to
 * 9999): `0000-…` or `0001-01-01T05:00+14:00` pass the ISO format but would fail the `timestamptz` cast.
 */
export function isStorableInstant(iso: string): boolean {
  const year = new Date(iso).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

const Instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with a time zone" })
  .refine(isStorableInstant, "must be a date-time between the years 1 and 9999")
  .transform((v) => new Date(v).toISOString());

/** A list given as an array or as one comma-separated string (`status=accepted,pending`). */
function listOf<T extends z.ZodType>(item: T, what = "status") {
  return z.preprocess(
    (v) => {
      const parts = (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : v) as unknown;
      return Array.isArray(parts)
        ? parts.map((p) => (typeof p === "string" ? p.trim().toLowerCase() : p)).filter((p) => p !== "")
        : parts;
    },
    z.array(item).min(1, `must name at least one ${what}`),
  ).transform((values) => [...new Set(values as z.output<T>[])]);
}

/** What a POST asks for: a sync (the default) or a reconciliation (reconcile.ts). */
export const SYNC_MODES = ["sync", "reconcile"] as const;

/**
 * `POST /calcom-bookings-sync`. `status` narrows the run with Cal.com's own list filter (upcoming,
 * recurring, past, cancelled, unconfirmed), as do `afterStart`/`beforeEnd`; a narrowed run reads only
 * that part and leaves the watermark alone. `mode: "reconcile"` re-reads a start-time window instead
 * (`afterStart`/`beforeEnd` bound it; every status is read, so `full` and `status` are refused with it).
 * Unknown keys are ignored, so clients that send more keep working.
 */
export const SyncBodySchema = z.object({
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
  mode: z.enum(SYNC_MODES, { error: 'must be "sync" or "reconcile"' }).optional(),
  full: z.boolean().default(false),
  status: listOf(BookingStatusFilterSchema).optional(),
  afterStart: Instant.optional(),
  beforeEnd: Instant.optional(),
}).superRefine((body, ctx) => {
  if (body.mode !== "reconcile") return;
  if (body.full) {
    ctx.addIssue({ code: "custom", path: ["full"], message: "cannot be true with mode reconcile" });
  }
  if (body.status) {
    ctx.addIssue({
      code: "custom",
      path: ["status"],
      message: "cannot be given with mode reconcile, which reads every status",
    });
  }
});

/** A parsed POST body. */
export type SyncBody = z.output<typeof SyncBodySchema>;

const StoredStatusSchema = z.enum(BOOKING_STATUSES.map((s) => s.toLowerCase()) as [string, ...string[]]);

const Flag = z.enum(["true", "false", "1", "0", ""], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

/**
 * `GET /calcom-bookings-sync`: `status` filters the stored status (accepted, pending, cancelled,
 * rejected, awaiting_host; any case), `relation` how the key's user relates to the booking (organizer,
 * attendee, team), `afterStart` start ≥, `beforeEnd` end ≤, `limit` 1..250 (50),
 * `cursor` the `nextCursor` of the previous page; `setAside=true` lists the bookings set aside instead.
 */
export const ReadQuerySchema = z.object({
  fromDb: Flag.default(false),
  /** The bookings set aside as unstorable instead of the stored ones (read from the database). */
  setAside: Flag.default(false),
  connectionId: z.uuid({ error: "must be a connection id (uuid)" }).optional(),
  status: listOf(StoredStatusSchema).transform((s) => s.map((v) => v.toUpperCase())).optional(),
  relation: listOf(z.enum(KEY_RELATIONS), "relation").optional(),
  afterStart: Instant.optional(),
  beforeEnd: Instant.optional(),
  limit: z.string().regex(/^\d+$/, "must be a whole number from 1 to 250").transform(Number)
    .pipe(z.number().min(1, "must be at least 1").max(maxReadLimit, "must be at most 250"))
    .default(defaultReadLimit),
  cursor: z.string().min(1).max(200).optional(),
});

/** A parsed GET query. */
export type ReadQuery = z.output<typeof ReadQuerySchema>;
