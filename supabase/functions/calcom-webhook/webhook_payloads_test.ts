import assert from "node:assert/strict";
import { isKnownTrigger, SourceTimeSchema, WebhookAttendeeSchema } from "./webhook_payloads.ts";

Deno.test("source times in every format Cal.com sends compare equal once parsed", () => {
  const forms = ["2025-03-10T14:00:00Z", "2025-03-10T14:00:00+00:00", "2025-03-10T14:00:00.000Z"];
  assert.deepEqual(forms.map((f) => SourceTimeSchema.parse(f)), Array(3).fill("2025-03-10T14:00:00.000Z"));
  assert.equal(SourceTimeSchema.parse("2025-03-10T16:00:00+02:00"), "2025-03-10T14:00:00.000Z");
});

Deno.test("a source time without a zone or in another format is rejected", () => {
  for (const bad of ["2025-03-10T14:00:00", "2025-03-10 14:00:00Z", "10/03/2025", 1741615200000]) {
    assert.equal(SourceTimeSchema.safeParse(bad).success, false, String(bad));
  }
});

Deno.test("attendees accept both the booking payload and the meeting body shapes", () => {
  assert.ok(
    WebhookAttendeeSchema.safeParse({ email: "a@x", language: { locale: "en" }, utcOffset: 60 }).success,
  );
  assert.ok(WebhookAttendeeSchema.safeParse({ email: "a@x", locale: "en", noShow: true, id: 1 }).success);
});

Deno.test("isKnownTrigger knows Cal.com's triggers and PING, nothing else", () => {
  assert.ok(isKnownTrigger("BOOKING_CREATED"));
  assert.ok(isKnownTrigger("PING"));
  assert.equal(isKnownTrigger("booking_created"), false);
  assert.equal(isKnownTrigger("BOOKING_CONFIRMED"), false);
});
