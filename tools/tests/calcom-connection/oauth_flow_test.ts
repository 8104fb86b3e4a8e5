/**
 * "Continue with Cal.com" end to end: the start route, the sandbox's consent page, the callback, the
 * stored connection; and every way the flow can go wrong (state tampered with, expired, reused, the
 * user saying no, a return URL off the allow-list, OAuth not configured).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { tablesContaining } from "../../testing/database_scan.ts";
import { postSync } from "../../testing/sync_test_support.ts";
import {
  APP_RETURN_URL,
  connectWithOAuth,
  consent,
  openCallback,
  startFlow,
  startOAuthStack,
} from "../../testing/oauth_test_support.ts";

const PUBLIC_URL = "https://proj.example.com/functions/v1";

Deno.test("Continue with Cal.com connects an account end to end", async (t) => {
  await using stack = await startOAuthStack({ env: { PUBLIC_FUNCTIONS_URL: PUBLIC_URL } });
  const dana = await stack.signUp();
  const cal = stack.sandbox.addUser({ username: "dana" });
  stack.sandbox.seedBookings(cal.user.id, 30, { seed: 3 });
  const rows = () =>
    stack.db.sql`
      select id, auth_kind, api_key_encrypted, oauth_access_token_encrypted, oauth_refresh_token_encrypted,
             oauth_access_token_expires_at, oauth_scopes, calcom_user_id, calcom_webhook_id, is_active
      from public.calcom_connections where user_id = ${dana.id}`;

  let connectionId = "";
  await t.step("start answers an authorize URL on Cal.com with the client, scopes and a state", async () => {
    const res = await startFlow(dana, { returnTo: `${APP_RETURN_URL}?tab=cal` });
    assert.equal(res.status, 200);
    const url = new URL(res.body.authorizeUrl);
    assert.equal(`${url.origin}${url.pathname}`, `${stack.sandbox.url}/auth/oauth2/authorize`);
    assert.equal(url.searchParams.get("client_id"), stack.clientId);
    assert.equal(url.searchParams.get("redirect_uri"), stack.redirectUrl);
    assert.equal(
      url.searchParams.get("scope"),
      "PROFILE_READ BOOKING_READ BOOKING_WRITE EVENT_TYPE_READ WEBHOOK_READ WEBHOOK_WRITE",
    );
    assert.ok(res.body.authorizeUrl.includes("scope=PROFILE_READ%20BOOKING_READ"));
    assert.match(url.searchParams.get("state")!, /^[\w-]{43}$/);
    assert.equal(url.searchParams.get("code_challenge"), null);
    const [state] = await stack.db.sql`select user_id, return_to, state_hash from public.calcom_oauth_states`;
    assert.equal(state.user_id, dana.id);
    assert.equal(state.return_to, `${APP_RETURN_URL}?tab=cal`);
    assert.notEqual(state.state_hash, url.searchParams.get("state"));
  });

  await t.step(
    "consent and callback create the connection and send the browser back to the app",
    async () => {
      await stack.db.sql`delete from public.calcom_oauth_states`;
      const landed = await connectWithOAuth(dana, "dana");
      assert.equal(`${landed.origin}${landed.pathname}`, APP_RETURN_URL);
      assert.equal(landed.searchParams.get("calcom_status"), "connected");
      const [row] = await rows();
      connectionId = row.id;
      assert.equal(landed.searchParams.get("calcom_connection_id"), row.id);
      assert.equal(row.auth_kind, "oauth");
      assert.equal(Number(row.calcom_user_id), cal.user.id);
      assert.deepEqual(row.oauth_scopes, [
        "PROFILE_READ",
        "BOOKING_READ",
        "BOOKING_WRITE",
        "EVENT_TYPE_READ",
        "WEBHOOK_READ",
        "WEBHOOK_WRITE",
      ]);
      assert.equal(row.is_active, true);
      const owner = { id: row.id, userId: dana.id };
      const access = await stack.deps.secrets.decrypt(
        row.oauth_access_token_encrypted,
        connectionSecret("oauth_access_token_encrypted", owner),
      );
      assert.match(access, /^eyJ/);
      assert.equal(
        await stack.deps.secrets.decrypt(row.api_key_encrypted, connectionSecret("api_key_encrypted", owner)),
        "",
      );
      assert.deepEqual(await tablesContaining(stack.db.sql, access), []);
      // the webhook is registered with the OAuth token, at the connection's URL
      const hooks = stack.sandbox.webhooks(cal.user.id);
      assert.equal(hooks.length, 1);
      assert.equal(hooks[0].subscriberUrl, `${PUBLIC_URL}/calcom-webhook/${row.id}`);
      assert.equal(row.calcom_webhook_id, hooks[0].id);
      assert.equal((await stack.db.sql`select 1 from public.calcom_oauth_states`).length, 0);
    },
  );

  await t.step("the list shows the connection as OAuth with its scopes, without any token", async () => {
    const res = await invokeFunction(dana.client, "calcom-connection", { method: "GET" });
    assert.equal(res.status, 200);
    assert.equal(res.body.oauthEnabled, true);
    assert.equal(res.body.connections.length, 1);
    const view = res.body.connections[0];
    assert.equal(view.id, connectionId);
    assert.equal(view.authKind, "oauth");
    assert.equal(view.apiKeyHint, "");
    assert.deepEqual(view.scopes, [
      "PROFILE_READ",
      "BOOKING_READ",
      "BOOKING_WRITE",
      "EVENT_TYPE_READ",
      "WEBHOOK_READ",
      "WEBHOOK_WRITE",
    ]);
    assert.doesNotMatch(JSON.stringify(res.body), /eyJ/);
  });

  await t.step("a sync runs on the OAuth connection's token", async () => {
    const res = await postSync(dana, { connectionId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    const [{ n }] = await stack.db.sql`
      select count(*)::int as n from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
    assert.equal(n, 30);
  });

  await t.step("event types are read on the OAuth token, within its scopes", async () => {
    const res = await invokeFunction(
      dana.client,
      `calcom-bookings-sync/event-types?connectionId=${connectionId}`,
      {
        method: "GET",
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.eventTypes.length, 4);
  });

  await t.step("connecting the same Cal.com account again keeps the connection id", async () => {
    const landed = await connectWithOAuth(dana, "dana");
    assert.equal(landed.searchParams.get("calcom_connection_id"), connectionId);
    assert.equal((await rows()).length, 1);
    assert.equal(stack.sandbox.webhooks(cal.user.id).length, 1);
  });

  await t.step("an API-key connection of the same account becomes the OAuth one, same id", async () => {
    const erin = await stack.signUp();
    const erinCal = stack.sandbox.addUser({ username: "erin" });
    const keyed = await invokeFunction(erin.client, "calcom-connection", {
      method: "POST",
      body: { apiKey: erinCal.apiKey },
    });
    assert.equal(keyed.status, 201);
    const landed = await connectWithOAuth(erin, "erin");
    assert.equal(landed.searchParams.get("calcom_connection_id"), keyed.body.connection.id);
    const [row] = await stack.db.sql`
      select auth_kind from public.calcom_connections where user_id = ${erin.id}`;
    assert.equal(row.auth_kind, "oauth");
    // and back: a key replaces the grant
    const again = await invokeFunction(erin.client, "calcom-connection", {
      method: "POST",
      body: { apiKey: erinCal.apiKey },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.connection.authKind, "api_key");
    assert.equal(again.body.connection.scopes, null);
    const [back] = await stack.db.sql`
      select auth_kind, oauth_refresh_token_encrypted from public.calcom_connections where user_id = ${erin.id}`;
    assert.deepEqual({ ...back }, { auth_kind: "api_key", oauth_refresh_token_encrypted: null });
  });
});

Deno.test("the callback refuses a bad, expired or reused state with a redirect, never a 500", async (t) => {
  await using stack = await startOAuthStack();
  const dana = await stack.signUp();
  stack.sandbox.addUser({ username: "dana" });
  const failure = (url: URL | null) => ({
    at: url && `${url.origin}${url.pathname}`,
    status: url?.searchParams.get("calcom_status"),
    error: url?.searchParams.get("calcom_error"),
  });

  await t.step("a tampered state lands on the app with invalid_state", async () => {
    const started = await startFlow(dana);
    const back = await consent(started.body.authorizeUrl, "dana");
    back.searchParams.set(
      "state",
      back.searchParams.get("state")!.replace(/^./, (c) => c === "A" ? "B" : "A"),
    );
    const res = await openCallback(back);
    assert.equal(res.status, 302);
    assert.deepEqual(failure(res.location), { at: APP_RETURN_URL, status: "error", error: "invalid_state" });
  });

  await t.step("a missing state or garbage lands on the app with invalid_state", async () => {
    for (const query of ["", "?state=%00%01", "?code=x&state=" + "a".repeat(500)]) {
      const res = await openCallback(`${stack.redirectUrl}${query}`);
      assert.equal(res.status, 302);
      assert.equal(failure(res.location).error, "invalid_state");
    }
  });

  await t.step("a used state does not work twice", async () => {
    const started = await startFlow(dana, { returnTo: "https://app.example.test/other" });
    const back = await consent(started.body.authorizeUrl, "dana");
    const first = await openCallback(back);
    assert.equal(first.location?.searchParams.get("calcom_status"), "connected");
    assert.equal(`${first.location!.origin}${first.location!.pathname}`, "https://app.example.test/other");
    const second = await openCallback(back);
    assert.equal(second.status, 302);
    assert.equal(failure(second.location).error, "invalid_state");
  });

  await t.step("a state older than ten minutes lands with expired_state and connects nothing", async () => {
    const before = await stack.db.sql`select id from public.calcom_connections where user_id = ${dana.id}`;
    const started = await startFlow(dana);
    const back = await consent(started.body.authorizeUrl, "dana");
    stack.advanceClock(10 * 60_000 + 1);
    const res = await openCallback(back);
    assert.deepEqual(failure(res.location), { at: APP_RETURN_URL, status: "error", error: "expired_state" });
    const after = await stack.db.sql`select id from public.calcom_connections where user_id = ${dana.id}`;
    assert.equal(after.length, before.length);
  });

  await t.step("the user saying no lands with access_denied", async () => {
    const started = await startFlow(dana);
    const back = await consent(started.body.authorizeUrl, "dana", "deny");
    assert.equal(back.searchParams.get("error"), "access_denied");
    const res = await openCallback(back);
    assert.equal(failure(res.location).error, "access_denied");
  });

  await t.step("a code Cal.com refuses lands with exchange_failed", async () => {
    const started = await startFlow(dana);
    const back = await consent(started.body.authorizeUrl, "dana");
    back.searchParams.set("code", "not-a-code-cal-com-issued");
    const res = await openCallback(back);
    assert.equal(failure(res.location).error, "exchange_failed");
  });

  await t.step("returnTo off the allow-list is refused before anything is stored", async () => {
    await stack.db.sql`delete from public.calcom_oauth_states`;
    for (
      const returnTo of [
        "https://evil.example/settings/calcom",
        "https://app.example.test/settings/calcom/../../x",
        `${APP_RETURN_URL}#frag`,
        "javascript:alert(1)",
        "https://user@app.example.test/settings/calcom",
      ]
    ) {
      const res = await startFlow(dana, { returnTo });
      assert.equal(res.status, 400, returnTo);
      assert.equal(res.body.error.code, "invalid_request");
    }
    assert.equal((await stack.db.sql`select 1 from public.calcom_oauth_states`).length, 0);
  });

  await t.step("start needs a signed-in user", async () => {
    const res = await invokeFunction(stack.clientWith(), "calcom-connection/oauth/start", {
      method: "POST",
      body: {},
    });
    assert.equal(res.status, 401);
  });

  await t.step("no log line holds a code or a state", () => {
    const logs = stack.logs.join("\n");
    assert.doesNotMatch(logs, /state=|code=/);
  });
});

Deno.test("without an OAuth client the routes answer 404 and API keys work as before", async () => {
  await using stack = await startTestStack({ apps: { connection: true } });
  const dana = await stack.signUp();
  const start = await startFlow(dana);
  assert.equal(start.status, 404);
  assert.equal(start.body.error.code, "oauth_not_configured");
  const callback = await fetch(`${stack.server.url}/calcom-connection/oauth/callback?code=x&state=y`);
  assert.equal(callback.status, 404);
  assert.equal((await callback.json()).error.code, "oauth_not_configured");
  const cal = stack.sandbox.addUser();
  const keyed = await invokeFunction(dana.client, "calcom-connection", {
    method: "POST",
    body: { apiKey: cal.apiKey },
  });
  assert.equal(keyed.status, 201);
  assert.equal(keyed.body.connection.authKind, "api_key");
  assert.equal(keyed.body.connection.scopes, null);
  const list = await invokeFunction(dana.client, "calcom-connection", { method: "GET" });
  assert.equal(list.body.oauthEnabled, false);
});

Deno.test("hostile callbacks and start bodies never answer 500 nor leave the allow-list", async () => {
  await using stack = await startOAuthStack();
  const dana = await stack.signUp();
  const text = fc.string({ unit: "binary", maxLength: 300 });
  await fc.assert(
    fc.asyncProperty(
      fc.record({ code: fc.option(text), state: fc.option(text), error: fc.option(text) }, {
        requiredKeys: [],
      }),
      async (query) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined) params.set(k, v);
        const res = await openCallback(`${stack.redirectUrl}?${params}`);
        assert.equal(res.status, 302);
        assert.equal(`${res.location!.origin}${res.location!.pathname}`, APP_RETURN_URL);
        assert.equal(res.location!.searchParams.get("calcom_status"), "error");
      },
    ),
    { numRuns: 60 },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.record({ returnTo: fc.jsonValue() })), async (body) => {
      const res = await startFlow(dana, body as Record<string, unknown>);
      assert.ok(res.status === 200 || res.status === 400, `${res.status} ${JSON.stringify(res.body)}`);
      if (res.status === 400) assert.equal(res.body.error.code, "invalid_request");
    }),
    { numRuns: 60 },
  );
});
