import assert from "node:assert/strict";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createGateway, type GatewayFunction } from "./gateway.ts";
import { LOCAL_JWT_SECRET, signAnonKey, signUserToken } from "./dev_tokens.ts";

/** A stand-in function that echoes what it was given, so tests see what the gateway passed on. */
function echoFunction(name: string) {
  const app = new Hono();
  app.all("*", async (c) =>
    c.json({
      fn: name,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      query: new URL(c.req.url).search,
      body: c.req.method === "POST" ? await c.req.text() : null,
      authorization: c.req.header("authorization") ?? null,
    }));
  return app;
}

function gateway(functions: Record<string, GatewayFunction>, extra: { jwks?: object } = {}) {
  const lines: string[] = [];
  const app = createGateway({
    functions,
    jwtSecret: LOCAL_JWT_SECRET,
    jwks: extra.jwks as never,
    log: (line) => lines.push(line),
  });
  return { app, lines };
}

const protectedFn = (): GatewayFunction => ({ verifyJwt: true, fetch: echoFunction("guarded").fetch });
const openFn = (): GatewayFunction => ({ verifyJwt: false, fetch: echoFunction("open").fetch });

function userToken(options: { secret?: string; expiresInSeconds?: number } = {}) {
  return signUserToken({
    sub: crypto.randomUUID(),
    email: "dev@example.test",
    secret: options.secret ?? LOCAL_JWT_SECRET,
    supabaseUrl: "http://127.0.0.1:54321",
    now: new Date(),
    expiresInSeconds: options.expiresInSeconds ?? 3600,
  });
}

Deno.test("a verify_jwt function without an authorization header gets 401 and is not called", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const res = await app.request("/functions/v1/guarded", { method: "POST" });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { msg: "Error: Missing authorization header" });
});

Deno.test("a verify_jwt function with a non-Bearer authorization header gets 401", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const res = await app.request("/functions/v1/guarded", { headers: { authorization: "Basic abc" } });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), { msg: "Error: Auth header is not 'Bearer {token}'" });
});

Deno.test("a verify_jwt function rejects a JWT signed with another secret, an expired one and garbage", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const tokens = [
    await userToken({ secret: "a-different-secret-that-is-32-chars-or-more" }),
    await userToken({ expiresInSeconds: -60 }),
    "not-a-jwt",
    await new SignJWT({ role: "anon" }).setProtectedHeader({ alg: "HS512" }).sign(
      new TextEncoder().encode(LOCAL_JWT_SECRET),
    ),
  ];
  for (const token of tokens) {
    const res = await app.request("/functions/v1/guarded", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { msg: "Invalid JWT" });
  }
});

Deno.test("a verify_jwt function accepts a user JWT and receives the path without /functions/v1", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const token = await userToken();
  const res = await app.request("/functions/v1/guarded/some/path?fromDb=true", {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: '{"a":1}',
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    fn: "guarded",
    method: "POST",
    path: "/guarded/some/path",
    query: "?fromDb=true",
    body: '{"a":1}',
    authorization: `Bearer ${token}`,
  });
});

Deno.test("a verify_jwt function accepts the anon key, as the Supabase gateway does", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const res = await app.request("/functions/v1/guarded", {
    headers: { authorization: `Bearer ${await signAnonKey(LOCAL_JWT_SECRET)}` },
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).path, "/guarded");
});

Deno.test("a verify_jwt function accepts an ES256 JWT signed with a key from the configured JWKS", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
  const { app } = gateway({ guarded: protectedFn() }, { jwks: { keys: [jwk] } });
  const token = await new SignJWT({ role: "authenticated" }).setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setExpirationTime("1h").sign(privateKey);
  const res = await app.request("/functions/v1/guarded", { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).fn, "guarded");
});

Deno.test("a function with verify_jwt off is called without any authorization", async () => {
  const { app } = gateway({ open: openFn() });
  const res = await app.request("/functions/v1/open/3f1c", { method: "POST", body: "{}" });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    fn: "open",
    method: "POST",
    path: "/open/3f1c",
    query: "",
    body: "{}",
    authorization: null,
  });
});

Deno.test("an OPTIONS preflight skips the JWT check and reaches the function", async () => {
  const { app } = gateway({ guarded: protectedFn() });
  const res = await app.request("/functions/v1/guarded", { method: "OPTIONS" });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    fn: "guarded",
    method: "OPTIONS",
    path: "/guarded",
    query: "",
    body: null,
    authorization: null,
  });
});

Deno.test("a name config.toml does not list gets the gateway's 404 'Function not found'", async () => {
  const { app } = gateway({ open: openFn() });
  for (const path of ["/functions/v1/nope", "/functions/v1/", "/functions/v1/constructor"]) {
    const res = await app.request(path);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), "Function not found");
  }
});

Deno.test("a function that throws gets a generic 500 JSON answer", async () => {
  const { app } = gateway({
    boom: {
      verifyJwt: false,
      fetch: () => {
        throw new Error("secret detail");
      },
    },
  });
  const original = console.error;
  console.error = () => {};
  try {
    const res = await app.request("/functions/v1/boom");
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      success: false,
      error: { code: "internal_error", message: "Request failed due to an internal server error" },
    });
  } finally {
    console.error = original;
  }
});

Deno.test("each request is logged in one line with method, path, status and time, never the query", async () => {
  const { app, lines } = gateway({ guarded: protectedFn() });
  await app.request("/functions/v1/guarded?apiKey=cal_live_secret", { method: "POST" });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^POST \/functions\/v1\/guarded 401 \d+ms$/);
});

Deno.test("the gateway's own routes are served next to the functions", async () => {
  const routes = new Hono();
  routes.get("/_dev/health", (c) => c.json({ ok: true }));
  const app = createGateway({ functions: {}, jwtSecret: LOCAL_JWT_SECRET, routes, log: () => {} });
  const res = await app.request("/_dev/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ok: true });
  const missing = await app.request("/elsewhere");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "not_found");
});
