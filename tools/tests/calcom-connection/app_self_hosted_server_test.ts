/**
 * A connection on a self-hosted Cal.com: the operator lists a second sandbox (in self-hosted mode) in
 * CALCOM_API_ORIGINS while CALCOM_API_URL points at the first, and a user connects to the second. Every
 * call made for that connection (connect, webhook registration, sync, the scheduled worker, event types,
 * an action, reconcile, disconnect) lands on the second sandbox and none on the first; a server that is
 * not listed is refused without being called.
 */
import assert from "node:assert/strict";
import { cronSecretHeader } from "../../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import { type Sandbox, startSandbox } from "../../calcom_sandbox/mod.ts";
import { act, ACTION_NOW } from "../../testing/booking_actions_support.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { setSchedule } from "../../testing/scheduled_test_support.ts";
import { startTestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";
const PUBLIC_URL = "https://proj.example.com/functions/v1";
const CRON_SECRET = "self-hosted-test-cron-secret-0123456789abcdef";

/** Requests of a sandbox as `METHOD /path`, in order. */
function calls(sandbox: Sandbox): string[] {
  return sandbox.requests.map((r) => `${r.method} ${r.path}`);
}

Deno.test("a connection on a self-hosted Cal.com server calls only that server, from connect to disconnect", async (t) => {
  // Deliveries to the public functions URL go to the stack's server: nothing leaves this machine.
  const route = { serverUrl: "" };
  const deliver: typeof fetch = (input, init) => {
    const url = String(input);
    if (!url.startsWith(`${PUBLIC_URL}/`) || !route.serverUrl) {
      throw new Error(`unexpected delivery to ${url}`);
    }
    return fetch(route.serverUrl + url.slice(PUBLIC_URL.length), init);
  };
  await using selfHosted = await startSandbox({ subscriberUrlRules: "self-hosted", fetch: deliver });
  selfHosted.setNow(ACTION_NOW);
  await using stack = await startTestStack({
    apps: { connection: true, webhook: true, sync: { cronSecret: CRON_SECRET } },
    sandbox: { fetch: deliver },
    env: {
      PUBLIC_FUNCTIONS_URL: PUBLIC_URL,
      CALCOM_API_ORIGINS: `${selfHosted.url}/`,
      CALCOM_API_ORIGINS_ALLOW_HTTP: "true",
      CALCOM_DB_POOL_MAX: "6",
    },
  });
  route.serverUrl = stack.server.url;
  const hosted = stack.sandbox;
  const user = await stack.signUp();
  const cal = selfHosted.addUser();
  selfHosted.seedBookings(cal.user.id, 30, { seed: 3 });
  let connectionId = "";
  let cancelledUid = "";

  await t.step("the list names the default server first, then the allowed origins", async () => {
    const res = await invokeFunction(user.client, FN, { method: "GET" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.calcomOrigins, [hosted.url, selfHosted.url]);
  });

  await t.step(
    "a server that is not listed is refused with the list's purpose, and nothing is called",
    async () => {
      for (const calcomApiUrl of ["http://127.0.0.1:9", `${selfHosted.url}/v2`, "https://attacker.example"]) {
        const res = await invokeFunction(user.client, FN, {
          method: "POST",
          body: { apiKey: cal.apiKey, calcomApiUrl },
        });
        assert.equal(res.status, 400, calcomApiUrl);
        assert.equal(res.body.error.code, "invalid_request");
        assert.match(
          res.body.error.message,
          /not a Cal\.com server this deployment allows: .*CALCOM_API_ORIGINS/,
        );
        assert.deepEqual(res.body.error.details, { calcomOrigins: [hosted.url, selfHosted.url] });
      }
      assert.deepEqual(calls(selfHosted), []);
      assert.deepEqual(calls(hosted), []);
    },
  );

  await t.step("connecting to the listed server checks the key and registers the webhook there", async () => {
    const res = await invokeFunction(user.client, FN, {
      method: "POST",
      body: { apiKey: cal.apiKey, calcomApiUrl: `${selfHosted.url}/` },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    connectionId = res.body.connection.id;
    assert.equal(res.body.connection.calcomApiUrl, selfHosted.url);
    assert.equal(res.body.connection.webhookRegistered, true);
    assert.equal(selfHosted.webhooks(cal.user.id).length, 1);
    const [row] = await stack.db.sql`
      select calcom_api_url from public.calcom_connections where id = ${connectionId}`;
    assert.equal(row.calcom_api_url, selfHosted.url);
    assert.deepEqual(calls(selfHosted), ["GET /v2/me", "POST /v2/webhooks"]);
  });

  await t.step("the same Cal.com user id on the default server is another account", async () => {
    const other = hosted.addUser();
    assert.equal(other.user.id, cal.user.id);
    const res = await invokeFunction(user.client, FN, {
      method: "POST",
      body: { apiKey: other.apiKey, registerWebhook: false },
    });
    assert.equal(res.status, 201);
    assert.notEqual(res.body.connection.id, connectionId);
    assert.equal(res.body.connection.calcomApiUrl, hosted.url);
    const deleted = await invokeFunction(user.client, `${FN}?id=${res.body.connection.id}`, {
      method: "DELETE",
    });
    assert.equal(deleted.status, 200);
    hosted.resetRequests();
  });

  await t.step(
    "a sync, a webhook delivery, event types, an action and reconcile use the server",
    async () => {
      const sync = await invokeFunction(user.client, "calcom-bookings-sync", {
        method: "POST",
        body: { connectionId },
      });
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      assert.equal(sync.body.status, "succeeded");
      assert.equal(sync.body.count, 30);

      const booking = await selfHosted.createBooking(cal.user.id, { start: "2030-03-05T10:00:00Z" });
      assert.deepEqual(selfHosted.deliveries.map((d) => d.status), [200]);

      const types = await invokeFunction(
        user.client,
        `calcom-bookings-sync/event-types?connectionId=${connectionId}`,
        {
          method: "GET",
        },
      );
      assert.equal(types.status, 200, JSON.stringify(types.body));
      console.log(calls(selfHosted).slice(-3));

      const cancelled = await act(user, booking.uid, "cancel", { reason: "Out sick" });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(selfHosted.booking(booking.uid)!.status, "cancelled");
      cancelledUid = booking.uid;

      const reconciled = await invokeFunction(user.client, "calcom-bookings-sync", {
        method: "POST",
        body: { connectionId, mode: "reconcile" },
      });
      assert.equal(reconciled.status, 200, JSON.stringify(reconciled.body));
      assert.equal(reconciled.body.status, "succeeded");
    },
  );

  await t.step("the scheduled worker syncs the connection on its server", async () => {
    const before = selfHosted.requests.length;
    await setSchedule(stack, connectionId, { next_due_at: new Date("2000-01-01T00:00:00Z") });
    const res = await fetch(`${stack.server.url}/calcom-bookings-sync/scheduled/work`, {
      method: "POST",
      headers: { "content-type": "application/json", [cronSecretHeader]: CRON_SECRET },
      body: "{}",
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(selfHosted.requests.slice(before).some((r) => r.path === "/v2/bookings"), JSON.stringify(body));
  });

  await t.step(
    "disconnecting removes the webhook on the server, and the default server saw nothing",
    async () => {
      const res = await invokeFunction(user.client, `${FN}?id=${connectionId}`, { method: "DELETE" });
      assert.equal(res.status, 200);
      assert.doesNotMatch(res.body.message, /could not be removed/);
      assert.deepEqual(selfHosted.webhooks(cal.user.id), []);
      const paths = new Set(calls(selfHosted));
      for (
        const expected of [
          "GET /v2/me",
          "POST /v2/webhooks",
          "GET /v2/bookings",
          "GET /v2/event-types",
          `POST /v2/bookings/${cancelledUid}/cancel`,
        ]
      ) assert.ok(paths.has(expected), `${expected} on the self-hosted server`);
      assert.ok([...paths].some((p) => /^DELETE \/v2\/webhooks\//.test(p)));
      assert.deepEqual(calls(hosted), []);
    },
  );
});

Deno.test("a connection whose server the operator no longer allows is not called", async () => {
  await using selfHosted = await startSandbox({ subscriberUrlRules: "self-hosted" });
  await using stack = await startTestStack({ apps: { sync: true } });
  const user = await stack.signUp();
  const { connectionId: id } = await stack.connection({ userId: user.id });
  await stack.db
    .sql`update public.calcom_connections set calcom_api_url = ${selfHosted.url} where id = ${id}`;
  const res = await invokeFunction(user.client, "calcom-bookings-sync", {
    method: "POST",
    body: { connectionId: id },
  });
  assert.equal(res.status, 502, JSON.stringify(res.body));
  assert.equal(res.body.error.code, "calcom_unavailable");
  assert.equal(res.body.error.details.status, "failed");
  assert.match(
    res.body.error.message,
    /^The Cal\.com server http:\/\/127\.0\.0\.1:\d+ is no longer allowed here/,
  );
  const types = await invokeFunction(user.client, `calcom-bookings-sync/event-types?connectionId=${id}`, {
    method: "GET",
  });
  assert.equal(types.status, 409);
  assert.match(types.body.error.message, /no longer allowed here \(CALCOM_API_ORIGINS\)/);
  assert.deepEqual(calls(selfHosted), []);
  assert.deepEqual(calls(stack.sandbox), []);
});
