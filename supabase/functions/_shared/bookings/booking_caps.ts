/**
 * Size caps on what one booking row may store, applied when a row is built from either source (API
 * booking or webhook payload). Without them a booking with a 1 MB description is stored as 1 MB in the
 * column and again in `raw`, and a page of such rows read back costs an Edge isolate hundreds of MB.
 *
 * Caps are in UTF-8 bytes, what Postgres stores and what a JSON answer carries. A cut is never silent:
 * the row lists every field stored shortened or left out in `truncated_fields`, and a field is only ever
 * cut in a way that leaves a valid value of its kind:
 *
 * - free text (title, description, reasons, location, names) is cut at a code point boundary;
 * - links and uids, which a shortened form would turn into a different, wrong value, are left out (null);
 * - JSON (form answers, metadata, raw) keeps its leading keys and items, each cut the same way, as far
 *   as the budget goes; attendees are kept in order up to a count and a byte budget.
 *
 * A row within every cap is returned as it is (same object, no `truncated_fields` key), so its content
 * hash (`source_hash`) is the one it had before caps existed. Capping is deterministic: the same source
 * object always gives the same capped row and the same hash.
 *
 * @module
 */
import type { BookingAttendeeRow, BookingRow } from "./booking_row.ts";

/** Booking title: Cal.com builds it from the event name template ("30 min between A and B"). */
export const TITLE_MAX_BYTES = 1024;
/** Description, cancellation and rejection reasons: free text a guest or host types into a textarea. */
export const LONG_TEXT_MAX_BYTES = 10 * 1024;
/** Event type title, organizer name, attendee name: a person's or an event's display name. */
export const NAME_MAX_BYTES = 512;
/**
 * Emails, usernames, slugs, time zones, languages, phone numbers: short by their own rules (an email
 * address is at most 254 bytes, an IANA zone name under 40).
 */
export const SHORT_TEXT_MAX_BYTES = 320;
/** Location: an address, a phone number or a link; browsers themselves give up on URLs past ~2 KB. */
export const LOCATION_MAX_BYTES = 2048;
/** Meeting URL: a link, left out (never shortened) past this size. */
export const URL_MAX_BYTES = 2048;
/** Reschedule, iCal and recurring uids: Cal.com generates them (~22–60 bytes); left out past this. */
export const UID_MAX_BYTES = 255;
/**
 * Attendees kept per booking. Seated events put every seat on the same booking, so this is generous;
 * at ~200 bytes an attendee it also fits within {@linkcode ATTENDEES_MAX_BYTES}.
 */
export const ATTENDEES_MAX_COUNT = 1000;
/** Serialized size of all attendees kept. */
export const ATTENDEES_MAX_BYTES = 256 * 1024;
/** Serialized size of the booking form answers (`custom_inputs`). */
export const CUSTOM_INPUTS_MAX_BYTES = 64 * 1024;
/** Serialized size of `metadata`. */
export const METADATA_MAX_BYTES = 64 * 1024;
/** Serialized size of `raw`, the source object, which repeats every field above uncapped. */
export const RAW_MAX_BYTES = 128 * 1024;
/** Longest string kept inside capped JSON (form answers, metadata, raw). */
export const JSON_STRING_MAX_BYTES = LONG_TEXT_MAX_BYTES;

/** The UTF-8 size of a string, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a code point boundary
 * (never half a surrogate pair); `text` itself when it fits.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // every UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no count
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length &&
      text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return text;
}

/** The UTF-8 size of a value serialized as JSON. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? "null");
}

/**
 * `value` with its strings cut to {@linkcode JSON_STRING_MAX_BYTES} and its leading object entries and
 * array items kept while the whole serializes within `maxBytes`; undefined when not even an empty
 * container or string fits. Pure: `value` is not changed.
 */
function capJsonValue(value: unknown, maxBytes: number): unknown {
  if (typeof value === "string") {
    // 2 bytes of quotes; escapes (\n, \u0001, \") make the JSON up to 6 times the text: cut by the excess
    let budget = Math.min(JSON_STRING_MAX_BYTES, maxBytes - 2);
    while (budget >= 0) {
      const cut = truncateUtf8(value, budget);
      const bytes = jsonBytes(cut);
      if (bytes <= maxBytes) return cut;
      budget -= Math.max(1, Math.ceil((bytes - maxBytes) / 6));
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    if (maxBytes < 2) return undefined;
    const items: unknown[] = [];
    let used = 2;
    for (const item of value) {
      const separator = items.length > 0 ? 1 : 0;
      const kept = capJsonValue(item ?? null, maxBytes - used - separator);
      if (kept === undefined) break;
      items.push(kept);
      used += separator + jsonBytes(kept);
    }
    return items;
  }
  if (value !== null && typeof value === "object") {
    if (maxBytes < 2) return undefined;
    const entries: [string, unknown][] = [];
    let used = 2;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const keyBytes = jsonBytes(key) + 1 + (entries.length > 0 ? 1 : 0);
      const kept = capJsonValue(item, maxBytes - used - keyBytes);
      if (kept === undefined) break;
      entries.push([key, kept]);
      used += keyBytes + jsonBytes(kept);
    }
    return Object.fromEntries(entries);
  }
  return jsonBytes(value) <= maxBytes ? value : undefined;
}

/**
 * A JSON value within `maxBytes` serialized: the value itself when it fits, else its capped form (see
 * {@linkcode capJsonValue}), or null when nothing of it fits.
 */
export function capJson(value: unknown, maxBytes: number): { value: unknown; truncated: boolean } {
  if (jsonBytes(value) <= maxBytes) return { value, truncated: false };
  return { value: capJsonValue(value, maxBytes) ?? null, truncated: true };
}

/** Collects the names of the fields a row had cut. */
class Cuts {
  readonly fields: string[] = [];
  #mark(field: string) {
    if (!this.fields.includes(field)) this.fields.push(field);
  }

  /** Free text cut at a code point boundary. */
  text<T extends string | null>(field: string, value: T, maxBytes: number): T {
    if (value === null || value.length * 3 <= maxBytes || utf8Length(value) <= maxBytes) return value;
    this.#mark(field);
    return truncateUtf8(value, maxBytes) as T;
  }

  /** A value a shortened form would falsify (a link, a uid): left out past the cap. */
  whole(field: string, value: string | null, maxBytes: number): string | null {
    if (value === null || value.length * 3 <= maxBytes || utf8Length(value) <= maxBytes) return value;
    this.#mark(field);
    return null;
  }

  /** JSON capped by its serialized size. */
  json<T>(field: string, value: T, maxBytes: number): T {
    const capped = capJson(value, maxBytes);
    if (capped.truncated) this.#mark(field);
    return capped.value as T;
  }

  /** Attendees, each field capped, kept in order up to the count and byte caps. */
  attendees(value: BookingAttendeeRow[]): BookingAttendeeRow[] {
    const kept: BookingAttendeeRow[] = [];
    let used = 2;
    let changed = false;
    for (const a of value) {
      const capped: BookingAttendeeRow = {
        ...a,
        name: this.text("attendees", a.name, NAME_MAX_BYTES),
        email: this.text("attendees", a.email, SHORT_TEXT_MAX_BYTES),
        timeZone: this.text("attendees", a.timeZone, SHORT_TEXT_MAX_BYTES),
        language: this.text("attendees", a.language, SHORT_TEXT_MAX_BYTES),
        phoneNumber: this.text("attendees", a.phoneNumber, SHORT_TEXT_MAX_BYTES),
      };
      const bytes = jsonBytes(capped) + (kept.length > 0 ? 1 : 0);
      if (kept.length >= ATTENDEES_MAX_COUNT || used + bytes > ATTENDEES_MAX_BYTES) {
        this.#mark("attendees");
        changed = true;
        break;
      }
      kept.push(capped);
      used += bytes;
    }
    return changed || this.fields.includes("attendees") ? kept : value;
  }
}

/**
 * A booking row within the caps above, with `truncated_fields` naming each field that was cut (in
 * column order). A row within every cap is returned as it is, without that key.
 */
export function capBookingRow(row: BookingRow): BookingRow {
  const cut = new Cuts();
  const capped: BookingRow = {
    ...row,
    event_type_slug: cut.text("event_type_slug", row.event_type_slug, SHORT_TEXT_MAX_BYTES),
    event_type_title: cut.text("event_type_title", row.event_type_title, NAME_MAX_BYTES),
    title: cut.text("title", row.title, TITLE_MAX_BYTES),
    description: cut.text("description", row.description, LONG_TEXT_MAX_BYTES),
    organizer_name: cut.text("organizer_name", row.organizer_name, NAME_MAX_BYTES),
    organizer_email: cut.text("organizer_email", row.organizer_email, SHORT_TEXT_MAX_BYTES),
    organizer_username: cut.text("organizer_username", row.organizer_username, SHORT_TEXT_MAX_BYTES),
    organizer_timezone: cut.text("organizer_timezone", row.organizer_timezone, SHORT_TEXT_MAX_BYTES),
    attendees: cut.attendees(row.attendees),
    location: cut.text("location", row.location, LOCATION_MAX_BYTES),
    meeting_url: cut.whole("meeting_url", row.meeting_url, URL_MAX_BYTES),
    custom_inputs: cut.json("custom_inputs", row.custom_inputs, CUSTOM_INPUTS_MAX_BYTES),
    metadata: cut.json("metadata", row.metadata, METADATA_MAX_BYTES),
    rescheduled_from_uid: cut.whole("rescheduled_from_uid", row.rescheduled_from_uid, UID_MAX_BYTES),
    rescheduled_to_uid: cut.whole("rescheduled_to_uid", row.rescheduled_to_uid, UID_MAX_BYTES),
    cancellation_reason: cut.text("cancellation_reason", row.cancellation_reason, LONG_TEXT_MAX_BYTES),
    rejection_reason: cut.text("rejection_reason", row.rejection_reason, LONG_TEXT_MAX_BYTES),
    ical_uid: cut.whole("ical_uid", row.ical_uid, UID_MAX_BYTES),
    recurring_booking_uid: cut.whole("recurring_booking_uid", row.recurring_booking_uid, UID_MAX_BYTES),
    raw: cut.json("raw", row.raw, RAW_MAX_BYTES),
  };
  if (cut.fields.length === 0) return row;
  return { ...capped, truncated_fields: [...new Set([...(row.truncated_fields ?? []), ...cut.fields])] };
}
