import assert from "node:assert/strict";
import { Faults } from "./faults.ts";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("counted faults apply to the next N matching requests only", () => {
  const faults = new Faults();
  faults.set({ dropConnection: 1, force429: 2, path: "/v2/bookings" });
  assert.equal(faults.decide("/v2/me").action, "none");
  assert.deepEqual(
    ["/v2/bookings", "/v2/bookings", "/v2/bookings", "/v2/bookings"].map((p) => faults.decide(p).action),
    ["drop", "throttle", "throttle", "none"],
  );
});

Deno.test("the error ratio is deterministic for a seed", () => {
  const run = (seed: number) => {
    const faults = new Faults();
    faults.set({ errorRate: 0.3, seed });
    return Array.from({ length: 200 }, () => faults.decide("/v2/bookings").action);
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
  const errors = run(7).filter((a) => a === "error").length;
  assert.ok(errors > 30 && errors < 90, `about 30% errors, got ${errors}`);
});

Deno.test("an injected 500 uses Cal.com's internal error envelope and changes nothing", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ errorRate: 1 });
  const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { subscriberUrl: "https://example.com/hook", triggers: ["BOOKING_CREATED"], active: true },
  });
  assert.equal(res.status, 500);
  assert.deepEqual(res.json.error, { code: "INTERNAL_SERVER_ERROR", message: "Internal server error." });
  sandbox.setFaults({});
  assert.deepEqual((await calFetch(sandbox, apiKey, "/v2/webhooks")).json.data, []);
});

Deno.test("an injected 502 is a proxy's HTML page", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ errorRate: 1, errorStatus: 502 });
  const res = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(res.status, 502);
  assert.equal(res.headers.get("content-type"), "text/html");
  assert.match(res.text, /<html>/);
});

Deno.test("a forced 429 looks like Cal.com's throttler and ends after its count", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ force429: 1 });
  const limited = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(limited.status, 429);
  assert.equal((limited.json.error as { code: string }).code, "ThrottlerException");
  assert.equal(limited.headers.get("x-ratelimit-remaining-default"), "0");
  assert.equal(limited.headers.get("x-ratelimit-reset-default"), "60");
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  assert.deepEqual(sandbox.requests.map((r) => [r.status, r.fault]), [[429, "throttle"], [200, undefined]]);
});

Deno.test("a malformed body keeps the status but is not valid JSON", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 20);
  sandbox.setFaults({ malformedBody: true });
  const res = await calFetch(sandbox, apiKey, "/v2/bookings");
  assert.equal(res.status, 200);
  assert.throws(() => JSON.parse(res.text));
  assert.ok(res.text.startsWith('{"status":"success"'));
});

Deno.test("a dropped connection fails the request without any answer, then service resumes", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ dropConnection: 1 });
  await assert.rejects(calFetch(sandbox, apiKey, "/v2/me"), TypeError);
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  assert.deepEqual(sandbox.requests.map((r) => [r.path, r.status, r.fault]), [
    ["/v2/me", 0, "drop"],
    ["/v2/me", 200, undefined],
  ]);
});

Deno.test("a hung request gets no answer until the sandbox closes", async () => {
  const sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ hang: 1, path: "/v2/bookings" });
  const pending = calFetch(sandbox, apiKey, "/v2/bookings");
  let settled = false;
  pending.then(() => (settled = true), () => (settled = true));
  await until(() => sandbox.requests.some((r) => r.fault === "hang"), "the hung request");
  // Other requests are still served meanwhile.
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  assert.equal(settled, false);
  await sandbox.close();
  await assert.rejects(pending);
});

Deno.test("a held request is handled once released: a key revoked meanwhile is refused with 401", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const other = sandbox.addApiKey(user.id);
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  sandbox.setFaults({ holdUntil: released, path: "/v2/bookings" });
  const pending = calFetch(sandbox, apiKey, "/v2/bookings");
  await until(() => sandbox.requests.some((r) => r.fault === "hold"), "the held request");
  // Other paths are served meanwhile; the key is revoked while its request waits.
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  sandbox.revokeApiKey(apiKey);
  release();
  const res = await pending;
  assert.equal(res.status, 401);
  assert.equal(sandbox.requests[0].status, 401);
  // The user's other key still works.
  assert.equal((await calFetch(sandbox, other, "/v2/me")).status, 200);
});

Deno.test("latency delays answers without changing them", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ latencyMs: 20 });
  const res = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(res.status, 200);
  assert.equal(sandbox.requests[0].fault, "latency");
});

Deno.test("the request log records method, path, query, status, version and a key hint, never the key", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  await calFetch(sandbox, apiKey, "/v2/bookings?take=5&status=past&status=upcoming");
  assert.deepEqual(sandbox.requests, [{
    method: "GET",
    path: "/v2/bookings",
    query: { take: "5", status: "past,upcoming" },
    status: 200,
    apiKeyHint: `…${apiKey.slice(-4)}`,
    version: "2024-08-13",
    at: sandbox.requests[0].at,
  }]);
  assert.ok(!JSON.stringify(sandbox.requests).includes(apiKey));
  sandbox.resetRequests();
  assert.equal(sandbox.requests.length, 0);
});

Deno.test("a redirect answers 307 to the other origin with the path and query kept, and handles nothing", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.setFaults({ redirectTo: "http://127.0.0.1:9/", path: "/v2/webhooks" });
  const res = await fetch(`${sandbox.url}/v2/webhooks?take=5`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      subscriberUrl: "https://example.com/hook",
      triggers: ["BOOKING_CREATED"],
      active: true,
    }),
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 307);
  assert.equal(res.headers.get("location"), "http://127.0.0.1:9/v2/webhooks?take=5");
  assert.deepEqual(sandbox.requests.map((r) => [r.status, r.fault]), [[307, "redirect"]]);
  assert.deepEqual(sandbox.webhooks(user.id), []);
});

Deno.test("an oversized body is a success envelope of exactly the size asked for, streamed chunked", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ oversizedBodyBytes: 300_000 });
  const res = await calFetch(sandbox, apiKey, "/v2/me");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), null);
  assert.equal(res.headers.get("transfer-encoding"), "chunked");
  assert.equal(res.text.length, 300_000);
  assert.equal(res.json.status, "success");
  assert.deepEqual(sandbox.requests.map((r) => [r.status, r.fault, r.bytesSent]), [[
    200,
    "oversized",
    300_000,
  ]]);
});

Deno.test("ignoring skip answers the first page of a listing whatever skip asks", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const ids = sandbox.seedWebhooks(user.id, 300);
  const page = async (skip: number) =>
    ((await calFetch(sandbox, apiKey, `/v2/webhooks?take=250&skip=${skip}`)).json.data as { id: string }[])
      .map((w) => w.id);
  assert.deepEqual(await page(250), ids.slice(250));
  sandbox.setFaults({ ignoreSkip: true });
  assert.deepEqual(await page(250), ids.slice(0, 250));
  assert.deepEqual(await page(500), ids.slice(0, 250));
});
