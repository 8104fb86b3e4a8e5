/**
 * The typed client's "Continue with Cal.com" calls against the real functions: with an OAuth client
 * configured (startOAuthStack) and without one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CalcomApiError, createCalcomClient } from "../../../ui/client/calcom_supabase_client.ts";
import { readOAuthReturn } from "../../../ui/settings/oauth_return.ts";
import { APP_RETURN_URL, consent, openCallback, startOAuthStack } from "../../testing/oauth_test_support.ts";
import { startTestStack } from "../../testing/test_stack.ts";

async function caught(promise: Promise<unknown>): Promise<CalcomApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CalcomApiError, `not a CalcomApiError: ${err}`);
    return err;
  }
  assert.fail("the call did not fail");
}

Deno.test("the client starts Continue with Cal.com and the connection comes back as OAuth", async () => {
  await using stack = await startOAuthStack();
  const dana = await stack.signUp();
  const cal = stack.sandbox.addUser({ username: "dana" });
  const calcom = createCalcomClient(dana.client);
  assert.equal(await calcom.oauthEnabled(), true);
  assert.equal((await calcom.list()).oauthEnabled, true);

  const started = await calcom.oauthStart({ returnTo: `${APP_RETURN_URL}?tab=cal` });
  assert.equal(new URL(started.authorizeUrl).origin, new URL(stack.sandbox.url).origin);
  assert.ok(Date.parse(started.expiresAt) > 0);
  const done = await openCallback(await consent(started.authorizeUrl, "dana"));
  assert.equal(done.status, 302);
  const { outcome, cleanUrl } = readOAuthReturn(done.location!);
  assert.equal(cleanUrl, `${APP_RETURN_URL}?tab=cal`);
  assert.equal(outcome?.status, "connected");

  const { connections } = await calcom.list();
  assert.equal(connections.length, 1);
  assert.equal(outcome?.status === "connected" && outcome.connectionId, connections[0].id);
  assert.equal(connections[0].authKind, "oauth");
  assert.equal(connections[0].calcomUser.id, cal.user.id);
  assert.ok(connections[0].scopes?.includes("BOOKING_READ"));
});

Deno.test("a return URL off the allow-list is an invalid_request", async () => {
  await using stack = await startOAuthStack();
  const calcom = createCalcomClient((await stack.signUp()).client);
  const err = await caught(calcom.oauthStart({ returnTo: "https://evil.example.test/" }));
  assert.equal(err.code, "invalid_request");
  assert.equal(err.status, 400);
  assert.match(err.message, /not an allowed return URL/);
});

Deno.test("without an OAuth client the client says OAuth is off and starting is oauth_not_configured", async () => {
  await using stack = await startTestStack({ apps: { connection: true } });
  const calcom = createCalcomClient((await stack.signUp()).client);
  assert.equal(await calcom.oauthEnabled(), false);
  const err = await caught(calcom.oauthStart());
  assert.equal(err.code, "oauth_not_configured");
  assert.equal(err.status, 404);
});
