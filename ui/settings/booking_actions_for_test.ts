import assert from "node:assert/strict";
import type { BookingView } from "../client/calcom_supabase_client.ts";
import { bookingActionsFor, mergeBookings } from "./booking_actions_for.ts";

const NOW = new Date("2031-03-03T06:00:00.000Z");

function booking(uid: string, status: BookingView["status"], startTime: string): BookingView {
  return { uid, status, startTime, endTime: startTime } as BookingView;
}

Deno.test("an upcoming accepted booking can be cancelled and rescheduled", () => {
  assert.deepEqual(bookingActionsFor(booking("a", "ACCEPTED", "2031-03-04T08:00:00Z"), NOW), [
    "cancel",
    "reschedule",
  ]);
});

Deno.test("an upcoming unconfirmed booking can also be confirmed and declined", () => {
  assert.deepEqual(bookingActionsFor(booking("a", "PENDING", "2031-03-04T08:00:00Z"), NOW), [
    "confirm",
    "decline",
    "cancel",
    "reschedule",
  ]);
});

Deno.test("a started accepted booking takes no-show marks only", () => {
  assert.deepEqual(bookingActionsFor(booking("a", "ACCEPTED", "2031-03-03T05:00:00Z"), NOW), ["mark-absent"]);
});

Deno.test("cancelled and rejected bookings offer nothing", () => {
  for (const status of ["CANCELLED", "REJECTED"] as const) {
    assert.deepEqual(bookingActionsFor(booking("a", status, "2031-03-04T08:00:00Z"), NOW), []);
  }
});

Deno.test("a reschedule's new booking takes the old one's place, in start order", () => {
  const list = [
    booking("a", "ACCEPTED", "2031-03-04T08:00:00Z"),
    booking("b", "ACCEPTED", "2031-03-05T08:00:00Z"),
  ];
  const merged = mergeBookings(list, {
    booking: booking("c", "ACCEPTED", "2031-03-06T08:00:00Z"),
    previousBooking: booking("a", "CANCELLED", "2031-03-04T08:00:00Z"),
  });
  assert.deepEqual(merged.map((b) => b.uid), ["b", "c"]);
});

Deno.test("a cancelled booking is replaced in place", () => {
  const list = [booking("a", "ACCEPTED", "2031-03-04T08:00:00Z")];
  const merged = mergeBookings(list, { booking: booking("a", "CANCELLED", "2031-03-04T08:00:00Z") });
  assert.deepEqual(merged.map((b) => b.status), ["CANCELLED"]);
});
