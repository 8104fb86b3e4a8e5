/**
 * Bad input over real HTTP: a correctly signed delivery, however malformed its body, is acknowledged
 * with 200 JSON (Cal.com disables a webhook after three non-2xx answers) and never half-applied; every
 * other bad request gets a 4xx with the JSON error envelope, never a 500.
 */
import assert from "node:assert/strict";
import { signTestJwt } from "../../testing/jwt.ts";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { startWebhookTestEnv } from "../../testing/webhook_test_env.ts";

function created(change: (body: Record<string, unknown>, payload: Record<string, unknown>) => void): string {
  const body = webhookFixture("BOOKING_CREATED");
  change(body, body.payload as Record<string, unknown>);
  return JSON.stringify(body);
}

function nested(depth: number): string {
  return `{"triggerEvent":"PING","createdAt":"2025-03-01T09:12:47.005Z","payload":{"deep":${
    "[".repeat(depth)
  }${"]".repeat(depth)}}}`;
}

Deno.test("calcom-webhook acknowledges every signed malformed body and refuses the rest with JSON", async (t) => {
  await using env = await startWebhookTestEnv();
  const conn = await env.connection();
  const other = await env.connection();

  const signed: { name: string; body: string; processed: boolean }[] = [
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

  for (const c of signed) {
    await t.step(`a signed body with ${c.name} is acknowledged with 200 JSON`, async () => {
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
    });
  }

  const user = await signTestJwt({ sub: conn.userId });
  const refused: {
    name: string;
    path: string;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    status: number;
    code: string;
  }[] = [
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

  for (const c of refused) {
    await t.step(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await fetch(`${env.url}/calcom-webhook${c.path}`, {
        method: c.method ?? "POST",
        headers: c.headers,
        body: c.body,
      });
      const text = await res.text();
      assert.equal(res.status, c.status, text);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = JSON.parse(text);
      assert.equal(body.success, false);
      assert.equal(body.error.code, c.code, text);
    });
  }

  await t.step("nothing reached the other connection and nothing failed on the server", async () => {
    const [{ events }] = await env.db.sql<{ events: number }[]>`
      select count(*)::int as events from public.calcom_webhook_events
      where calcom_connection_id = ${other.connectionId}`;
    assert.equal(events, 0);
    assert.ok(!env.logLines.some((line) => line.includes('"level":"error"')), env.logLines.join("\n"));
  });
});
