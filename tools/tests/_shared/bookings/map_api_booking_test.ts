import assert from "node:assert/strict";
import { ApiBookingSchema } from "../../../../supabase/functions/_shared/calcom/schemas.ts";
import { regularBooking } from "../../../testing/calcom_test_data.ts";
import { BookingRowSchema } from "../../../../supabase/functions/_shared/bookings/booking_row.ts";
import {
  mapApiBooking,
  toBookingStatus,
  UNKNOWN_SOURCE_TIME,
} from "../../../../supabase/functions/_shared/bookings/map_api_booking.ts";

Deno.test("mapApiBooking maps the contract's regular booking to a valid row", () => {
  const row = mapApiBooking(ApiBookingSchema.parse(regularBooking));
  assert.deepEqual(BookingRowSchema.parse(row), row);
  assert.deepEqual({ ...row, raw: undefined }, {
    booking_id: 48213,
    booking_uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    event_type_id: 9001,
    event_type_slug: "intro-call",
    event_type_title: null,
    title: "Intro call between Dana Host and Sam Guest",
    description: "",
    start_time: "2025-03-10T14:00:00.000Z",
    end_time: "2025-03-10T14:30:00.000Z",
    status: "ACCEPTED",
    organizer_id: 512,
    organizer_name: "Dana Host",
    organizer_email: "dana@example.com",
    organizer_username: "dana",
    organizer_timezone: "Europe/Berlin",
    attendees: [{
      name: "Sam Guest",
      email: "sam@example.org",
      timeZone: "America/New_York",
      language: "en",
      phoneNumber: null,
      absent: false,
    }],
    location: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
    meeting_url: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
    custom_inputs: { name: "Sam Guest", email: "sam@example.org", notes: "Looking forward" },
    metadata: {},
    rescheduled_from_uid: null,
    rescheduled_to_uid: null,
    cancellation_reason: null,
    rejection_reason: null,
    ical_uid: "k3QmZ8pTqR2vYw1nLx7cAb@cal.com",
    recurring_booking_uid: null,
    absent_host: false,
    calcom_created_at: "2025-03-01T09:12:44.120Z",
    source_updated_at: "2025-03-01T09:12:46.901Z",
    raw: undefined,
  });
  assert.equal((row.raw as { uid: string }).uid, regularBooking.uid);
});

Deno.test("mapApiBooking keeps the reschedule links, the cancellation reason and the recurring uid", () => {
  const row = mapApiBooking(ApiBookingSchema.parse({
    ...regularBooking,
    status: "cancelled",
    cancellationReason: "Travel",
    rescheduledToUid: "Zr8TnB2mQ4yKc6wPx1LdVe",
    rescheduledFromUid: "older",
    recurringBookingUid: "series-1",
  }));
  assert.equal(row.status, "CANCELLED");
  assert.equal(row.cancellation_reason, "Travel");
  assert.equal(row.rescheduled_to_uid, "Zr8TnB2mQ4yKc6wPx1LdVe");
  assert.equal(row.rescheduled_from_uid, "older");
  assert.equal(row.recurring_booking_uid, "series-1");
});

Deno.test("mapApiBooking takes the source time from createdAt when updatedAt is missing", () => {
  const { updatedAt: _, ...old } = regularBooking;
  assert.equal(mapApiBooking(ApiBookingSchema.parse(old)).source_updated_at, "2025-03-01T09:12:44.120Z");
});

Deno.test("mapApiBooking uses the earliest time when a booking has neither updatedAt nor createdAt", () => {
  const { updatedAt: _u, createdAt: _c, ...old } = regularBooking;
  const row = mapApiBooking(ApiBookingSchema.parse(old));
  assert.equal(row.source_updated_at, UNKNOWN_SOURCE_TIME);
  assert.equal(row.calcom_created_at, null);
});

Deno.test("mapApiBooking maps the minimal booking an old deployment sends", () => {
  const row = mapApiBooking(ApiBookingSchema.parse({
    id: 1,
    uid: "u1",
    start: "2025-03-10T14:00:00Z",
    end: "2025-03-10T14:30:00+00:00",
    status: "pending",
    hosts: [{ id: 7, name: "Host", timeZone: "UTC" }],
    location: "integrations:google:meet",
  }));
  assert.deepEqual(BookingRowSchema.parse(row), row);
  assert.equal(row.start_time, "2025-03-10T14:00:00.000Z");
  assert.equal(row.end_time, "2025-03-10T14:30:00.000Z");
  assert.equal(row.status, "PENDING");
  assert.equal(row.title, "");
  assert.deepEqual(row.attendees, []);
  assert.equal(row.location, "integrations:google:meet");
  assert.equal(row.meeting_url, null);
  assert.equal(row.organizer_email, null);
  assert.equal(row.absent_host, null);
});

Deno.test("mapApiBooking leaves the organizer empty when Cal.com reports it as unknown", () => {
  const row = mapApiBooking(ApiBookingSchema.parse({
    ...regularBooking,
    hosts: [{
      id: "unknown",
      name: "unknown",
      email: "unknown",
      displayEmail: "unknown",
      username: "unknown",
    }],
  }));
  assert.deepEqual(
    [row.organizer_id, row.organizer_name, row.organizer_email, row.organizer_username],
    [null, null, null, null],
  );
});

Deno.test("mapApiBooking maps seated attendees to the stored attendee shape", () => {
  const row = mapApiBooking(ApiBookingSchema.parse({
    ...regularBooking,
    bookingFieldsResponses: undefined,
    attendees: [{
      name: "Seat",
      email: "seat@example.org",
      timeZone: "UTC",
      absent: true,
      seatUid: "seat-1",
      bookingFieldsResponses: { name: "Seat" },
    }],
  }));
  assert.deepEqual(row.attendees, [
    {
      name: "Seat",
      email: "seat@example.org",
      timeZone: "UTC",
      language: null,
      phoneNumber: null,
      absent: true,
    },
  ]);
  assert.equal(row.custom_inputs, null);
});

Deno.test("toBookingStatus uppercases every known status and rejects others", () => {
  assert.equal(toBookingStatus("awaiting_host"), "AWAITING_HOST");
  assert.equal(toBookingStatus("REJECTED"), "REJECTED");
  assert.throws(() => toBookingStatus("unknown"), /Unknown booking status: "unknown"/);
});

Deno.test("mapApiBooking rejects a start time without a time zone", () => {
  assert.throws(
    () => mapApiBooking(ApiBookingSchema.parse({ ...regularBooking, start: "2025-03-10T14:00:00" })),
    /Invalid source time/,
  );
});
