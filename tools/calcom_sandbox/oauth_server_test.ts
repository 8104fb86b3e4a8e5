import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";

const REDIRECT = "https://app.example.test/callback";

async function setup() {
  const sandbox = await startSandbox({ seed: 5 });
  const { user } = sandbox.addUser({ username: "ada" });
  const client = await sandbox.addOAuthClient({
    redirectUris: [REDIRECT],
    scopes: ["PROFILE_READ", "BOOKING_READ"],
  });
  const token = (body: Record<string, unknown>, form = false) =>
    fetch(`${sandbox.url}/v2/auth/oauth2/token`, {
      method: "POST",
      headers: { "content-type": form ? "application/x-www-form-urlencoded" : "application/json" },
      body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
    });
  const code = async (scope = "PROFILE_READ BOOKING_READ") => {
    const form = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      scope,
      state: "s1",
      username: "ada",
      decision: "allow",
    });
    const res = await fetch(`${sandbox.url}/auth/oauth2/authorize`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    await res.body?.cancel();
    const location = new URL(res.headers.get("location")!);
    assert.equal(location.searchParams.get("state"), "s1");
    return location.searchParams.get("code")!;
  };
  const exchange = async (c: string) =>
    await token({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: "authorization_code",
      code: c,
      redirect_uri: REDIRECT,
    });
  return { sandbox, user, client, token, code, exchange };
}

Deno.test("the sandbox's token endpoint issues, rotates and refuses tokens as Cal.com does", async (t) => {
  const { sandbox, client, token, code, exchange } = await setup();
  await using _ = sandbox;
  let refresh = "";
  let access = "";

  await t.step("a code is exchanged once for flat bearer tokens with no-store", async () => {
    const c = await code();
    const res = await exchange(c);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = await res.json();
    assert.equal(body.token_type, "bearer");
    assert.equal(body.expires_in, 1800);
    assert.equal(body.scope, "PROFILE_READ BOOKING_READ");
    assert.match(body.access_token, /^eyJ/);
    refresh = body.refresh_token;
    access = body.access_token;
    const again = await exchange(c);
    assert.equal(again.status, 400);
    assert.deepEqual(await again.json(), {
      error: "invalid_grant",
      error_description: "code_invalid_or_expired",
    });
  });

  await t.step("the access token reads what its scopes allow and is refused elsewhere with 403", async () => {
    const me = await fetch(`${sandbox.url}/v2/me`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal(me.status, 200);
    await me.body?.cancel();
    const hooks = await fetch(`${sandbox.url}/v2/webhooks`, {
      headers: { authorization: `Bearer ${access}` },
    });
    assert.equal(hooks.status, 403);
    const body = await hooks.json();
    assert.equal(body.error.code, "ForbiddenException");
    assert.match(
      body.error.message,
      /^insufficient_scope: token does not have the required scopes. Required: WEBHOOK_READ/,
    );
    const list = await fetch(`${sandbox.url}/v2/bookings`, {
      headers: { authorization: `Bearer ${access}`, "cal-api-version": "2024-08-13" },
    });
    assert.equal(list.headers.get("x-ratelimit-limit-default"), "500");
    await list.body?.cancel();
  });

  await t.step("a refresh rotates: the old refresh token is revoked", async () => {
    const body = {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: "refresh_token",
      refresh_token: refresh,
    };
    const first = await token(body, true);
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const reused = await token(body);
    assert.equal(reused.status, 400);
    assert.deepEqual(await reused.json(), {
      error: "invalid_grant",
      error_description: "refresh_token_revoked",
    });
  });

  await t.step("an expired access token is a 401", async () => {
    sandbox.advanceTime(1801_000);
    const me = await fetch(`${sandbox.url}/v2/me`, { headers: { authorization: `Bearer ${access}` } });
    assert.equal(me.status, 401);
    await me.body?.cancel();
  });

  await t.step("bad requests get RFC errors without the envelope", async () => {
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ grant_type: "refresh_token" }, 400, "invalid_request", "client_id is required"],
      [
        { client_id: client.clientId, grant_type: "password" },
        400,
        "invalid_request",
        "grant_type must be 'authorization_code' or 'refresh_token'",
      ],
      [
        { client_id: "nope", client_secret: "x", grant_type: "refresh_token", refresh_token: "x" },
        401,
        "invalid_client",
        "client_not_found",
      ],
      [
        {
          client_id: client.clientId,
          client_secret: "wrong",
          grant_type: "refresh_token",
          refresh_token: "x",
        },
        401,
        "invalid_client",
        "invalid_client_credentials",
      ],
      [
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          grant_type: "refresh_token",
          refresh_token: "x",
        },
        400,
        "invalid_grant",
        "invalid_refresh_token",
      ],
      [
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          grant_type: "refresh_token",
          refresh_token: "x",
          code_verifier: "v",
        },
        400,
        "invalid_request",
        "property code_verifier should not exist",
      ],
    ];
    for (const [body, status, error, description] of cases) {
      const res = await token(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.deepEqual(await res.json(), { error, error_description: description });
    }
  });

  await t.step("the consent page refuses an unregistered redirect URI on the page", async () => {
    const res = await fetch(
      `${sandbox.url}/auth/oauth2/authorize?client_id=${client.clientId}&redirect_uri=https://evil.example/&scope=PROFILE_READ`,
    );
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri_mismatch/);
    const over = await fetch(
      `${sandbox.url}/auth/oauth2/authorize?client_id=${client.clientId}&redirect_uri=${REDIRECT}&scope=WEBHOOK_WRITE&state=z`,
      { redirect: "manual" },
    );
    await over.body?.cancel();
    const location = new URL(over.headers.get("location")!);
    assert.equal(location.searchParams.get("error"), "invalid_request");
    assert.equal(location.searchParams.get("state"), "z");
  });
});
