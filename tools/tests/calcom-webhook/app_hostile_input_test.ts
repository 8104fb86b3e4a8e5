/**
 * Hostile input over real HTTP, as fast-check properties: a correctly signed delivery, however malformed
 * its body, is acknowledged with 200 JSON (Cal.com disables a webhook after three non-2xx answers) and
 * never half-applied; every other bad request gets its 4xx with the JSON error envelope, never a 500, and
 * stores no verified event. The named requests run first, then generated ones.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { BOOKING_STATUSES } from "../../../supabase/functions/_shared/bookings/booking_row.ts";
import {
  anyString,
  assertAllRefused,
  badAuthorization,
  headerText,
  type HostileRequest,
  jsonValue,
  jsonValueNot,
  nonObjectJson,
  notJson,
  notUuid,
  propertyParameters,
  sendHostileRequest,
} from "../../testing/hostile_request.ts";
import { signTestJwt } from "../../testing/jwt.ts";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { NO_WEBHOOK_QUOTA, startTestStack } from "../../testing/test_stack.ts";

function created(change: (body: Record<string, unknown>, payload: Record<string, unknown>) => void): string {
  const body = webhookFixture("BOOKING_CREATED");
  change(body, body.payload as Record<string, unknown>);
  return JSON.stringify(body);
}

/** A string that no date-time parser reads as one: it has no digit. */
const notDate = anyString.filter((s) => !/\d/.test(s));

/** A path segment that is not a uuid (and not `.` or `..`, which the URL would resolve away). */
const notUuidSegment = notUuid.filter((s) => s !== "" && s !== "." && s !== "..").map(encodeURIComponent);

/** A signed body and whether the function can apply it. */
interface SignedBody {
  name: string;
  body: string;
  processed: boolean;
}

function nested(depth: number): string {
  return `{"triggerEvent":"PING","createdAt":"2025-03-01T09:12:47.005Z","payload":{"deep":${
    "[".repeat(depth)
  }${"]".repeat(depth)}}}`;
}

Deno.test("calcom-webhook acknowledges every signed hostile body and refuses the rest with JSON", async (t) => {
  // Thousands of signed bodies to one connection: the quota (tested in webhook_quota_test.ts) would defer
  // most of them, and this test is about every body being acknowledged and stored safely.
  await using env = await startTestStack({
    apps: { webhook: { quota: NO_WEBHOOK_QUOTA } },
    sandbox: false,
  });
  const conn = await env.connection();
  const other = await env.connection();

  const signed: SignedBody[] = [
    { name: "null", body: "null", processed: false },
    { name: "an array", body: "[]", processed: false },
    { name: "a number", body: "123", processed: false },
    { name: "a string", body: '"BOOKING_CREATED"', processed: false },
    { name: "an empty object", body: "{}", processed: false },
    { name: "an empty body", body: "", processed: false },
    { name: "a numeric trigger", body: '{"triggerEvent":5,"payload":{}}', processed: false },
    { name: "a null payload", body: created((b) => (b.payload = null)), processed: false },
    { name: "an array payload", body: created((b) => (b.payload = [])), processed: false },
    { name: "a booking id beyond int8", body: created((_, p) => (p.bookingId = 1e20)), processed: false },
    { name: "a string booking id", body: created((_, p) => (p.bookingId = "12")), processed: false },
    {
      name: "a start in year zero",
      body: created((_, p) => (p.startTime = "0000-01-01T00:00:00Z")),
      processed: false,
    },
    {
      name: "an end before the start",
      body: created((_, p) => (p.endTime = "2025-03-10T13:00:00Z")),
      processed: false,
    },
    {
      name: "attendees that are not a list",
      body: created((_, p) => (p.attendees = { a: 1 })),
      processed: false,
    },
    { name: "an unknown status", body: created((_, p) => (p.status = "MAYBE")), processed: false },
    { name: "a garbage createdAt", body: created((b) => (b.createdAt = "yesterday")), processed: false },
    {
      name: "a uid of 100,000 characters",
      body: created((_, p) => (p.uid = "u".repeat(100_000))),
      processed: true,
    },
    {
      name: "a number beyond numeric",
      body: created((_, p) => (p.metadata = { n: 1 })).replace('"n":1', '"n":1e200000'),
      processed: false,
    },
    { name: "a nesting deeper than jsonb takes", body: nested(50_000), processed: false },
    { name: "a NUL in a key", body: created((_, p) => (p.metadata = { "a\u0000b": 1 })), processed: true },
  ];

  const unprocessed = (name: string) => (body: string): SignedBody => ({ name, body, processed: false });
  const generatedSigned: fc.Arbitrary<SignedBody> = fc.oneof(
    fc.oneof(notJson, nonObjectJson).map(unprocessed("a body that is not a JSON object")),
    jsonValueNot("number").map((v) => created((_, p) => (p.bookingId = v))).map(
      unprocessed("a bad bookingId"),
    ),
    notDate.map((v) => created((_, p) => (p.startTime = v))).map(unprocessed("a bad startTime")),
    notDate.map((v) => created((b) => (b.createdAt = v))).map(unprocessed("a bad createdAt")),
    // An empty status means the trigger's default; any other must name a status (in any case).
    anyString.filter((s) => s !== "" && !(BOOKING_STATUSES as readonly string[]).includes(s.toUpperCase()))
      .map((v) => created((_, p) => (p.status = v))).map(unprocessed("an unknown status")),
    // attendees may be null (Cal.com sends it so for some triggers); anything else must be a list.
    jsonValue.filter((v) => v !== null && !Array.isArray(v))
      .map((v) => created((_, p) => (p.attendees = v))).map(unprocessed("attendees that are not a list")),
  );

  await t.step("the named and 1,000 generated signed bodies are acknowledged with 200 JSON", async () => {
    await fc.assert(
      fc.asyncProperty(generatedSigned, async (c) => {
        const res = await env.deliver(conn.connectionId, c.body, { secret: conn.webhookSecret });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        const body = JSON.parse(text);
        assert.equal(body.received, true);
        assert.equal(body.processed, c.processed, text);
        const [event] = await env.db.sql<
          { verified: boolean; processed: boolean; error_message: string | null }[]
        >`
          select verified, processed, error_message from public.calcom_webhook_events where id = ${body.eventId}`;
        assert.equal(event.verified, true);
        assert.equal(event.processed, c.processed);
        assert.equal(event.error_message === null, c.processed, event.error_message ?? "");
      }),
      propertyParameters(1000, signed),
    );
  });

  const user = await signTestJwt({ sub: conn.userId });
  const refused: HostileRequest[] = [
    { name: "a non-uuid connection id", path: "/x'%20or%201=1", body: "{}", status: 404, code: "not_found" },
    {
      name: "an unknown connection id",
      path: `/${crypto.randomUUID()}`,
      body: "{}",
      status: 404,
      code: "not_found",
    },
    { name: "a GET", path: `/${conn.connectionId}`, method: "GET", status: 404, code: "not_found" },
    { name: "no signature", path: `/${conn.connectionId}`, body: "{}", status: 401, code: "unauthorized" },
    {
      name: "an uppercase signature",
      path: `/${conn.connectionId}`,
      body: "{}",
      headers: { "x-cal-signature-256": "A".repeat(64) },
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a repeated signature header",
      path: `/${conn.connectionId}`,
      body: "{}",
      headers: { "x-cal-signature-256": `${"a".repeat(64)}, ${"b".repeat(64)}` },
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a declared length over the limit",
      path: `/${conn.connectionId}`,
      body: "x".repeat(1_100_000),
      status: 413,
      code: "payload_too_large",
    },
    {
      name: "a replay without a token",
      path: `/${conn.connectionId}/replay`,
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a replay of another user's connection",
      path: `/${other.connectionId}/replay`,
      headers: { authorization: `Bearer ${user}` },
      status: 404,
      code: "not_found",
    },
    {
      name: "a replay of a non-uuid connection",
      path: "/not-a-uuid/replay",
      headers: { authorization: `Bearer ${user}` },
      status: 404,
      code: "not_found",
    },
  ];

  const generatedRefused: fc.Arbitrary<HostileRequest> = fc.oneof(
    fc.oneof(notUuidSegment, fc.uuid()).map((id) => ({
      name: "no connection of that id",
      path: `/${id}`,
      body: "{}",
      status: 404,
      code: "not_found",
    })),
    fc.tuple(headerText, fc.oneof(notJson, jsonValue.map((v) => JSON.stringify(v)))).map((
      [signature, body],
    ) => ({
      name: "a wrong signature",
      path: `/${conn.connectionId}`,
      body,
      headers: { "x-cal-signature-256": signature },
      status: 401,
      code: "unauthorized",
    })),
    badAuthorization.map((authorization) => ({
      name: "a replay with a bad authorization",
      path: `/${conn.connectionId}/replay`,
      headers: { authorization },
      status: 401,
      code: "unauthorized",
    })),
    fc.oneof(notUuidSegment, fc.uuid()).map((id) => ({
      name: "a replay of no connection of the user's",
      path: `/${id}/replay`,
      headers: { authorization: `Bearer ${user}` },
      status: 404,
      code: "not_found",
    })),
  );
  const verifiedEvents = async () => {
    const [{ count }] = await env.db.sql<{ count: number }[]>`
      select count(*)::int as count from public.calcom_webhook_events where verified`;
    return count;
  };

  await t.step(
    "the named and 1,500 generated refused requests each get their 4xx and store nothing",
    async () => {
      const before = await verifiedEvents();
      await assertAllRefused(
        generatedRefused,
        (request) =>
          sendHostileRequest(`${env.server.url}/calcom-webhook`, request, { method: "POST", headers: {} }),
        { numRuns: 1500, examples: refused },
      );
      assert.equal(await verifiedEvents(), before);
    },
  );

  await t.step("nothing reached the other connection and nothing failed on the server", async () => {
    const [{ events }] = await env.db.sql<{ events: number }[]>`
      select count(*)::int as events from public.calcom_webhook_events
      where calcom_connection_id = ${other.connectionId}`;
    assert.equal(events, 0);
    assert.ok(!env.logs.some((line) => line.includes('"level":"error"')), env.logs.join("\n"));
  });
});
