import assert from "node:assert/strict";
import {
  ApiBookingSchema,
  BookingListResponseSchema,
  MeSchema,
  WebhookSchema,
} from "../../../../supabase/functions/_shared/calcom/schemas.ts";
import { minimalBooking, regularBooking } from "../../../testing/calcom_test_data.ts";

Deno.test("a regular booking parses unchanged", () => {
  assert.deepEqual(ApiBookingSchema.parse(regularBooking), regularBooking);
});

Deno.test("a booking with only id, uid, start, end and status parses", () => {
  assert.deepEqual(ApiBookingSchema.parse(minimalBooking(1)), minimalBooking(1));
});

Deno.test("unknown fields pass through so the raw object can be stored", () => {
  const withExtras = {
    ...regularBooking,
    somethingNew: { nested: [1, 2] },
    hosts: [{ id: 1, pronouns: "they" }],
  };
  assert.deepEqual(ApiBookingSchema.parse(withExtras), withExtras);
});

Deno.test("a seated recurring booking with per-seat answers and no top-level answers parses", () => {
  const { bookingFieldsResponses: _answers, guests: _guests, ...rest } = regularBooking;
  const seated = {
    ...rest,
    recurringBookingUid: "series-1",
    attendees: [{
      name: "Seat One",
      email: "one@example.org",
      displayEmail: "one@example.org",
      timeZone: "UTC",
      absent: false,
      seatUid: "seat-1",
      bookingFieldsResponses: { name: "Seat One" },
      metadata: {},
    }],
  };
  const parsed = ApiBookingSchema.parse(seated);
  assert.equal(parsed.attendees?.[0].seatUid, "seat-1");
  assert.equal(parsed.recurringBookingUid, "series-1");
  assert.equal(parsed.bookingFieldsResponses, undefined);
});

Deno.test("old deployments' shapes parse: host without email, no updatedAt, a host id of unknown", () => {
  const old = {
    ...minimalBooking(2),
    status: "cancelled",
    hosts: [{ id: 7, name: "Dana", timeZone: "Europe/Berlin" }, { id: "unknown", name: "unknown" }],
    location: "integrations:google:meet",
    updatedAt: null,
    eventType: null,
  };
  assert.deepEqual(ApiBookingSchema.parse(old), old);
});

Deno.test("a booking without a uid or with a mistyped id is rejected", () => {
  const { uid: _uid, ...noUid } = minimalBooking(3);
  assert.equal(ApiBookingSchema.safeParse(noUid).success, false);
  assert.equal(ApiBookingSchema.safeParse({ ...minimalBooking(3), id: "3" }).success, false);
});

Deno.test("a bookings list needs the pagination totals", () => {
  assert.equal(BookingListResponseSchema.safeParse({ status: "success", data: [] }).success, false);
  assert.equal(
    BookingListResponseSchema.safeParse({
      status: "success",
      data: [minimalBooking(1)],
      pagination: { totalItems: 1, hasNextPage: false },
    }).success,
    true,
  );
});

Deno.test("/v2/me data parses with nullable profile fields", () => {
  const me = {
    id: 512,
    username: "dana",
    email: "dana@example.com",
    name: null,
    avatarUrl: null,
    bio: null,
    timeFormat: 24,
    defaultScheduleId: null,
    weekStart: "Monday",
    timeZone: "Europe/Berlin",
    organizationId: null,
  };
  assert.deepEqual(MeSchema.parse(me), me);
});

Deno.test("webhook ids are strings whether Cal.com sends a UUID or a number", () => {
  const hook = { id: 17, subscriberUrl: "https://x.test/hook", triggers: ["BOOKING_CREATED"], active: true };
  assert.equal(WebhookSchema.parse(hook).id, "17");
  assert.equal(WebhookSchema.parse({ ...hook, id: "1f0c6a52-6b1e-4c40" }).id, "1f0c6a52-6b1e-4c40");
});
