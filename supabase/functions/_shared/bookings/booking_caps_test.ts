import assert from "node:assert/strict";
import type { BookingRow } from "./booking_row.ts";
import {
  ATTENDEES_MAX_COUNT,
  capBookingRow,
  capJson,
  jsonBytes,
  LONG_TEXT_MAX_BYTES,
  RAW_MAX_BYTES,
  TITLE_MAX_BYTES,
  truncateUtf8,
  UID_MAX_BYTES,
  utf8Length,
} from "./booking_caps.ts";

function row(overrides: Partial<BookingRow> = {}): BookingRow {
  return {
    booking_id: 1,
    booking_uid: "uid-1",
    event_type_id: 7,
    event_type_slug: "intro",
    event_type_title: "Intro call",
    title: "Intro call between A and B",
    description: "Let us talk",
    start_time: "2026-01-05T10:00:00.000Z",
    end_time: "2026-01-05T10:30:00.000Z",
    status: "ACCEPTED",
    organizer_id: 3,
    organizer_name: "A",
    organizer_email: "a@example.com",
    organizer_username: "a",
    organizer_timezone: "Europe/Berlin",
    attendees: [{ name: "B", email: "b@example.com", timeZone: "UTC", language: "en", phoneNumber: null }],
    location: "https://cal.example/video/1",
    meeting_url: "https://cal.example/video/1",
    custom_inputs: { notes: "hi" },
    metadata: {},
    rescheduled_from_uid: null,
    rescheduled_to_uid: null,
    cancellation_reason: null,
    rejection_reason: null,
    ical_uid: "ical-1@cal.example",
    recurring_booking_uid: null,
    absent_host: null,
    calcom_created_at: null,
    source_updated_at: "2026-01-01T00:00:00.000Z",
    raw: { id: 1 },
    ...overrides,
  };
}

Deno.test("a row within every cap is returned as it is, without truncated_fields", () => {
  const given = row();
  const capped = capBookingRow(given);
  assert.equal(capped, given);
  assert.equal("truncated_fields" in capped, false);
});

Deno.test("truncateUtf8 cuts at a code point boundary within the byte cap", () => {
  assert.equal(truncateUtf8("abc", 10), "abc");
  assert.equal(truncateUtf8("ab😀", 5), "ab");
  assert.equal(truncateUtf8("ab😀c", 6), "ab😀");
  assert.equal(truncateUtf8("éé", 3), "é");
  assert.equal(utf8Length("a€😀"), 1 + 3 + 4);
});

Deno.test("huge text fields are cut within their caps and named in truncated_fields", () => {
  const capped = capBookingRow(row({ title: "😀".repeat(1000), description: "x".repeat(1_000_000) }));
  assert.ok(utf8Length(capped.title) <= TITLE_MAX_BYTES);
  assert.equal(capped.title, "😀".repeat(TITLE_MAX_BYTES / 4));
  assert.equal(capped.description, "x".repeat(LONG_TEXT_MAX_BYTES));
  assert.deepEqual(capped.truncated_fields, ["title", "description"]);
  assert.equal(capped.location, row().location);
});

Deno.test("a link or uid past its cap is left out, not shortened", () => {
  const long = "https://cal.example/" + "a".repeat(5000);
  const capped = capBookingRow(row({ meeting_url: long, ical_uid: "u".repeat(UID_MAX_BYTES + 1) }));
  assert.equal(capped.meeting_url, null);
  assert.equal(capped.ical_uid, null);
  assert.deepEqual(capped.truncated_fields, ["meeting_url", "ical_uid"]);
});

Deno.test("attendees are kept in order up to the count cap", () => {
  const attendees = Array.from({ length: ATTENDEES_MAX_COUNT + 5 }, (_, i) => ({
    name: `G${i}`,
    email: `g${i}@example.com`,
    timeZone: null,
    language: null,
    phoneNumber: null,
  }));
  const capped = capBookingRow(row({ attendees }));
  assert.equal(capped.attendees.length, ATTENDEES_MAX_COUNT);
  assert.deepEqual(capped.attendees, attendees.slice(0, ATTENDEES_MAX_COUNT));
  assert.deepEqual(capped.truncated_fields, ["attendees"]);
});

Deno.test("raw past its cap keeps its leading keys within the byte budget", () => {
  const raw = {
    id: 1,
    uid: "uid-1",
    description: "d".repeat(1_000_000),
    responses: { a: "b".repeat(500_000) },
  };
  const capped = capBookingRow(row({ raw }));
  assert.ok(jsonBytes(capped.raw) <= RAW_MAX_BYTES);
  const kept = capped.raw as Record<string, unknown>;
  assert.equal(kept.id, 1);
  assert.equal(kept.uid, "uid-1");
  assert.ok(typeof kept.description === "string" && raw.description.startsWith(kept.description));
  assert.deepEqual(capped.truncated_fields, ["raw"]);
});

Deno.test("capJson keeps escaped strings within the budget", () => {
  const { value, truncated } = capJson({ a: "\u0001".repeat(100) }, 100);
  assert.equal(truncated, true);
  assert.ok(jsonBytes(value) <= 100);
  const kept = (value as { a: string }).a;
  assert.ok(kept.length > 0);
  assert.equal(kept, "\u0001".repeat(kept.length));
});

Deno.test("capping is deterministic: the same input gives the same row", () => {
  const given = () => row({ description: "z".repeat(50_000), raw: { note: "n".repeat(300_000) } });
  assert.deepEqual(capBookingRow(given()), capBookingRow(given()));
});
