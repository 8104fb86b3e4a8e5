import assert from "node:assert/strict";
import { startSandbox } from "../calcom_sandbox/mod.ts";
import { renderReport, runLiveCheck } from "./live_check.ts";

Deno.test("against a Cal.com that answers as the client expects, every check passes and the webhook is gone", async () => {
  await using sandbox = await startSandbox({ seed: 5 });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 30, { seed: 5 });
  const results = await runLiveCheck({ apiKey, baseUrl: sandbox.url });
  const report = renderReport(sandbox.url, results);
  assert.ok(results.every((r) => r.ok), report);
  assert.deepEqual(results.map((r) => r.name).filter((n) => n !== "rate limit headers"), [
    "GET /v2/me",
    "GET /v2/bookings (cal-api-version 2024-08-13)",
    "GET /v2/bookings (cal-api-version 2026-05-01)",
    "GET /v2/event-types",
    "GET /v2/slots",
    "GET /v2/webhooks",
    "POST /v2/webhooks",
    "DELETE /v2/webhooks/{id}",
    "the test webhook is gone",
  ]);
  assert.match(
    report,
    /ok\s+GET \/v2\/bookings \(cal-api-version 2024-08-13\)\s+10 bookings, totalItems 30/,
  );
  assert.match(
    report,
    /ok\s+GET \/v2\/bookings \(cal-api-version 2026-05-01\)\s+10 bookings, hasMore true, nextCursor present: the sync pages by cursor here/,
  );
  assert.match(report, /live: \d+ passed, 0 failed$/);
  assert.equal(report.includes(apiKey), false, "the key is never printed");
  const webhooks = await (await fetch(`${sandbox.url}/v2/webhooks`, {
    headers: { authorization: `Bearer ${apiKey}` },
  })).json();
  assert.deepEqual(webhooks.data, []);
});

Deno.test("a self-hosted Cal.com without 2026-05-01 is reported as paged with offsets, not a mismatch", async () => {
  await using sandbox = await startSandbox({ seed: 5, deployment: "self-hosted" });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 3, { seed: 5 });
  const results = await runLiveCheck({ apiKey, baseUrl: sandbox.url });
  const cursor = results.find((r) => r.name === "GET /v2/bookings (cal-api-version 2026-05-01)");
  assert.equal(cursor?.ok, true);
  assert.match(
    cursor!.detail,
    /^not served \(answered 200 without a bookings array\): the sync pages with 2024-08-13/,
  );
});

Deno.test("a refused key stops the check after /v2/me with Cal.com's error in the report", async () => {
  await using sandbox = await startSandbox({ seed: 5 });
  const results = await runLiveCheck({ apiKey: "cal_live_not_a_key_0000", baseUrl: sandbox.url });
  assert.equal(results.length, 1);
  assert.equal(results[0].ok, false);
  assert.match(results[0].detail, /^answered 401, expected 200: UnauthorizedException: /);
  assert.equal(results[0].detail.includes("cal_live_not_a_key_0000"), false);
});

Deno.test("an answer that does not match the client's schema fails with the issue's path", async () => {
  const fakeFetch: typeof fetch = (input) => {
    const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
    if (path === "/v2/me") {
      return Promise.resolve(Response.json({ status: "success", data: { id: "seven" } }));
    }
    return Promise.resolve(new Response("no", { status: 500 }));
  };
  const results = await runLiveCheck({
    apiKey: "cal_live_x",
    baseUrl: "https://cal.example",
    fetch: fakeFetch,
  });
  assert.equal(results.length, 1);
  assert.match(results[0].detail, /^does not match the client's schema: data\.id: /);
});
