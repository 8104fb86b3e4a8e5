import assert from "node:assert/strict";
import { bookerAttendees, newBookingRow, videoMetadata } from "./new_booking_row.ts";

const columns = {
  id: 1,
  uid: "abc",
  userId: 7,
  eventTypeId: null,
  title: "t",
  description: null,
  startTime: 0,
  endTime: 1,
  createdAt: 0,
  updatedAt: 0,
  status: "ACCEPTED" as const,
  location: null,
  metadata: {},
  responses: {},
  attendees: [],
  creationSource: "API_V2",
};

Deno.test("a new booking row starts unchanged, alone and at sequence 0 of its own iCalUID", () => {
  const b = newBookingRow(columns);
  assert.equal(b.iCalUID, "abc@cal.com");
  assert.equal(b.iCalSequence, 0);
  assert.equal(b.recurringEventId, null);
  assert.equal(b.fromReschedule, null);
  assert.equal(b.noShowHost, false);
  assert.equal(b.cancelledBy, null);
});

Deno.test("given columns win over the defaults", () => {
  const b = newBookingRow({ ...columns, iCalUID: "old@cal.com", iCalSequence: 1, fromReschedule: "old" });
  assert.deepEqual([b.iCalUID, b.iCalSequence, b.fromReschedule], ["old@cal.com", 1, "old"]);
});

Deno.test("guests become attendees with the booker's zone and locale, after the booker", () => {
  let id = 10;
  const booker = { name: "Sam", email: "s@x.org", timeZone: "Asia/Tokyo", locale: "de", phoneNumber: null };
  const rows = bookerAttendees(booker, ["g@x.org"], () => id++);
  assert.deepEqual(rows, [
    { id: 10, ...booker, noShow: false },
    {
      id: 11,
      name: "",
      email: "g@x.org",
      timeZone: "Asia/Tokyo",
      locale: "de",
      phoneNumber: null,
      noShow: false,
    },
  ]);
});

Deno.test("only Cal Video bookings get a videoCallUrl", () => {
  assert.deepEqual(videoMetadata("integrations:daily", "abc"), {
    videoCallUrl: "https://app.cal.com/video/abc",
  });
  assert.deepEqual(videoMetadata("integrations:google:meet", "abc"), {});
});
