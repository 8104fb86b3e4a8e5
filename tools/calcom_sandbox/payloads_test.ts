import assert from "node:assert/strict";
import { formatTime, utcOffsetMinutes, webhookResponses } from "./payloads.ts";

const T = Date.parse("2025-03-10T14:00:00.000Z");

Deno.test("times render in the three formats Cal.com's payloads use", () => {
  assert.equal(formatTime(T, "seconds"), "2025-03-10T14:00:00Z");
  assert.equal(formatTime(T, "offset"), "2025-03-10T14:00:00+00:00");
  assert.equal(formatTime(T, "millis"), "2025-03-10T14:00:00.000Z");
});

Deno.test("utcOffset is minutes east of UTC at the given instant, daylight saving included", () => {
  assert.equal(utcOffsetMinutes("Europe/Berlin", T), 60);
  assert.equal(utcOffsetMinutes("Europe/Berlin", Date.parse("2025-07-01T00:00:00Z")), 120);
  assert.equal(utcOffsetMinutes("America/New_York", T), -240);
  assert.equal(utcOffsetMinutes("Asia/Kolkata", T), 330);
  assert.equal(utcOffsetMinutes("UTC", T), 0);
  assert.equal(utcOffsetMinutes("Not/AZone", T), 0);
});

Deno.test("booking answers become labelled webhook responses", () => {
  assert.deepEqual(webhookResponses({ name: "Sam", rescheduledReason: "Conflict", company: "Acme" }), {
    name: { label: "your_name", value: "Sam", isHidden: false },
    rescheduleReason: { label: "reason_for_reschedule", value: "Conflict", isHidden: false },
    company: { label: "company", value: "Acme", isHidden: false },
  });
});
