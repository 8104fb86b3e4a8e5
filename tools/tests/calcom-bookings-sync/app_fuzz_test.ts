/**
 * Bad input over real HTTP: every malformed request to calcom-bookings-sync gets a 4xx with the JSON
 * error envelope, never a 500 or a non-JSON answer, and nothing of another user's is reachable.
 */
import assert from "node:assert/strict";
import { type FuzzCase, sendFuzzCase } from "../../testing/fuzz_request.ts";
import { encodeCursor } from "../../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import { connectedUser, startSyncStack } from "../../testing/sync_test_support.ts";

const FN = "calcom-bookings-sync";

function rawCursor(json: string): string {
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

Deno.test("calcom-bookings-sync answers every malformed request with a 4xx JSON error", async (t) => {
  await using stack = await startSyncStack();
  const { user } = await connectedUser(stack, 3, 5);
  const other = await connectedUser(stack, 3, 6);
  const bookingId = crypto.randomUUID();
  const uuid = crypto.randomUUID();

  const cases: FuzzCase[] = [
    { name: "no token", anonymous: true, status: 401, code: "unauthorized" },
    {
      name: "the anon key as token",
      headers: { authorization: `Bearer ${stack.anonKey}` },
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a garbage token",
      headers: { authorization: "Bearer x.y.z" },
      status: 401,
      code: "unauthorized",
    },
    { name: "limit below one", path: "?fromDb=true&limit=0", status: 400, code: "invalid_request" },
    { name: "a negative limit", path: "?fromDb=true&limit=-5", status: 400, code: "invalid_request" },
    {
      name: "a huge limit",
      path: "?fromDb=true&limit=99999999999999999999999",
      status: 400,
      code: "invalid_request",
    },
    { name: "an exponent limit", path: "?fromDb=true&limit=1e2", status: 400, code: "invalid_request" },
    { name: "a repeated limit", path: "?fromDb=true&limit=1&limit=2", status: 400, code: "invalid_request" },
    { name: "a repeated fromDb", path: "?fromDb=true&fromDb=true", status: 400, code: "invalid_request" },
    { name: "fromDb not a flag", path: "?fromDb=maybe", status: 400, code: "invalid_request" },
    { name: "an unknown status", path: "?fromDb=true&status=bogus", status: 400, code: "invalid_request" },
    { name: "an empty status", path: "?fromDb=true&status=", status: 400, code: "invalid_request" },
    {
      name: "a non-date afterStart",
      path: "?fromDb=true&afterStart=yesterday",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart in year zero",
      path: "?fromDb=true&afterStart=0000-01-01T00:00:00Z",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a beforeEnd that becomes year zero in UTC",
      path: "?fromDb=true&beforeEnd=0001-01-01T05:00:00%2B14:00",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a non-uuid connectionId",
      path: "?fromDb=true&connectionId=42",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an unknown connectionId",
      path: `?fromDb=true&connectionId=${uuid}`,
      status: 404,
      code: "not_found",
    },
    {
      name: "another user's connectionId",
      path: `?fromDb=true&connectionId=${other.connectionId}`,
      status: 404,
      code: "not_found",
    },
    {
      name: "another user's connectionId without fromDb",
      path: `?connectionId=${other.connectionId}`,
      status: 404,
      code: "not_found",
    },
    { name: "a garbage cursor", path: "?fromDb=true&cursor=%%%", status: 400, code: "invalid_request" },
    { name: "an empty cursor", path: "?fromDb=true&cursor=", status: 400, code: "invalid_request" },
    {
      name: "a very long cursor",
      path: `?fromDb=true&cursor=${"A".repeat(5000)}`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor of the wrong shape",
      path: `?fromDb=true&cursor=${rawCursor('{"s":1,"i":2}')}`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor of an impossible date",
      path: `?fromDb=true&cursor=${
        encodeCursor({ startTime: "2024-99-99T99:99:99.000000Z", id: bookingId })
      }`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor in year zero",
      path: `?fromDb=true&cursor=${
        encodeCursor({ startTime: "0000-01-01T00:00:00.000000Z", id: bookingId })
      }`,
      status: 400,
      code: "invalid_request",
    },
    { name: "a cursor array", path: `?fromDb=true&cursor=a&cursor=b`, status: 400, code: "invalid_request" },
    { name: "a sync body that is not JSON", method: "POST", body: "{", status: 400, code: "invalid_request" },
    {
      name: "a sync body that is an array",
      method: "POST",
      body: "[]",
      status: 400,
      code: "invalid_request",
    },
    { name: "a sync body that is null", method: "POST", body: "null", status: 400, code: "invalid_request" },
    {
      name: "a sync body that is a number",
      method: "POST",
      body: "12",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a form-encoded sync body",
      method: "POST",
      body: "full=true",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      status: 400,
      code: "invalid_request",
    },
    {
      name: "full as a string",
      method: "POST",
      body: '{"full":"yes"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a numeric connectionId",
      method: "POST",
      body: '{"connectionId":7}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "another user's connectionId in the body",
      method: "POST",
      body: JSON.stringify({ connectionId: other.connectionId }),
      status: 404,
      code: "not_found",
    },
    {
      name: "an empty status list",
      method: "POST",
      body: '{"status":[]}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a status object",
      method: "POST",
      body: '{"status":{"a":1}}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an unknown sync status",
      method: "POST",
      body: '{"status":"everything"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart number",
      method: "POST",
      body: '{"afterStart":1700000000000}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart in year zero in the body",
      method: "POST",
      body: '{"afterStart":"0000-06-01T00:00:00Z"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a huge unicode string",
      method: "POST",
      body: JSON.stringify({ connectionId: "😀".repeat(100_000) }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a body over the size limit",
      method: "POST",
      body: JSON.stringify({ pad: "x".repeat(1_100_000) }),
      status: 413,
      code: "payload_too_large",
    },
    { name: "a PUT", method: "PUT", body: "{}", status: 404, code: "not_found" },
    { name: "a PATCH", method: "PATCH", body: "{}", status: 404, code: "not_found" },
    { name: "an unknown sub-path", path: "/anything", status: 404, code: "not_found" },
    {
      name: "the scheduled route without the cron secret",
      method: "POST",
      path: "/scheduled",
      status: 401,
      code: "unauthorized",
    },
    {
      name: "the scheduled route with a user token only",
      method: "POST",
      path: "/scheduled",
      headers: { "x-calcom-cron-secret": user.token },
      status: 401,
      code: "unauthorized",
    },
  ];

  for (const c of cases) {
    await t.step(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await sendFuzzCase(stack, FN, user.token, c, "GET");
      const text = await res.text();
      assert.equal(res.status, c.status, text);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = JSON.parse(text);
      assert.equal(body.success, false);
      assert.equal(body.error.code, c.code, text);
      assert.equal(typeof body.error.message, "string");
    });
  }

  await t.step("no request started a sync run or reached another user's bookings", async () => {
    const [{ runs }] = await stack.db.sql<{ runs: number }[]>`
      select count(*)::int as runs from public.calcom_sync_runs`;
    assert.equal(runs, 0);
    assert.ok(!stack.logs.some((line) => line.includes('"level":"error"')), stack.logs.join("\n"));
  });
});
