import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startSandbox } from "./sandbox.ts";

const NOW = "2025-03-10T14:40:00.123Z";

async function setup() {
  const sandbox = await startSandbox();
  sandbox.setNow("2025-03-01T09:00:00.000Z");
  const { user } = sandbox.addUser({ username: "dana", name: "Dana Host" });
  const booking = await sandbox.createBooking(user.id, {
    start: "2025-03-10T14:00:00Z",
    attendee: { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" },
  });
  sandbox.setNow(NOW);
  return { sandbox, user, booking, [Symbol.asyncDispose]: () => sandbox.close() };
}

Deno.test("a built webhook carries the exact body and headers signed for any secret, without changing state", async () => {
  await using t = await setup();
  const before = t.sandbox.booking(t.booking.uid);
  const built = t.sandbox.buildWebhook("BOOKING_CANCELLED", t.booking.uid);
  assert.deepEqual(JSON.parse(built.body), built.json);
  assert.deepEqual(await built.headers("s3cr3t"), {
    "Content-Type": "application/json",
    "X-Cal-Signature-256": createHmac("sha256", "s3cr3t").update(built.body).digest("hex"),
    "X-Cal-Webhook-Version": "2021-10-20",
  });
  assert.equal((await built.headers())["X-Cal-Signature-256"], "no-secret-provided");
  assert.equal((await built.headers(null))["X-Cal-Signature-256"], "no-secret-provided");
  assert.deepEqual(t.sandbox.booking(t.booking.uid), before);
  assert.equal(t.sandbox.deliveries.length, 0);
});

Deno.test("PING has the test-trigger payload and no booking keys", async () => {
  await using t = await setup();
  const { json } = t.sandbox.buildWebhook("PING");
  assert.deepEqual(json, {
    triggerEvent: "PING",
    createdAt: NOW,
    payload: {
      type: "Test",
      title: "Test trigger event",
      description: "",
      startTime: NOW,
      endTime: NOW,
      attendees: [{
        email: "jdoe@example.com",
        name: "John Doe",
        timeZone: "Europe/London",
        language: { locale: "en" },
        utcOffset: 0,
      }],
      organizer: {
        name: "Cal",
        email: "no-reply@cal.com",
        timeZone: "Europe/London",
        language: { locale: "en" },
        utcOffset: 0,
      },
    },
  });
});

Deno.test("booking triggers can be built for an existing booking in their own shapes", async () => {
  await using t = await setup();
  const payload = (trigger: string) =>
    (t.sandbox.buildWebhook(trigger, t.booking).json.payload ?? undefined) as Record<string, unknown>;
  assert.equal(payload("BOOKING_CREATED").startTime, "2025-03-10T14:00:00Z");
  assert.equal(payload("BOOKING_REQUESTED").bookingId, t.booking.id);
  assert.equal(payload("BOOKING_CANCELLED").startTime, "2025-03-10T14:00:00+00:00");
  assert.equal(payload("BOOKING_REJECTED").startTime, "2025-03-10T14:00:00.000Z");
  assert.deepEqual(payload("BOOKING_NO_SHOW_UPDATED").attendees, [{
    email: "sam@example.org",
    noShow: false,
  }]);
  const ended = t.sandbox.buildWebhook("MEETING_ENDED", t.booking.uid).json;
  assert.equal(ended.triggerEvent, "MEETING_ENDED");
  assert.equal(ended.payload, undefined);
  assert.equal(ended.uid, t.booking.uid);
});

Deno.test("payment triggers are booking payloads with status ACCEPTED and a payment id", async () => {
  await using t = await setup();
  for (const trigger of ["BOOKING_PAID", "BOOKING_PAYMENT_INITIATED"]) {
    const p = t.sandbox.buildWebhook(trigger, t.booking.uid).json.payload as Record<string, unknown>;
    assert.equal(p.status, "ACCEPTED");
    assert.equal(p.paymentId, 7701);
    assert.equal(p.bookingId, t.booking.id);
    assert.equal(p.startTime, "2025-03-10T14:00:00.000Z");
  }
  const paid = t.sandbox.buildWebhook("BOOKING_PAID", t.booking.uid).json.payload as Record<string, unknown>;
  assert.deepEqual(Object.keys(paid.metadata as object), [
    "identifier",
    "bookingId",
    "eventTypeId",
    "bookerEmail",
    "eventTitle",
    "externalId",
  ]);
});

Deno.test("recording triggers are keyed by uid and carry download links", async () => {
  await using t = await setup();
  const ready = t.sandbox.buildWebhook("RECORDING_READY", t.booking.uid).json.payload as Record<
    string,
    unknown
  >;
  assert.equal(ready.uid, t.booking.uid);
  assert.equal("bookingId" in ready, false);
  assert.match(ready.downloadLink as string, /^https:\/\/app\.cal\.com\/api\/video\/recording\?token=/);
  const transcript = t.sandbox.buildWebhook("RECORDING_TRANSCRIPTION_GENERATED", t.booking.uid).json
    .payload as { downloadLinks: { transcription: Array<{ format: string }>; recording: string } };
  assert.deepEqual(transcript.downloadLinks.transcription.map((l) => l.format), [
    "json",
    "srt",
    "txt",
    "vtt",
  ]);
});

Deno.test("form submissions duplicate each answer at the root", async () => {
  await using t = await setup();
  const { json } = t.sandbox.buildWebhook("FORM_SUBMITTED", undefined, {
    formResponses: { "Team size": "5" },
  });
  assert.equal(json["Team size"], "5");
  assert.equal(json.triggerEvent, "FORM_SUBMITTED");
  assert.deepEqual((json.payload as { responses: unknown }).responses, {
    "Team size": { value: "5", response: "5" },
  });
  const noEvent = t.sandbox.buildWebhook("FORM_SUBMITTED_NO_EVENT").json.payload as Record<string, unknown>;
  assert.equal(noEvent.responseId, 4242);
});

Deno.test("other triggers follow their documented shapes", async () => {
  await using t = await setup();
  const instant = t.sandbox.buildWebhook("INSTANT_MEETING").json.payload as Record<string, unknown>;
  assert.equal(instant.triggerEvent, "INSTANT_MEETING");
  assert.equal(typeof instant.connectAndJoinUrl, "string");
  const ooo = t.sandbox.buildWebhook("OOO_CREATED", t.booking.uid).json.payload as {
    oooEntry: { user: { id: number } };
  };
  assert.equal(ooo.oooEntry.user.id, t.user.id);
  const hosts = t.sandbox.buildWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", t.booking.uid).json.payload as Record<
    string,
    unknown
  >;
  assert.equal(hosts.hostEmail, "dana@example.com");
  assert.equal(hosts.bookingUid, t.booking.uid);
  assert.match(hosts.message as string, /^Host with email dana@example\.com didn't join the call/);
  const guests = t.sandbox.buildWebhook("AFTER_GUESTS_CAL_VIDEO_NO_SHOW", t.booking.uid).json
    .payload as Record<
      string,
      unknown
    >;
  // triggerNoShow/common.ts sends the booking's attendees and no `guests` key (corrections §4)
  assert.equal("hostEmail" in guests, false);
  assert.equal("guests" in guests, false);
  assert.ok(Array.isArray(guests.attendees));
  const older = t.sandbox.buildWebhook("AFTER_GUESTS_CAL_VIDEO_NO_SHOW", t.booking.uid, {
    noShowVariant: "withGuests",
  }).json.payload as Record<string, unknown>;
  assert.ok(Array.isArray(older.guests));
  const byId = t.sandbox.buildWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", t.booking.uid, {
    noShowVariant: "bookingIdOnly",
  }).json.payload as Record<string, unknown>;
  assert.deepEqual(Object.keys(byId), ["bookingId", "webhook"]);
  const otherHost = t.sandbox.buildWebhook("AFTER_HOSTS_CAL_VIDEO_NO_SHOW", t.booking.uid, {
    hostEmail: "lee@example.com",
  }).json.payload as Record<string, unknown>;
  assert.equal(otherHost.hostEmail, "lee@example.com");
});

Deno.test("a nested meeting body and the newer triggers follow Cal.com's shapes", async () => {
  await using t = await setup();
  const nested = t.sandbox.buildWebhook("MEETING_ENDED", t.booking.uid, { meetingForm: "nested" }).json;
  assert.deepEqual(Object.keys(nested), ["triggerEvent", "createdAt", "payload"]);
  const payload = nested.payload as Record<string, unknown>;
  assert.equal(payload.uid, t.booking.uid);
  assert.equal(payload.bookingId, t.booking.id);
  for (const trigger of ["BOOKING_LOCATION_UPDATED", "BOOKING_REASSIGNED"]) {
    const body = t.sandbox.buildWebhook(trigger, t.booking.uid).json;
    assert.equal(body.triggerEvent, trigger);
    assert.equal((body.payload as Record<string, unknown>).uid, t.booking.uid);
  }
  for (
    const trigger of [
      "INSTANT_MEETING_ACCEPTED",
      "CALENDAR_ENTRY_REJECTED",
      "DELEGATION_CREDENTIAL_SECRET_ROTATED",
    ]
  ) {
    assert.equal(t.sandbox.buildWebhook(trigger, t.booking.uid).json.triggerEvent, trigger);
  }
});

Deno.test("extra payload keys can be merged in, and unknown triggers or missing bookings are refused", async () => {
  await using t = await setup();
  const { json } = t.sandbox.buildWebhook("BOOKING_CREATED", t.booking.uid, {
    payload: { status: "PENDING" },
  });
  assert.equal((json.payload as { status: string }).status, "PENDING");
  assert.throws(() => t.sandbox.buildWebhook("BOOKING_EXPLODED", t.booking.uid), /Unknown webhook trigger/);
  assert.throws(() => t.sandbox.buildWebhook("RECORDING_READY"), /needs a booking/);
  assert.throws(() => t.sandbox.buildWebhook("BOOKING_CREATED", "missing"), /was not found/);
});

Deno.test("a rebuilt BOOKING_RESCHEDULED names the booking it replaced", async () => {
  await using t = await setup();
  const neu = await t.sandbox.rescheduleBooking(t.booking.uid, "2025-03-12T10:00:00Z");
  const p = t.sandbox.buildWebhook("BOOKING_RESCHEDULED", neu.uid).json.payload as Record<string, unknown>;
  assert.equal(p.rescheduleUid, t.booking.uid);
  assert.equal(p.rescheduleId, t.booking.id);
});
