/**
 * Whether a mapped booking row can be stored, and the record of one that cannot. Cal.com can send
 * values its own database holds but ours refuses: a start in year 0000 or one that lands there in UTC (`0001-01-01T05:00+14:00`) that
 * `timestamptz` refuses, an end before its start that the table's check refuses, an id beyond 2^53 that
 * JSON numbers lose or beyond `bigint`. One such booking would fail the whole statement of its page, so
 * it is set aside with its reason ({@linkcode RejectedBooking}) and the rest is stored. A lone surrogate
 * (an emoji cut in half), which `jsonb` and `text` reject too, is not a reason: both paths store the
 * booking with U+FFFD in its place (`wellFormedValue` in `jsonb_text.ts`), as the webhook path always has.
 *
 * @module
 */
import type { BookingRow } from "./booking_row.ts";
import { truncateUtf8 } from "./booking_caps.ts";
import { textSafe } from "./jsonb_text.ts";

/** A booking set aside: its uid when it has a usable one, why, and the start of what was received. */
export interface RejectedBooking {
  uid: string | null;
  reason: string;
  rawExcerpt: string;
}

/** Bytes of the received booking kept with a rejected one. */
export const REJECT_EXCERPT_MAX_BYTES = 2048;

const INSTANT_COLUMNS = ["start_time", "end_time", "calcom_created_at", "source_updated_at"] as const;
const INTEGER_COLUMNS = ["booking_id", "event_type_id", "organizer_id"] as const;

/** The UTC year of an ISO instant, or NaN. */
function utcYear(iso: string): number {
  return new Date(iso).getUTCFullYear();
}

/** Whether any string (key or value) in a parsed JSON value holds a lone surrogate. */
export function hasLoneSurrogate(value: unknown): boolean {
  return loneSurrogatePath(value, "") !== undefined;
}

/** The path of the first string (key or value) in `value` holding a lone surrogate, if any. */
function loneSurrogatePath(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.isWellFormed() ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogatePath(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (!key.isWellFormed()) return `${path} (a key)`;
      const found = loneSurrogatePath(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Why a mapped row cannot be stored, or null when it can. Checks what the table and its types refuse
 * (see the module doc), in the order a reader would look for it.
 */
export function unstorableReason(row: BookingRow): string | null {
  for (const column of INTEGER_COLUMNS) {
    const value = row[column];
    if (value !== null && !Number.isSafeInteger(value)) {
      return `${column} ${value} is beyond the integers a JSON number holds exactly (2^53)`;
    }
  }
  for (const column of INSTANT_COLUMNS) {
    const value = row[column];
    if (value === null) continue;
    const year = utcYear(value);
    if (!(year >= 1 && year <= 9999)) {
      return `${column} ${value.slice(0, 40)} is outside the years 0001 to 9999 (in UTC)`;
    }
  }
  if (Date.parse(row.end_time) < Date.parse(row.start_time)) {
    return `end_time ${row.end_time} is before start_time ${row.start_time}`;
  }
  const { raw, ...columns } = row;
  const column = loneSurrogatePath(columns, "");
  if (column) return `${column} holds a lone UTF-16 surrogate, which Postgres text cannot store`;
  const inRaw = loneSurrogatePath(raw, "raw");
  if (inRaw) return `${inRaw} holds a lone UTF-16 surrogate, which Postgres text cannot store`;
  return null;
}

/** The uid of a received booking object when it has a usable one. */
export function receivedUid(raw: unknown): string | null {
  const uid = (raw as { uid?: unknown } | null)?.uid;
  return typeof uid === "string" && uid.length > 0 && uid.length <= 255 ? uid : null;
}

/** A rejected booking from what was received and why it cannot be stored. */
export function rejectBooking(raw: unknown, reason: string): RejectedBooking {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return {
    uid: receivedUid(raw),
    reason: textSafe(truncateUtf8(reason.toWellFormed(), 500)),
    rawExcerpt: textSafe(truncateUtf8(text.toWellFormed(), REJECT_EXCERPT_MAX_BYTES)),
  };
}
