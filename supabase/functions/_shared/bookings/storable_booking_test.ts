import assert from "node:assert/strict";
import type { BookingRow } from "./booking_row.ts";
import { hasLoneSurrogate, rejectBooking, unstorableReason } from "./storable_booking.ts";

const row: BookingRow = {
  booking_id: 1,
  booking_uid: "u1",
  event_type_id: 7,
  event_type_slug: "30min",
  event_type_title: null,
  title: "Lunch",
  description: null,
  start_time: "2026-03-01T10:00:00.000Z",
  end_time: "2026-03-01T10:30:00.000Z",
  status: "ACCEPTED",
  organizer_id: 3,
  organizer_name: null,
  organizer_email: null,
  organizer_username: null,
  organizer_timezone: null,
  attendees: [],
  location: null,
  meeting_url: null,
  custom_inputs: null,
  metadata: null,
  rescheduled_from_uid: null,
  rescheduled_to_uid: null,
  cancellation_reason: null,
  rejection_reason: null,
  ical_uid: null,
  recurring_booking_uid: null,
  absent_host: null,
  calcom_created_at: null,
  source_updated_at: "2026-02-01T00:00:00.000Z",
  raw: { uid: "u1" },
};

Deno.test("a row within the table's types is storable", () => {
  assert.equal(unstorableReason(row), null);
});

Deno.test("unstorableReason names the column a row cannot be stored by", () => {
  const cases: [Partial<BookingRow>, RegExp][] = [
    [{ start_time: new Date("0001-01-01T05:00:00+14:00").toISOString() }, /^start_time .* outside the years/],
    [{ end_time: "2026-03-01T09:00:00.000Z" }, /^end_time .* is before start_time/],
    [{ event_type_id: 1e19 }, /^event_type_id 10000000000000000000 is beyond/],
    [{ booking_id: 2 ** 53 }, /^booking_id 9007199254740992 is beyond/],
    [{ title: "a\ud83d" }, /^title holds a lone UTF-16 surrogate/],
  ];
  for (const [change, reason] of cases) assert.match(unstorableReason({ ...row, ...change })!, reason);
});

Deno.test("hasLoneSurrogate looks into keys and nested values", () => {
  assert.equal(hasLoneSurrogate({ a: ["ok", { b: "\ud83d\ude00" }] }), false);
  assert.equal(hasLoneSurrogate({ a: ["ok", { b: "x\ud83d" }] }), true);
  assert.equal(hasLoneSurrogate({ ["\udc00"]: 1 }), true);
});

Deno.test("rejectBooking keeps the uid and a bounded, storable excerpt", () => {
  const reject = rejectBooking({ uid: "u1", title: "\ud83d".repeat(5000) }, "why");
  assert.equal(reject.uid, "u1");
  assert.equal(reject.reason, "why");
  assert.ok(new TextEncoder().encode(reject.rawExcerpt).length <= 2048);
  assert.ok(reject.rawExcerpt.isWellFormed());
  assert.equal(rejectBooking(["no uid"], "why").uid, null);
});
