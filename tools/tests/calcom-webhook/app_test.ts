import assert from "node:assert/strict";
import type postgres from "postgres";
import { signCalBody } from "../../../supabase/functions/calcom-webhook/cal_signature.ts";
import {
  WEBHOOK_FIXTURES,
  webhookFixture,
  type WebhookFixtureName,
} from "../../testing/fixtures/webhooks/mod.ts";
import { createApp } from "../../../supabase/functions/calcom-webhook/app.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";

type Row = postgres.Row;

/** Cal.com's serialisation: `JSON.stringify` without spaces. */
function serialise(body: unknown): string {
  return JSON.stringify(body);
}

async function events(env: TestStack, connectionId: string): Promise<Row[]> {
  return await env.db.sql`
    select * from public.calcom_webhook_events where calcom_connection_id = ${connectionId}
    order by received_at, created_at`;
}

async function bookings(env: TestStack, connectionId: string): Promise<Row[]> {
  const rows = await env.db.sql`
    select *, xmin::text as version from public.calcom_bookings where calcom_connection_id = ${connectionId}
    order by booking_uid collate "C"`;
  // the test pool reads int8 as strings; the functions' pool reads them as numbers
  return rows.map((r) => ({ ...r, booking_id: Number(r.booking_id) }));
}

async function booking(env: TestStack, connectionId: string, uid: string): Promise<Row | undefined> {
  return (await bookings(env, connectionId)).find((b) => b.booking_uid === uid);
}

const A_UID = "k3QmZ8pTqR2vYw1nLx7cAb";

interface FixtureCase {
  /** Fixtures delivered first (the booking a fact is about). */
  before?: WebhookFixtureName[];
  processed: boolean;
  check(rows: Row[]): void;
}

function only(rows: Row[], uid: string): Row {
  const row = rows.find((r) => r.booking_uid === uid);
  assert.ok(row, `booking ${uid} is mirrored`);
  return row;
}

const CASES: Record<WebhookFixtureName, FixtureCase> = {
  BOOKING_LOCATION_UPDATED: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      // meeting_url stays: the payload gives none, and a column not given keeps its value
      assert.deepEqual([b.status, b.location], ["ACCEPTED", "Friedrichstraße 123, 10117 Berlin"]);
    },
  },
  BOOKING_REASSIGNED: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      assert.deepEqual([Number(b.organizer_id), b.organizer_email], [513, "lee@example.com"]);
    },
  },
  BOOKING_CREATED: {
    processed: true,
    check(rows) {
      assert.equal(rows.length, 1);
      const b = only(rows, A_UID);
      assert.deepEqual(
        [
          b.status,
          b.booking_id,
          b.start_time.toISOString(),
          b.source_updated_at.toISOString(),
          b.meeting_url,
        ],
        [
          "ACCEPTED",
          48213,
          "2025-03-10T14:00:00.000Z",
          "2025-03-01T09:12:47.005Z",
          "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
        ],
      );
    },
  },
  BOOKING_REQUESTED: {
    processed: true,
    check: (rows) => assert.equal(only(rows, "P9cd2Lq0XwE7hVb3sNn1Ta").status, "PENDING"),
  },
  BOOKING_RESCHEDULED: {
    processed: true,
    check(rows) {
      assert.equal(rows.length, 2);
      const next = only(rows, "Zr8TnB2mQ4yKc6wPx1LdVe");
      const old = only(rows, A_UID);
      assert.deepEqual([next.status, next.rescheduled_from_uid], ["ACCEPTED", A_UID]);
      assert.deepEqual([old.status, old.rescheduled_to_uid, old.booking_id, old.start_time.toISOString()], [
        "CANCELLED",
        "Zr8TnB2mQ4yKc6wPx1LdVe",
        48213,
        "2025-03-10T14:00:00.000Z",
      ]);
    },
  },
  BOOKING_CANCELLED: {
    processed: true,
    check(rows) {
      const b = only(rows, "Zr8TnB2mQ4yKc6wPx1LdVe");
      assert.deepEqual([b.status, b.cancellation_reason, b.end_time.toISOString()], [
        "CANCELLED",
        "Travel plans changed",
        "2025-03-11T15:30:00.000Z",
      ]);
    },
  },
  BOOKING_REJECTED: {
    processed: true,
    check(rows) {
      const b = only(rows, "P9cd2Lq0XwE7hVb3sNn1Ta");
      assert.deepEqual([b.status, b.rejection_reason], ["REJECTED", "Not available"]);
    },
  },
  BOOKING_PAID: {
    processed: true,
    check: (rows) => assert.equal(only(rows, "Qe5vWm7Rk2Ls9Pa4Dt6Yh1").status, "ACCEPTED"),
  },
  BOOKING_PAYMENT_INITIATED: {
    processed: true,
    check(rows) {
      const b = only(rows, "Qe5vWm7Rk2Ls9Pa4Dt6Yh1");
      assert.deepEqual([b.status, b.metadata], ["PENDING", {}]);
    },
  },
  BOOKING_NO_SHOW_UPDATED: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      assert.deepEqual(b.attendees.map((a: Row) => [a.email, a.absent]), [
        ["sam@example.org", true],
        ["pat@example.org", undefined],
      ]);
      assert.equal(b.source_updated_at.toISOString(), "2025-03-01T09:12:47.005Z");
    },
  },
  MEETING_STARTED: {
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      assert.equal(b.meeting_started_at.toISOString(), "2025-03-10T14:00:00.000Z");
      assert.equal(b.source_updated_at.toISOString(), "2025-03-01T09:12:46.901Z");
    },
  },
  "MEETING_STARTED.nested": {
    before: ["BOOKING_CREATED"],
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      assert.equal(b.meeting_started_at.toISOString(), "2025-03-10T14:00:31.000Z");
      // the booking state it carries is older than the BOOKING_CREATED delivery: the row keeps that one
      assert.equal(b.source_updated_at.toISOString(), "2025-03-01T09:12:47.005Z");
    },
  },
  MEETING_ENDED: {
    processed: true,
    check(rows) {
      const b = only(rows, A_UID);
      assert.equal(b.meeting_ended_at.toISOString(), "2025-03-10T14:30:00.000Z");
      assert.equal(b.absent_host, false);
    },
  },
  RECORDING_READY: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check: (rows) =>
      assert.deepEqual(only(rows, A_UID).recording_links, {
        recording: "https://app.cal.com/api/video/recording?token=rec-token-1",
      }),
  },
  RECORDING_TRANSCRIPTION_GENERATED: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check: (rows) => assert.equal(only(rows, A_UID).recording_links.transcription.length, 4),
  },
  AFTER_HOSTS_CAL_VIDEO_NO_SHOW: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check: (rows) => assert.equal(only(rows, A_UID).absent_host, true),
  },
  AFTER_GUESTS_CAL_VIDEO_NO_SHOW: {
    before: ["BOOKING_CREATED"],
    processed: true,
    check: (rows) => assert.equal(only(rows, A_UID).attendees[0].absent, true),
  },
  FORM_SUBMITTED: { processed: true, check: (rows) => assert.equal(rows.length, 0) },
  INSTANT_MEETING: { processed: true, check: (rows) => assert.equal(rows.length, 0) },
  OOO_CREATED: { processed: true, check: (rows) => assert.equal(rows.length, 0) },
  PING: { processed: true, check: (rows) => assert.equal(rows.length, 0) },
};

/** A BOOKING_RESCHEDULED body moving `from` to `to` at `createdAt`. */
function reschedule(from: { uid: string; id: number }, to: { uid: string; id: number }, createdAt: string) {
  const body = webhookFixture("BOOKING_RESCHEDULED");
  body.createdAt = createdAt;
  Object.assign(body.payload as Row, {
    uid: to.uid,
    bookingId: to.id,
    rescheduleUid: from.uid,
    rescheduleId: from.id,
    metadata: { videoCallUrl: `https://app.cal.com/video/${to.uid}` },
  });
  return body;
}

/** The BOOKING_CREATED fixture turned into the cancellation of the same booking at `createdAt`. */
function cancelOfCreated(createdAt: string) {
  const body = webhookFixture("BOOKING_CREATED");
  body.triggerEvent = "BOOKING_CANCELLED";
  body.createdAt = createdAt;
  Object.assign(body.payload as Row, { status: "CANCELLED", cancellationReason: "Sick" });
  return body;
}

Deno.test("calcom-webhook deliveries", async (t) => {
  await using env = await startTestStack({ apps: { webhook: { unverifiedPerHour: 5 } }, sandbox: false });

  async function deliverFixture(connectionId: string, secret: string, name: WebhookFixtureName) {
    const body = webhookFixture(name);
    return await env.deliver(connectionId, serialise(body), { secret });
  }

  for (const name of WEBHOOK_FIXTURES) {
    await t.step(`a signed ${name} delivery is logged, applied and acknowledged`, async () => {
      const { connectionId, webhookSecret } = await env.connection();
      const c = CASES[name];
      for (const before of c.before ?? []) {
        assert.equal((await deliverFixture(connectionId, webhookSecret, before)).status, 200);
      }
      const res = await deliverFixture(connectionId, webhookSecret, name);
      assert.equal(res.status, 200);
      const body = await res.json();
      const trigger = name.split(".")[0];
      assert.deepEqual({ ...body, eventId: typeof body.eventId }, {
        received: true,
        processed: c.processed,
        event: trigger,
        eventId: "string",
      });
      const logged = (await events(env, connectionId)).at(-1)!;
      assert.deepEqual(
        [
          logged.id,
          logged.trigger_event,
          logged.verified,
          logged.processed,
          logged.error_message,
          logged.raw_body,
        ],
        [body.eventId, trigger, true, c.processed, null, null],
      );
      assert.equal(logged.payload.triggerEvent, trigger);
      assert.match(logged.dedupe_key, /^[0-9a-f]{64}$/);
      assert.ok(logged.processed_at instanceof Date);
      c.check(await bookings(env, connectionId));
    });
  }

  await t.step("a duplicate delivery is acknowledged as a duplicate and not applied again", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = serialise(webhookFixture("BOOKING_CREATED"));
    const first = await (await env.deliver(connectionId, body, { secret: webhookSecret })).json();
    const before = await booking(env, connectionId, A_UID);
    const res = await env.deliver(connectionId, body, { secret: webhookSecret });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      received: true,
      processed: true,
      event: "BOOKING_CREATED",
      eventId: first.eventId,
      duplicate: true,
    });
    assert.equal((await events(env, connectionId)).length, 1);
    assert.equal((await booking(env, connectionId, A_UID))?.version, before?.version);
  });

  await t.step("50 concurrent deliveries of the same event make one event, applied once", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = serialise(webhookFixture("BOOKING_RESCHEDULED"));
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => env.deliver(connectionId, body, { secret: webhookSecret })),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    assert.deepEqual(responses.map((r) => r.status), Array(50).fill(200));
    const firsts = bodies.filter((b) => !b.duplicate);
    assert.equal(firsts.length, 1);
    assert.ok(bodies.every((b) => b.received && b.eventId === firsts[0].eventId));
    const logged = await events(env, connectionId);
    assert.deepEqual(logged.map((e) => [e.processed, e.attempts]), [[true, 1]]);
    const rows = await bookings(env, connectionId);
    assert.deepEqual(rows.map((r) => [r.booking_uid, r.status]), [
      ["Zr8TnB2mQ4yKc6wPx1LdVe", "ACCEPTED"],
      [A_UID, "CANCELLED"],
    ]);
  });

  await t.step("a cancellation that arrives before its creation leaves the booking cancelled", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const cancel = await env.deliver(connectionId, serialise(cancelOfCreated("2025-03-05T08:00:00.900Z")), {
      secret: webhookSecret,
    });
    assert.deepEqual((await cancel.json()).processed, true);
    const create = await env.deliver(connectionId, serialise(webhookFixture("BOOKING_CREATED")), {
      secret: webhookSecret,
    });
    assert.equal(create.status, 200);
    assert.equal((await create.json()).processed, true);
    const b = await booking(env, connectionId, A_UID);
    assert.deepEqual([b?.status, b?.cancellation_reason, b?.source_updated_at.toISOString()], [
      "CANCELLED",
      "Sick",
      "2025-03-05T08:00:00.900Z",
    ]);
    assert.deepEqual((await events(env, connectionId)).map((e) => e.processed), [true, true]);
  });

  await t.step(
    "an older RESCHEDULED arriving after a newer CANCELLED keeps the booking cancelled",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      for (const name of ["BOOKING_CANCELLED", "BOOKING_RESCHEDULED"] as const) {
        assert.equal((await deliverFixture(connectionId, webhookSecret, name)).status, 200);
      }
      const next = await booking(env, connectionId, "Zr8TnB2mQ4yKc6wPx1LdVe");
      assert.deepEqual(
        [
          next?.status,
          next?.cancellation_reason,
          next?.rescheduled_from_uid,
          next?.source_updated_at.toISOString(),
        ],
        ["CANCELLED", "Travel plans changed", A_UID, "2025-03-05T08:00:00.900Z"],
      );
      const old = await booking(env, connectionId, A_UID);
      assert.deepEqual([old?.status, old?.rescheduled_to_uid], ["CANCELLED", "Zr8TnB2mQ4yKc6wPx1LdVe"]);
    },
  );

  await t.step("a reschedule chain A→B→C ends with A and B cancelled and linked, in any order", async () => {
    const a = { uid: "chain-a", id: 1 };
    const b = { uid: "chain-b", id: 2 };
    const c = { uid: "chain-c", id: 3 };
    const ab = serialise(reschedule(a, b, "2025-03-04T10:00:00.000Z"));
    const bc = serialise(reschedule(b, c, "2025-03-04T11:00:00.000Z"));
    for (const order of [[ab, bc], [bc, ab]]) {
      const { connectionId, webhookSecret } = await env.connection();
      for (const body of order) {
        assert.equal((await env.deliver(connectionId, body, { secret: webhookSecret })).status, 200);
      }
      const rows = await bookings(env, connectionId);
      assert.deepEqual(
        rows.map((
          r,
        ) => [r.booking_uid, r.booking_id, r.status, r.rescheduled_from_uid, r.rescheduled_to_uid]),
        [
          ["chain-a", 1, "CANCELLED", null, "chain-b"],
          ["chain-b", 2, "CANCELLED", "chain-a", "chain-c"],
          ["chain-c", 3, "ACCEPTED", "chain-b", null],
        ],
      );
    }
  });

  await t.step("a webhook for one connection never touches another connection's rows", async () => {
    const user = await env.connection();
    const other = await env.connection({ userId: user.userId });
    await deliverFixture(user.connectionId, user.webhookSecret, "BOOKING_CREATED");
    await deliverFixture(other.connectionId, other.webhookSecret, "BOOKING_CREATED");
    const before = await booking(env, other.connectionId, A_UID);
    await env.deliver(user.connectionId, serialise(cancelOfCreated("2025-03-05T08:00:00.900Z")), {
      secret: user.webhookSecret,
    });
    assert.equal((await booking(env, user.connectionId, A_UID))?.status, "CANCELLED");
    const after = await booking(env, other.connectionId, A_UID);
    assert.deepEqual([after?.status, after?.version], ["ACCEPTED", before?.version]);
  });

  async function assertRejected(
    res: Response,
    connectionId: string,
    reason: string,
    message: RegExp,
  ) {
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.deepEqual({ ...body, error: { ...body.error, message: undefined } }, {
      success: false,
      error: { code: "unauthorized", message: undefined, details: { reason } },
    });
    assert.match(body.error.message, message);
    const logged = await events(env, connectionId);
    assert.deepEqual(
      logged.map((e) => [e.verified, e.verification_error, e.processed, e.payload, e.raw_body, e.dedupe_key]),
      [[false, reason, false, null, null, null]],
    );
    assert.equal((await bookings(env, connectionId)).length, 0);
  }

  await t.step("a tampered body is rejected with 401, logged unverified and never processed", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = serialise(webhookFixture("BOOKING_CREATED"));
    const signature = signCalBody(webhookSecret, body);
    const res = await env.deliver(connectionId, body.replace("Sam Guest", "Eve Guest"), { signature });
    await assertRejected(res, connectionId, "signature_mismatch", /^Invalid webhook signature$/);
  });

  await t.step("a body re-serialised with different whitespace is rejected", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = webhookFixture("BOOKING_CREATED");
    const signature = signCalBody(webhookSecret, serialise(body));
    const res = await env.deliver(connectionId, JSON.stringify(body, null, 2), { signature });
    await assertRejected(res, connectionId, "signature_mismatch", /^Invalid webhook signature$/);
  });

  await t.step("a delivery without a signature header is rejected", async () => {
    const { connectionId } = await env.connection();
    const res = await env.deliver(connectionId, serialise(webhookFixture("BOOKING_CREATED")), {
      signature: null,
    });
    await assertRejected(res, connectionId, "missing_signature", /Missing X-Cal-Signature-256/);
  });

  await t.step("a delivery signed with no-secret-provided is rejected", async () => {
    const { connectionId } = await env.connection();
    const res = await env.deliver(connectionId, serialise(webhookFixture("BOOKING_CREATED")), {
      signature: "no-secret-provided",
    });
    await assertRejected(res, connectionId, "no_secret_provided", /without a secret/);
  });

  await t.step(
    "another tenant's connection id with a signature made with a different secret is rejected",
    async () => {
      const mine = await env.connection();
      const theirs = await env.connection();
      const body = serialise(webhookFixture("BOOKING_CREATED"));
      const res = await env.deliver(theirs.connectionId, body, { secret: mine.webhookSecret });
      await assertRejected(res, theirs.connectionId, "signature_mismatch", /Invalid webhook signature/);
      assert.equal((await events(env, mine.connectionId)).length, 0);
      assert.equal((await bookings(env, mine.connectionId)).length, 0);
    },
  );

  await t.step("a flood of unverified deliveries logs at most the hourly bound", async () => {
    const { connectionId } = await env.connection();
    const body = serialise(webhookFixture("PING"));
    for (let i = 0; i < 12; i++) {
      const res = await env.deliver(connectionId, `${body} `.repeat(1 + (i % 3)), { secret: "guess" });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const count = async () =>
      (await env.db.sql`
        select count(*)::int as n from public.calcom_webhook_events
        where calcom_connection_id = ${connectionId} and not verified`)[0].n;
    assert.equal(await count(), 5);
    env.advanceClock(61 * 60 * 1000);
    const res = await env.deliver(connectionId, body, { secret: "guess" });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    assert.equal(await count(), 6);
  });

  await t.step("an unknown trigger is acknowledged, logged with its error and left unprocessed", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = serialise({
      triggerEvent: "BOOKING_TELEPORTED",
      createdAt: "2025-03-01T00:00:00.000Z",
      payload: {},
    });
    const res = await env.deliver(connectionId, body, { secret: webhookSecret });
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.deepEqual({ ...answer, eventId: undefined }, {
      received: true,
      processed: false,
      event: "BOOKING_TELEPORTED",
      eventId: undefined,
    });
    const [logged] = await events(env, connectionId);
    assert.deepEqual([logged.verified, logged.processed, logged.trigger_event, logged.processed_at], [
      true,
      false,
      "BOOKING_TELEPORTED",
      null,
    ]);
    assert.match(logged.error_message, /^Unknown trigger BOOKING_TELEPORTED/);
    assert.deepEqual(logged.payload, JSON.parse(body));
  });

  await t.step("a signed body that is not JSON is acknowledged and kept raw for a replay", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const res = await env.deliver(connectionId, "triggerEvent=BOOKING_CREATED&uid=1", {
      secret: webhookSecret,
    });
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.deepEqual([answer.received, answer.processed, answer.event], [true, false, null]);
    const [logged] = await events(env, connectionId);
    assert.deepEqual(
      [logged.verified, logged.processed, logged.payload, logged.raw_body, logged.error_message],
      [true, false, null, "triggerEvent=BOOKING_CREATED&uid=1", "Body is not valid JSON"],
    );
  });

  await t.step(
    "a payload that fails its schema is acknowledged and stays in the log with the error",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      const body = webhookFixture("BOOKING_CREATED");
      (body.payload as Row).endTime = "soon";
      const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).processed, false);
      const [logged] = await events(env, connectionId);
      assert.deepEqual([logged.processed, logged.booking_uid], [false, A_UID]);
      assert.match(logged.error_message, /^Booking set aside: Invalid BOOKING_CREATED payload: endTime: /);
      assert.equal((await bookings(env, connectionId)).length, 0);
    },
  );

  await t.step(
    "a reschedule whose old booking cannot be stored writes neither booking and keeps the event",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      const body = webhookFixture("BOOKING_RESCHEDULED");
      // the old booking ends before it starts: the event is set aside before either booking is written
      (body.payload as Row).rescheduleEndTime = "2025-03-10T13:00:00Z";
      const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).processed, false);
      const [logged] = await events(env, connectionId);
      assert.equal(logged.processed, false);
      assert.match(logged.error_message, /^Booking set aside: end_time .* is before start_time/);
      assert.equal((await bookings(env, connectionId)).length, 0);
    },
  );

  await t.step(
    "a new booking that cannot be stored is not written, and its event is kept unprocessed",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      const body = webhookFixture("BOOKING_CREATED");
      // the table's check would refuse it: set aside before the write
      (body.payload as Row).endTime = "2025-03-10T13:00:00.000Z";
      const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
      assert.equal(res.status, 200);
      const answer = await res.json();
      assert.deepEqual([answer.processed, typeof answer.eventId], [false, "string"]);
      const logged = await events(env, connectionId);
      assert.equal(logged.length, 1);
      assert.deepEqual(
        [logged[0].id, logged[0].processed, logged[0].processed_at, logged[0].booking_uid],
        [answer.eventId, false, null, A_UID],
      );
      assert.match(logged[0].error_message, /^Booking set aside: end_time .* is before start_time/);
      assert.equal((await bookings(env, connectionId)).length, 0);
      // the same delivery again is a duplicate of the unprocessed event: it waits for a replay
      const again = await (await env.deliver(connectionId, serialise(body), { secret: webhookSecret }))
        .json();
      assert.deepEqual([again.duplicate, again.processed, again.eventId], [true, false, answer.eventId]);
    },
  );

  await t.step("a text with a NUL or half an emoji is stored instead of failing the delivery", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = webhookFixture("BOOKING_CREATED");
    (body.payload as Row).title = "Call \u0000 about 🎉".slice(0, -1);
    const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).processed, true);
    assert.equal((await booking(env, connectionId, A_UID))?.title, "Call \ufffd about \ufffd");
  });

  await t.step("a NUL in the trigger is acknowledged and logged, unprocessed, without the NUL", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = webhookFixture("BOOKING_CREATED");
    body.triggerEvent = "BOOKING_\u0000CREATED";
    const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
    assert.equal(res.status, 200);
    const receipt = await res.json();
    assert.deepEqual([receipt.received, receipt.processed, receipt.event], [
      true,
      false,
      "BOOKING_\ufffdCREATED",
    ]);
    const [logged] = await events(env, connectionId);
    assert.deepEqual([logged.id, logged.trigger_event, logged.verified, logged.processed], [
      receipt.eventId,
      "BOOKING_\ufffdCREATED",
      true,
      false,
    ]);
    assert.match(logged.error_message, /^Unknown trigger BOOKING_\ufffdCREATED/);
    assert.equal((await bookings(env, connectionId)).length, 0);
  });

  await t.step("a NUL in the booking uid is acknowledged and stored with U+FFFD instead", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const body = webhookFixture("BOOKING_CREATED");
    (body.payload as Row).uid = "k3Qm\u0000Z8";
    const res = await env.deliver(connectionId, serialise(body), { secret: webhookSecret });
    assert.equal(res.status, 200);
    const receipt = await res.json();
    assert.deepEqual([receipt.processed, receipt.event], [true, "BOOKING_CREATED"]);
    const [logged] = await events(env, connectionId);
    assert.deepEqual([logged.id, logged.booking_uid, logged.processed], [
      receipt.eventId,
      "k3Qm\ufffdZ8",
      true,
    ]);
    assert.deepEqual((await bookings(env, connectionId)).map((b) => b.booking_uid), ["k3Qm\ufffdZ8"]);
  });

  await t.step("a body over 1 MB is rejected with 413 and nothing is stored", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const big = serialise({ triggerEvent: "PING", pad: "x".repeat(1024 * 1024) });
    const res = await env.deliver(connectionId, big, { secret: webhookSecret });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, "payload_too_large");
    const streamed = await fetch(env.webhookUrl(connectionId), {
      method: "POST",
      headers: { "x-cal-signature-256": signCalBody(webhookSecret, big) },
      body: new Blob([big]).stream(),
    });
    assert.equal(streamed.status, 413);
    assert.equal((await streamed.json()).error.code, "payload_too_large");
    assert.equal((await events(env, connectionId)).length, 0);
  });

  await t.step("an unknown or malformed connection id is a 404 and nothing is stored", async () => {
    const count = async () =>
      (await env.db.sql`select count(*)::int as n from public.calcom_webhook_events`)[0].n;
    const before = await count();
    const body = serialise(webhookFixture("BOOKING_CREATED"));
    for (const id of [crypto.randomUUID(), "not-a-uuid", "1; drop table x"]) {
      const res = await env.deliver(encodeURIComponent(id), body, { secret: "s" });
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), {
        success: false,
        error: { code: "not_found", message: "No Cal.com connection with this id" },
      });
    }
    assert.equal(await count(), before);
  });

  await t.step("a connection whose secret cannot be decrypted answers 500 without processing", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    await env.db.sql`
      update public.calcom_connections set webhook_secret_encrypted = 'v1.00000000.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'
      where id = ${connectionId}`;
    const res = await env.deliver(connectionId, serialise(webhookFixture("BOOKING_CREATED")), {
      secret: webhookSecret,
    });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      success: false,
      error: {
        code: "internal_error",
        message: "Cannot verify the webhook signature: the connection's secret cannot be decrypted",
      },
    });
    const [logged] = await events(env, connectionId);
    assert.deepEqual([logged.verified, logged.verification_error], [false, "secret_unavailable"]);
  });

  await t.step("the function's logs never contain a webhook secret or a signature", () => {
    const text = env.logs.join("\n");
    assert.ok(env.logs.length > 0);
    assert.doesNotMatch(text, /whsec_/);
    assert.doesNotMatch(text, /[0-9a-f]{64}/);
  });
});

Deno.test("the app handles a signed delivery in-process exactly as over HTTP", async () => {
  await using env = await startTestStack({ apps: { webhook: true }, sandbox: false });
  const app = createApp(env.deps);
  const { connectionId, webhookSecret } = await env.connection();
  const body = serialise(webhookFixture("BOOKING_REJECTED"));
  const res = await app.request(`/calcom-webhook/${connectionId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-cal-signature-256": signCalBody(webhookSecret, body),
    },
    body,
  });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).processed, true);
  assert.equal((await booking(env, connectionId, "P9cd2Lq0XwE7hVb3sNn1Ta"))?.status, "REJECTED");
  const unsigned = await app.request(`/calcom-webhook/${connectionId}`, { method: "POST", body });
  assert.equal(unsigned.status, 401);
  assert.equal((await unsigned.json()).error.details.reason, "missing_signature");
});
