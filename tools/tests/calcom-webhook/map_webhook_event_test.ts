import assert from "node:assert/strict";
import { BookingRowSchema } from "../../../supabase/functions/_shared/bookings/booking_row.ts";
import { webhookFixture, type WebhookFixtureName } from "../../testing/fixtures/webhooks/mod.ts";
import {
  type BookingOp,
  mapWebhookEvent,
  WebhookPayloadError,
  type WebhookPlan,
} from "../../../supabase/functions/calcom-webhook/map_webhook_event.ts";
import { describeWebhookBody } from "../../../supabase/functions/calcom-webhook/webhook_payloads.ts";

function ops(name: WebhookFixtureName, change?: (body: Record<string, unknown>) => void): BookingOp[] {
  const body = webhookFixture(name);
  change?.(body);
  const plan = mapWebhookEvent(body);
  assert.equal(plan.kind, "apply");
  for (const op of (plan as Extract<WebhookPlan, { kind: "apply" }>).ops) {
    if (op.kind === "upsert") BookingRowSchema.parse(op.row);
    if (op.kind === "status" && op.change.insertRow) BookingRowSchema.parse(op.change.insertRow);
  }
  return (plan as Extract<WebhookPlan, { kind: "apply" }>).ops;
}

function upsertOf(op: BookingOp | undefined) {
  assert.equal(op?.kind, "upsert");
  return (op as Extract<BookingOp, { kind: "upsert" }>).row;
}

function payloadOf(body: Record<string, unknown>) {
  return body.payload as Record<string, unknown>;
}

Deno.test("BOOKING_CREATED maps to one upsert of the booking at the delivery's time", () => {
  const [op, ...rest] = ops("BOOKING_CREATED");
  assert.equal(rest.length, 0);
  const row = upsertOf(op);
  assert.deepEqual({ ...row, raw: undefined }, {
    booking_id: 48213,
    booking_uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    event_type_id: 9001,
    event_type_slug: "intro-call",
    event_type_title: "Intro call",
    title: "Intro call between Dana Host and Sam Guest",
    description: "Looking forward",
    start_time: "2025-03-10T14:00:00.000Z",
    end_time: "2025-03-10T14:30:00.000Z",
    status: "ACCEPTED",
    organizer_id: 512,
    organizer_name: "Dana Host",
    organizer_email: "dana@example.com",
    organizer_username: "dana",
    organizer_timezone: "Europe/Berlin",
    attendees: [
      {
        name: "Sam Guest",
        email: "sam@example.org",
        timeZone: "America/New_York",
        language: "en",
        phoneNumber: null,
      },
      { name: "", email: "pat@example.org", timeZone: "America/New_York", language: "en", phoneNumber: null },
    ],
    location: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
    meeting_url: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
    custom_inputs: {
      name: "Sam Guest",
      email: "sam@example.org",
      location: { value: "integrations:daily", optionValue: "" },
      notes: "Looking forward",
      guests: ["pat@example.org"],
    },
    metadata: {},
    rescheduled_from_uid: null,
    rescheduled_to_uid: null,
    cancellation_reason: null,
    rejection_reason: null,
    ical_uid: "k3QmZ8pTqR2vYw1nLx7cAb@cal.com",
    recurring_booking_uid: null,
    absent_host: null,
    calcom_created_at: null,
    source_updated_at: "2025-03-01T09:12:47.005Z",
    raw: undefined,
  });
  assert.equal((row.raw as { uid: string }).uid, "k3QmZ8pTqR2vYw1nLx7cAb");
});

Deno.test("BOOKING_REQUESTED maps to a pending booking", () => {
  const row = upsertOf(ops("BOOKING_REQUESTED")[0]);
  assert.deepEqual([row.status, row.location, row.meeting_url], [
    "PENDING",
    "integrations:google:meet",
    null,
  ]);
});

Deno.test("BOOKING_RESCHEDULED upserts the new booking and cancels the old one, creatable from the payload", () => {
  const [created, old] = ops("BOOKING_RESCHEDULED");
  const row = upsertOf(created);
  assert.deepEqual([row.booking_uid, row.status, row.rescheduled_from_uid, row.source_updated_at], [
    "Zr8TnB2mQ4yKc6wPx1LdVe",
    "ACCEPTED",
    "k3QmZ8pTqR2vYw1nLx7cAb",
    "2025-03-04T16:20:00.444Z",
  ]);
  assert.equal(old.kind, "status");
  const { change } = old as Extract<BookingOp, { kind: "status" }>;
  assert.deepEqual({ ...change, insertRow: undefined }, {
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    status: "CANCELLED",
    sourceUpdatedAt: "2025-03-04T16:20:00.444Z",
    rescheduledToUid: "Zr8TnB2mQ4yKc6wPx1LdVe",
    insertRow: undefined,
  });
  const insert = change.insertRow!;
  assert.deepEqual(
    [
      insert.booking_id,
      insert.booking_uid,
      insert.start_time,
      insert.end_time,
      insert.meeting_url,
      insert.status,
    ],
    [
      48213,
      "k3QmZ8pTqR2vYw1nLx7cAb",
      "2025-03-10T14:00:00.000Z",
      "2025-03-10T14:30:00.000Z",
      null,
      "CANCELLED",
    ],
  );
  assert.deepEqual([insert.rescheduled_from_uid, insert.rescheduled_to_uid], [
    null,
    "Zr8TnB2mQ4yKc6wPx1LdVe",
  ]);
});

Deno.test("a reschedule without the old booking's id or times only updates the old booking", () => {
  const [, old] = ops("BOOKING_RESCHEDULED", (b) => delete payloadOf(b).rescheduleId);
  assert.equal((old as Extract<BookingOp, { kind: "status" }>).change.insertRow, undefined);
});

Deno.test("BOOKING_REQUESTED carrying rescheduleUid also cancels the old booking", () => {
  const [created, old] = ops("BOOKING_REQUESTED", (b) => {
    Object.assign(payloadOf(b), {
      rescheduleUid: "old-uid",
      rescheduleId: 1,
      rescheduleStartTime: "2025-03-05T14:30:00Z",
      rescheduleEndTime: "2025-03-05T15:15:00Z",
    });
  });
  assert.deepEqual([upsertOf(created).status, upsertOf(created).rescheduled_from_uid], [
    "PENDING",
    "old-uid",
  ]);
  const { change } = old as Extract<BookingOp, { kind: "status" }>;
  assert.deepEqual([change.uid, change.status, change.rescheduledToUid], [
    "old-uid",
    "CANCELLED",
    "P9cd2Lq0XwE7hVb3sNn1Ta",
  ]);
});

Deno.test("BOOKING_CANCELLED maps +00:00 times and keeps the reason", () => {
  const [op, ...rest] = ops("BOOKING_CANCELLED");
  assert.equal(rest.length, 0);
  const row = upsertOf(op);
  assert.deepEqual(
    [row.status, row.cancellation_reason, row.start_time, row.end_time, row.metadata, row.ical_uid],
    [
      "CANCELLED",
      "Travel plans changed",
      "2025-03-11T15:00:00.000Z",
      "2025-03-11T15:30:00.000Z",
      null,
      "k3QmZ8pTqR2vYw1nLx7cAb@cal.com",
    ],
  );
});

Deno.test("BOOKING_CANCELLED is a cancellation whatever status its payload claims", () => {
  assert.equal(
    upsertOf(ops("BOOKING_CANCELLED", (b) => payloadOf(b).status = "ACCEPTED")[0]).status,
    "CANCELLED",
  );
});

Deno.test("BOOKING_REJECTED maps to a rejected booking with its reason", () => {
  const row = upsertOf(ops("BOOKING_REJECTED")[0]);
  assert.deepEqual([row.status, row.rejection_reason, row.start_time], [
    "REJECTED",
    "Not available",
    "2025-03-12T09:00:00.000Z",
  ]);
});

Deno.test("payment triggers upsert the booking without taking payment details as its metadata", () => {
  for (const name of ["BOOKING_PAID", "BOOKING_PAYMENT_INITIATED"] as const) {
    const row = upsertOf(ops(name)[0]);
    assert.deepEqual([row.booking_uid, row.metadata], ["Qe5vWm7Rk2Ls9Pa4Dt6Yh1", null]);
  }
});

Deno.test("a payment not made yet leaves the booking pending whatever the payload claims", () => {
  assert.equal(upsertOf(ops("BOOKING_PAYMENT_INITIATED")[0]).status, "PENDING");
});

Deno.test("a paid booking is accepted unless its event type requires confirmation", () => {
  assert.equal(upsertOf(ops("BOOKING_PAID")[0]).status, "ACCEPTED");
  const confirm = ops("BOOKING_PAID", (b) => payloadOf(b).requiresConfirmation = true);
  assert.equal(upsertOf(confirm[0]).status, "PENDING");
});

Deno.test("BOOKING_NO_SHOW_UPDATED maps to attendee absence facts", () => {
  assert.deepEqual(ops("BOOKING_NO_SHOW_UPDATED"), [{
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { attendeeAbsences: [{ email: "sam@example.org", absent: true }], absentHost: null },
  }]);
});

Deno.test("BOOKING_NO_SHOW_UPDATED takes a host flag where the payload has one", () => {
  const [op] = ops("BOOKING_NO_SHOW_UPDATED", (b) => {
    payloadOf(b).attendees = [];
    payloadOf(b).noShowHost = true;
  });
  assert.deepEqual(op, {
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { attendeeAbsences: null, absentHost: true },
  });
});

Deno.test("a flattened MEETING_ENDED upserts the booking at its updatedAt and records the end", () => {
  const [op, facts] = ops("MEETING_ENDED");
  const row = upsertOf(op);
  assert.deepEqual(
    [
      row.booking_id,
      row.status,
      row.source_updated_at,
      row.calcom_created_at,
      row.absent_host,
      row.organizer_id,
    ],
    [48213, "ACCEPTED", "2025-03-01T09:12:46.901Z", "2025-03-01T09:12:44.120Z", false, 512],
  );
  assert.deepEqual(row.attendees, [
    {
      name: "Sam Guest",
      email: "sam@example.org",
      timeZone: "America/New_York",
      language: "en",
      phoneNumber: null,
      absent: false,
    },
  ]);
  assert.equal(row.meeting_url, "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb");
  assert.equal(row.organizer_email, "dana@example.com");
  assert.deepEqual(facts, {
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { meetingEndedAt: "2025-03-10T14:30:00.000Z" },
  });
});

Deno.test("a flattened MEETING_STARTED records the scheduled start", () => {
  assert.deepEqual(ops("MEETING_STARTED")[1], {
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { meetingStartedAt: "2025-03-10T14:00:00.000Z" },
  });
});

Deno.test("a nested MEETING_STARTED reads the payload and records the delivery time as the start", () => {
  const [op, facts] = ops("MEETING_STARTED.nested");
  const row = upsertOf(op);
  assert.deepEqual([row.booking_id, row.source_updated_at, row.calcom_created_at], [
    48213,
    "2025-03-01T09:12:46.901Z",
    null,
  ]);
  assert.deepEqual(facts, {
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { meetingStartedAt: "2025-03-10T14:00:31.000Z" },
  });
});

Deno.test("a meeting booking without any id fails with a payload error", () => {
  assert.throws(
    () => mapWebhookEvent({ ...webhookFixture("MEETING_ENDED"), id: undefined }),
    /Invalid MEETING_ENDED booking: \(root\): Booking id is missing/,
  );
});

Deno.test("recording triggers map to recording link facts", () => {
  assert.deepEqual(ops("RECORDING_READY"), [{
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    facts: { recordingLinks: { recording: "https://app.cal.com/api/video/recording?token=rec-token-1" } },
  }]);
  const [op] = ops("RECORDING_TRANSCRIPTION_GENERATED");
  const links = (op as Extract<BookingOp, { kind: "facts" }>).facts.recordingLinks!;
  assert.equal(links.recording, "https://app.cal.com/api/video/recording?token=rec-token-1");
  assert.equal((links.transcription as unknown[]).length, 4);
});

Deno.test("Cal Video no-show automations map to host and guest absence facts", () => {
  assert.deepEqual(ops("AFTER_HOSTS_CAL_VIDEO_NO_SHOW"), [{
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    bookingId: 48213,
    facts: {
      hostAbsence: { email: "dana@example.com" },
      attendeeAbsences: [{ email: "dana@example.com", absent: true }],
      exceptOrganizer: true,
    },
  }]);
  assert.deepEqual(ops("AFTER_GUESTS_CAL_VIDEO_NO_SHOW"), [{
    kind: "facts",
    uid: "k3QmZ8pTqR2vYw1nLx7cAb",
    bookingId: 48213,
    facts: { attendeeAbsences: [{ email: "sam@example.org", absent: true }], exceptOrganizer: true },
  }]);
});

Deno.test("triggers that describe no booking are ignored", () => {
  for (const name of ["FORM_SUBMITTED", "INSTANT_MEETING", "OOO_CREATED", "PING"] as const) {
    assert.deepEqual(mapWebhookEvent(webhookFixture(name)), { kind: "ignored", trigger: name });
  }
});

Deno.test("a trigger this code does not know is reported as unknown", () => {
  assert.deepEqual(mapWebhookEvent({ triggerEvent: "BOOKING_TELEPORTED", payload: {} }), {
    kind: "unknown",
    trigger: "BOOKING_TELEPORTED",
  });
});

Deno.test("a body without a trigger fails with a payload error", () => {
  assert.throws(() => mapWebhookEvent({ payload: {} }), WebhookPayloadError);
  assert.throws(() => mapWebhookEvent([1, 2]), /Invalid webhook body/);
});

Deno.test("a booking payload with a bad time names the field, not the value", () => {
  const body = webhookFixture("BOOKING_CREATED");
  payloadOf(body).startTime = "next tuesday";
  assert.throws(() => mapWebhookEvent(body), (err: Error) => {
    assert.ok(err instanceof WebhookPayloadError);
    assert.match(err.message, /^Invalid BOOKING_CREATED payload: startTime: /);
    assert.doesNotMatch(err.message, /tuesday/);
    return true;
  });
});

Deno.test("a booking trigger without its delivery time fails with a payload error", () => {
  const body = webhookFixture("BOOKING_CREATED");
  delete body.createdAt;
  assert.throws(() => mapWebhookEvent(body), /Invalid BOOKING_CREATED createdAt/);
});

Deno.test("describeWebhookBody reads the trigger and uid of every shape without validating", () => {
  assert.deepEqual(describeWebhookBody(webhookFixture("BOOKING_CREATED")), {
    trigger: "BOOKING_CREATED",
    bookingUid: "k3QmZ8pTqR2vYw1nLx7cAb",
  });
  assert.deepEqual(describeWebhookBody(webhookFixture("MEETING_ENDED")), {
    trigger: "MEETING_ENDED",
    bookingUid: "k3QmZ8pTqR2vYw1nLx7cAb",
  });
  assert.deepEqual(
    describeWebhookBody(webhookFixture("BOOKING_NO_SHOW_UPDATED")).bookingUid,
    "k3QmZ8pTqR2vYw1nLx7cAb",
  );
  assert.deepEqual(describeWebhookBody("text"), { trigger: null, bookingUid: null });
  assert.deepEqual(describeWebhookBody(null), { trigger: null, bookingUid: null });
});

Deno.test("a booking payload with seatsPerTimeSlot maps to seat changes, never to the attendee list", () => {
  const seated = (body: Record<string, unknown>) => {
    (body.payload as Record<string, unknown>).seatsPerTimeSlot = 5;
  };
  const [cancel] = ops("BOOKING_CANCELLED", seated) as Extract<BookingOp, { kind: "seats" }>[];
  assert.equal(cancel.kind, "seats");
  assert.deepEqual([cancel.change.add, cancel.change.remove], [[], ["sam@example.org"]]);
  assert.deepEqual(cancel.change.cancelWhenEmptied, { cancellationReason: "Travel plans changed" });

  const [add] = ops("BOOKING_CREATED", seated) as Extract<BookingOp, { kind: "seats" }>[];
  assert.deepEqual(add.change.add.map((a) => a.email), ["sam@example.org", "pat@example.org"]);
  assert.equal(add.change.insertRow?.source_updated_at, "1970-01-01T00:00:00.000Z");

  const moved = ops("BOOKING_RESCHEDULED", (body) => {
    seated(body);
    const payload = body.payload as Record<string, unknown>;
    payload.rescheduleUid = "seat-3be561a9";
    delete payload.rescheduleId;
  }) as Extract<BookingOp, { kind: "seats" }>[];
  assert.deepEqual(moved.map((op) => [op.change.uid, op.change.add.length, op.change.remove]), [
    ["Zr8TnB2mQ4yKc6wPx1LdVe", 1, []],
    ["Zr8TnB2mQ4yKc6wPx1LdVe", 0, ["sam@example.org"]],
  ]);
  assert.deepEqual(moved[1].change.locate, {
    uid: "seat-3be561a9",
    eventTypeId: 9001,
    startTime: "2025-03-10T14:00:00.000Z",
    exceptUid: "Zr8TnB2mQ4yKc6wPx1LdVe",
  });
  assert.ok(!JSON.stringify(moved).includes('"kind":"status"'));
});
