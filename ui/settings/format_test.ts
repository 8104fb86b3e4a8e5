import assert from "node:assert/strict";
import {
  bookingStatusLabel,
  bookingTime,
  duration,
  isWebLink,
  locationLabel,
  relativeTime,
} from "./format.ts";

const now = new Date("2030-01-02T12:00:00Z");

Deno.test("relative times round to the largest unit", () => {
  assert.equal(relativeTime("2030-01-02T11:59:50Z", now, "en"), "just now");
  assert.equal(relativeTime("2030-01-02T11:55:00Z", now, "en"), "5 minutes ago");
  assert.equal(relativeTime("2030-01-02T09:00:00Z", now, "en"), "3 hours ago");
  assert.equal(relativeTime("2030-01-04T12:00:00Z", now, "en"), "in 2 days");
});

Deno.test("booking times are shown in the viewer's time zone", () => {
  assert.match(bookingTime("2030-01-02T12:00:00Z", "Asia/Tokyo", "en-US"), /Jan 2, 2030.*9:00\sPM/);
  assert.match(bookingTime("2030-01-02T12:00:00Z", "America/New_York", "en-US"), /7:00\sAM/);
});

Deno.test("durations read as hours and minutes", () => {
  assert.equal(duration("2030-01-02T12:00:00Z", "2030-01-02T12:30:00Z"), "30 min");
  assert.equal(duration("2030-01-02T12:00:00Z", "2030-01-02T13:00:00Z"), "1 h");
  assert.equal(duration("2030-01-02T12:00:00Z", "2030-01-02T13:45:00Z"), "1 h 45 min");
});

Deno.test("statuses and locations read as words", () => {
  assert.equal(bookingStatusLabel("PENDING"), "Unconfirmed");
  assert.equal(bookingStatusLabel("NEW_THING"), "New_thing");
  assert.equal(locationLabel("integrations:daily"), "Cal Video");
  assert.equal(locationLabel("integrations:google_meet"), "Google Meet");
  assert.equal(locationLabel("Main St 1"), "Main St 1");
  assert.ok(isWebLink("https://cal.com/video/x"));
  assert.ok(!isWebLink("javascript:alert(1)"));
});
