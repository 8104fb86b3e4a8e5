/**
 * The client of an OAuth connection is held to Cal.com's limit for access tokens (500 per 60 s per
 * token, smaller here), not to the API key limit: the limiter is the token's own and learns the limit from
 * the answers' headers.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../../supabase/functions/_shared/calcom/client.ts";
import { isCalcomError } from "../../../../supabase/functions/_shared/calcom/errors.ts";
import { startSandbox } from "../../../calcom_sandbox/mod.ts";

const REDIRECT = "https://app.example.test/callback";

Deno.test("an OAuth token's calls stop at the token's limit, which is not the key's", async () => {
  await using sandbox = await startSandbox({ rateLimit: { limit: 2 }, oauthRateLimit: { limit: 4 } });
  sandbox.addUser({ username: "ada" });
  const client = await sandbox.addOAuthClient({ redirectUris: [REDIRECT] });
  const consent = await fetch(`${sandbox.url}/auth/oauth2/authorize`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      scope: "PROFILE_READ",
      username: "ada",
      decision: "allow",
    }),
    redirect: "manual",
  });
  await consent.body?.cancel();
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const tokens = await fetch(`${sandbox.url}/v2/auth/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
    }),
  }).then((r) => r.json());
  const calcom = createCalcomClient({
    apiKey: {
      accessToken: () => Promise.resolve(tokens.access_token),
      renew: () => Promise.reject(new Error("not expected")),
    },
    baseUrl: sandbox.url,
    deadlineMs: 1_000,
  });
  for (let i = 0; i < 4; i++) assert.equal((await calcom.me()).username, "ada");
  sandbox.resetRequests();
  await assert.rejects(calcom.me(), (err: unknown) => {
    assert.ok(isCalcomError(err, "DeadlineExceeded"));
    assert.match(err.message, /rate limit resets in/);
    return true;
  });
  // held back by the limiter: Cal.com never saw the fifth call, so no 429 either
  assert.deepEqual(sandbox.requests, []);
});
