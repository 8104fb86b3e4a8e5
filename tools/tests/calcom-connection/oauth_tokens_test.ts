/**
 * An OAuth connection's tokens over time, through the real functions and the sandbox's OAuth server:
 * refreshed ahead of expiry, refreshed once on a 401, one refresh for concurrent callers in different
 * processes (Cal.com rotates refresh tokens, so a second use would be refused), a refused refresh
 * pausing the connection, the scope check, disconnect, and no token or secret in logs or responses.
 */
import assert from "node:assert/strict";
import { createDeps } from "../../../supabase/functions/_shared/platform/deps.ts";
import { createMemoryLogger } from "../../../supabase/functions/_shared/platform/log.ts";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { ApiError } from "../../../supabase/functions/_shared/platform/api_error.ts";
import { oauthBearer, reconnectReason } from "../../../supabase/functions/_shared/oauth/oauth_tokens.ts";
import { requireScopes } from "../../../supabase/functions/_shared/oauth/oauth_scopes.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { tablesContaining } from "../../testing/database_scan.ts";
import { postSync } from "../../testing/sync_test_support.ts";
import type { StackUser } from "../../testing/test_stack.ts";
import { connectWithOAuth, type OAuthStack, startOAuthStack } from "../../testing/oauth_test_support.ts";

const MINUTE = 60_000;

/** Every token the tests saw, to prove none reached a log line or a response. */
const seen = new Set<string>();

async function tokensOf(stack: OAuthStack, connectionId: string, userId: string) {
  const [row] = await stack.db.sql`
    select oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at, is_active,
           last_sync_error, oauth_scopes
    from public.calcom_connections where id = ${connectionId}`;
  const ref = { id: connectionId, userId };
  const access = await stack.deps.secrets.decrypt(
    row.oauth_access_token_encrypted,
    connectionSecret("oauth_access_token_encrypted", ref),
  );
  const refresh = await stack.deps.secrets.decrypt(
    row.oauth_refresh_token_encrypted,
    connectionSecret("oauth_refresh_token_encrypted", ref),
  );
  seen.add(access).add(refresh);
  return {
    access,
    refresh,
    expiresAt: row.oauth_access_token_expires_at as Date,
    isActive: row.is_active as boolean,
    lastSyncError: row.last_sync_error as string | null,
    scopes: row.oauth_scopes as string[],
  };
}

/** Moves both clocks (the functions' and Cal.com's) on by `ms`. */
function elapse(stack: OAuthStack, ms: number) {
  stack.advanceClock(ms);
  stack.sandbox.advanceTime(ms);
}

function tokenRequests(stack: OAuthStack) {
  return stack.sandbox.requests.filter((r) => r.path === "/v2/auth/oauth2/token");
}

async function connected(stack: OAuthStack, username: string, bookings = 5) {
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser({ username });
  if (bookings > 0) stack.sandbox.seedBookings(cal.user.id, bookings, { seed: 11 });
  const landed = await connectWithOAuth(user, username);
  const connectionId = landed.searchParams.get("calcom_connection_id")!;
  assert.ok(connectionId);
  return { user, cal, connectionId };
}

async function sync(user: StackUser, connectionId: string) {
  const res = await postSync(user, { connectionId });
  seen.forEach((token) => assert.ok(!JSON.stringify(res.body).includes(token)));
  return res;
}

Deno.test("OAuth tokens are refreshed, coalesced and refused as Cal.com does", async (t) => {
  await using stack = await startOAuthStack();

  await t.step("a token about to expire is refreshed before the call, once", async () => {
    const { user, connectionId } = await connected(stack, "ada");
    const before = await tokensOf(stack, connectionId, user.id);
    elapse(stack, 26 * MINUTE);
    stack.sandbox.resetRequests();
    const res = await sync(user, connectionId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    assert.equal(tokenRequests(stack).length, 1);
    assert.ok(!stack.sandbox.requests.some((r) => r.status === 401));
    const after = await tokensOf(stack, connectionId, user.id);
    assert.notEqual(after.refresh, before.refresh);
    assert.equal(after.expiresAt.getTime() - stack.deps.now().getTime() <= 30 * MINUTE, true);
    assert.ok(after.expiresAt.getTime() > before.expiresAt.getTime());
  });

  await t.step("a 401 from Cal.com refreshes once and the call is retried", async () => {
    const { user, connectionId } = await connected(stack, "bo");
    // Cal.com's clock is past the token's expiry, ours is not: only the 401 tells
    stack.sandbox.advanceTime(31 * MINUTE);
    stack.sandbox.resetRequests();
    const res = await sync(user, connectionId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "succeeded");
    const log = stack.sandbox.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.deepEqual(log.slice(0, 3), [
      "GET /v2/bookings 401",
      "POST /v2/auth/oauth2/token 200",
      "GET /v2/bookings 200",
    ]);
    assert.equal(tokenRequests(stack).length, 1);
    stack.advanceClock(31 * MINUTE); // the functions' clock catches up
  });

  await t.step("concurrent callers in two processes refresh once; a sync and a webhook race it", async () => {
    const { user, cal, connectionId } = await connected(stack, "cy");
    const booking = await stack.sandbox.createBooking(cal.user.id);
    elapse(stack, 28 * MINUTE);
    stack.sandbox.resetRequests();
    // a second "process": its own pool and logger, the same database, key and clock
    const other = createDeps(stack.config, { log: createMemoryLogger().log, now: stack.deps.now });
    try {
      const ref = { id: connectionId, userId: user.id };
      const [secretRow] = await stack.db.sql`
        select webhook_secret_encrypted from public.calcom_connections where id = ${connectionId}`;
      const secret = await stack.deps.secrets.decrypt(
        secretRow.webhook_secret_encrypted,
        connectionSecret("webhook_secret_encrypted", ref),
      );
      const delivery = stack.sandbox.buildWebhook("BOOKING_CREATED", booking.uid);
      const [a, b, synced, delivered] = await Promise.all([
        oauthBearer(stack.deps, ref).accessToken(),
        oauthBearer(other, ref).accessToken(),
        sync(user, connectionId),
        stack.deliver(connectionId, delivery.body, { secret }),
      ]);
      assert.equal(a, b);
      assert.equal(synced.status, 200, JSON.stringify(synced.body));
      assert.equal(synced.body.status, "succeeded");
      assert.equal(delivered.status, 200, await delivered.text());
      assert.equal(tokenRequests(stack).length, 1);
      assert.deepEqual(tokenRequests(stack).map((r) => r.status), [200]);
      const now = await tokensOf(stack, connectionId, user.id);
      assert.equal(now.access, a);
      assert.equal(now.isActive, true);
    } finally {
      await other.db.end();
    }
  });

  await t.step("a refresh Cal.com refuses pauses the connection with Reconnect Cal.com", async () => {
    const { user, cal, connectionId } = await connected(stack, "dee");
    // the grant ended at Cal.com (e.g. a refresh token rotated out by another client of the account)
    stack.sandbox.oauth.revokeRefreshTokens(stack.clientId, cal.user.id);
    elapse(stack, 26 * MINUTE);
    const res = await sync(user, connectionId);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "invalid_api_key");
    assert.equal(res.body.error.details.status, "failed");
    assert.equal(res.body.error.message, reconnectReason);
    const row = await tokensOf(stack, connectionId, user.id);
    assert.equal(row.isActive, false);
    assert.equal(row.lastSyncError, reconnectReason);
    // Reconnecting through Cal.com makes it active again, same id
    const landed = await connectWithOAuth(user, "dee");
    assert.equal(landed.searchParams.get("calcom_connection_id"), connectionId);
    assert.equal((await tokensOf(stack, connectionId, user.id)).isActive, true);
  });

  await t.step("disconnect deletes the webhook with a refreshed token, then the tokens", async () => {
    const { user, cal, connectionId } = await connected(stack, "eve", 0);
    // a public functions URL is needed for a webhook: register one as the user would have
    const token = (await tokensOf(stack, connectionId, user.id)).access;
    const hook = await fetch(`${stack.sandbox.url}/v2/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        subscriberUrl: `https://proj.example.com/functions/v1/calcom-webhook/${connectionId}`,
        triggers: ["BOOKING_CREATED"],
        active: true,
      }),
    }).then((r) => r.json());
    await stack.db.sql`
      update public.calcom_connections set calcom_webhook_id = ${hook.data.id}, calcom_webhook_error = null
      where id = ${connectionId}`;
    const { refresh } = await tokensOf(stack, connectionId, user.id);
    elapse(stack, 31 * MINUTE);
    stack.sandbox.resetRequests();
    const res = await invokeFunction(user.client, `calcom-connection?id=${connectionId}`, {
      method: "DELETE",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.doesNotMatch(res.body.message, /could not be removed/);
    assert.deepEqual(stack.sandbox.webhooks(cal.user.id), []);
    assert.equal(tokenRequests(stack).length, 1);
    assert.equal(
      (await stack.db.sql`select 1 from public.calcom_connections where id = ${connectionId}`).length,
      0,
    );
    assert.deepEqual(await tablesContaining(stack.db.sql, refresh), []);
  });

  await t.step("no token, code or client secret appears in any log line", () => {
    const logs = stack.logs.join("\n");
    assert.ok(seen.size >= 8);
    for (const token of seen) assert.ok(!logs.includes(token), "a token was logged");
    assert.ok(!logs.includes(stack.clientSecret));
    assert.doesNotMatch(logs, /eyJ/);
  });
});

Deno.test("a connection granted fewer scopes is told to reconnect for an action it lacks", async () => {
  await using stack = await startOAuthStack({
    scopes: ["PROFILE_READ", "BOOKING_READ", "WEBHOOK_READ", "WEBHOOK_WRITE"],
  });
  const { user, connectionId } = await connected(stack, "fay");
  const [row] = await stack.db.sql<{ auth_kind: "oauth"; oauth_scopes: string[] }[]>`
    select auth_kind, oauth_scopes from public.calcom_connections where id = ${connectionId}`;
  assert.deepEqual(row.oauth_scopes, ["PROFILE_READ", "BOOKING_READ", "WEBHOOK_READ", "WEBHOOK_WRITE"]);
  requireScopes(row, ["BOOKING_READ"]);
  assert.throws(() => requireScopes(row, ["BOOKING_WRITE"]), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 403);
    assert.equal(err.code, "insufficient_scope");
    assert.equal(
      err.message,
      "This Cal.com connection was not granted BOOKING_WRITE: reconnect Cal.com to allow it",
    );
    assert.deepEqual(err.details, { missingScopes: ["BOOKING_WRITE"] });
    return true;
  });
  // a route needing a scope the grant lacks answers 403 before calling Cal.com
  const eventTypes = await invokeFunction(
    user.client,
    `calcom-bookings-sync/event-types?connectionId=${connectionId}`,
    { method: "GET" },
  );
  assert.equal(eventTypes.status, 403);
  assert.equal(eventTypes.body.error.code, "insufficient_scope");
  assert.match(eventTypes.body.error.message, /EVENT_TYPE_READ: reconnect Cal\.com/);
  // an API-key connection may do everything
  requireScopes({ auth_kind: "api_key", oauth_scopes: null }, ["BOOKING_WRITE"]);
  // reading still works with the narrower grant
  const res = await postSync(user, { connectionId });
  assert.equal(res.body.status, "succeeded");
  // confirming a booking needs BOOKING_WRITE: refused before Cal.com is called, the row unchanged
  const [booking] = await stack.db.sql<{ booking_uid: string; status: string }[]>`
    select booking_uid, status from public.calcom_bookings where calcom_connection_id = ${connectionId}
    order by booking_uid limit 1`;
  const confirm = await invokeFunction(
    user.client,
    `calcom-bookings-sync/bookings/${booking.booking_uid}/confirm`,
    { method: "POST", body: {} },
  );
  assert.equal(confirm.status, 403);
  assert.equal(confirm.body.error.code, "insufficient_scope");
  assert.match(confirm.body.error.message, /BOOKING_WRITE: reconnect Cal\.com/);
  const [after] = await stack.db.sql<{ status: string }[]>`
    select status from public.calcom_bookings where booking_uid = ${booking.booking_uid}`;
  assert.equal(after.status, booking.status);
});

Deno.test("Cal.com leaving out the granted scopes keeps the requested ones", async () => {
  await using stack = await startOAuthStack();
  stack.sandbox.oauth.omitScope = true;
  const { connectionId } = await connected(stack, "gus", 0);
  const [row] = await stack.db
    .sql`select oauth_scopes from public.calcom_connections where id = ${connectionId}`;
  assert.deepEqual(row.oauth_scopes, [
    "PROFILE_READ",
    "BOOKING_READ",
    "BOOKING_WRITE",
    "EVENT_TYPE_READ",
    "WEBHOOK_READ",
    "WEBHOOK_WRITE",
  ]);
});
