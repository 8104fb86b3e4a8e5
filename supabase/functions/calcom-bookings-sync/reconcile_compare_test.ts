import assert from "node:assert/strict";
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import { differingFields, type MirroredFields } from "./reconcile_compare.ts";

const mirrored: MirroredFields = {
  status: "ACCEPTED",
  title: "Intro",
  start_time: new Date("2031-03-01T10:00:00.000Z"),
  end_time: new Date("2031-03-01T10:30:00.000Z"),
  attendees: [
    { name: "Ana", email: "Ana@Example.org", timeZone: "UTC", language: null, phoneNumber: null },
    {
      name: "Ben",
      email: "ben@example.org",
      timeZone: "UTC",
      language: "en",
      phoneNumber: null,
      absent: false,
    },
  ],
  absent_host: false,
};

function calRow(overrides: Partial<BookingRow> = {}): BookingRow {
  return {
    status: "ACCEPTED",
    title: "Intro",
    start_time: "2031-03-01T10:00:00.000Z",
    end_time: "2031-03-01T10:30:00.000Z",
    attendees: [
      {
        name: "Ben",
        email: "ben@example.org",
        timeZone: null,
        language: null,
        phoneNumber: null,
        absent: false,
      },
      {
        name: "Ana",
        email: "ana@example.org",
        timeZone: null,
        language: null,
        phoneNumber: null,
        absent: false,
      },
    ],
    absent_host: null,
    ...overrides,
  } as BookingRow;
}

Deno.test("a booking that agrees in status, times, title and attendees has no differences", () => {
  assert.deepEqual(differingFields(mirrored, calRow()), []);
  assert.deepEqual(differingFields(mirrored, calRow({ absent_host: false })), []);
});

Deno.test("a no-show mark, a seat added or removed, or a new status or time is a difference", () => {
  const [ben, ana] = calRow().attendees;
  assert.deepEqual(differingFields(mirrored, calRow({ attendees: [ben, { ...ana, absent: true }] })), [
    "attendees",
  ]);
  assert.deepEqual(differingFields(mirrored, calRow({ attendees: [ben] })), ["attendees"]);
  assert.deepEqual(
    differingFields(mirrored, calRow({ attendees: [ben, ana, { ...ana, email: "cy@example.org" }] })),
    ["attendees"],
  );
  assert.deepEqual(
    differingFields(mirrored, calRow({ status: "CANCELLED", start_time: "2031-03-01T11:00:00.000Z" })),
    ["status", "start_time"],
  );
  assert.deepEqual(differingFields(mirrored, calRow({ absent_host: true })), ["absent_host"]);
});
