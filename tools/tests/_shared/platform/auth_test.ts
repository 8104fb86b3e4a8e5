import assert from "node:assert/strict";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { ApiError } from "../../../../supabase/functions/_shared/platform/api_error.ts";
import {
  createUserVerifier,
  requireUser,
  type UserClaims,
} from "../../../../supabase/functions/_shared/platform/auth.ts";
import { LOCAL_JWT_SECRET, signAnonKey, signTestJwt } from "../../../testing/jwt.ts";

const USER = "8d3c1f1e-2a4b-4c5d-9e6f-7a8b9c0d1e2f";

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, 401);
    assert.equal(err.code, "unauthorized");
    return err;
  }
  assert.fail("the token was accepted");
}

async function es256Key(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const sign = (claims: Record<string, unknown>, exp = "1h") =>
    new SignJWT({ aud: "authenticated", ...claims }).setProtectedHeader({ alg: "ES256", kid }).setIssuedAt()
      .setExpirationTime(exp).sign(privateKey);
  return { jwk, sign };
}

Deno.test("a user token signed with the HS256 secret yields the caller's claims", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const token = await signTestJwt({ sub: USER, email: "dana@example.com" });
  const user = await verify(`Bearer ${token}`);
  assert.equal(user.sub, USER);
  assert.equal(user.role, "authenticated");
  assert.equal(user.email, "dana@example.com");
  assert.equal(user.claims.sub, USER);
  assert.equal(user.claims.aud, "authenticated");
  assert.equal(typeof user.claims.exp, "number");
});

Deno.test("requests without a usable bearer token are unauthorized", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  assert.match((await rejection(verify(undefined))).message, /Missing authorization header/);
  assert.match((await rejection(verify(""))).message, /Missing authorization header/);
  const token = await signTestJwt({ sub: USER });
  assert.match((await rejection(verify(`Basic ${token}`))).message, /must be 'Bearer <jwt>'/);
  assert.equal((await rejection(verify("Bearer not-a-jwt"))).message, "Invalid token");
  assert.equal((await rejection(verify("Bearer sb_publishable_abc123"))).message, "Invalid token");
});

Deno.test("an expired token is unauthorized", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const token = await signTestJwt({ sub: USER, expiresIn: -60 });
  assert.equal(
    (await rejection(verify(`Bearer ${token}`))).message,
    "Token has expired: refresh the session",
  );
});

Deno.test("the injected clock decides expiry", async () => {
  const issued = new Date("2030-01-01T00:00:00Z");
  const token = await signTestJwt({ sub: USER, now: issued, expiresIn: 60 });
  const early = createUserVerifier({
    jwtSecret: LOCAL_JWT_SECRET,
    now: () => new Date(issued.getTime() + 1000),
  });
  assert.equal((await early(`Bearer ${token}`)).sub, USER);
  const late = createUserVerifier({
    jwtSecret: LOCAL_JWT_SECRET,
    now: () => new Date(issued.getTime() + 61_000),
  });
  await rejection(late(`Bearer ${token}`));
});

Deno.test("a token signed with another secret is unauthorized", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const forged = await signTestJwt({ sub: USER, secret: "an-attacker-secret-that-is-at-least-32-chars" });
  assert.equal(
    (await rejection(verify(`Bearer ${forged}`))).message,
    "Invalid token: signature does not match",
  );
});

Deno.test("anon and service_role keys are unauthorized: only signed-in users pass", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  for (const token of [await signAnonKey(), await signTestJwt({ role: "anon", sub: USER })]) {
    assert.match((await rejection(verify(`Bearer ${token}`))).message, /Only signed-in users/);
  }
  const service = await signTestJwt({ role: "service_role", sub: USER });
  assert.match((await rejection(verify(`Bearer ${service}`))).message, /Only signed-in users/);
});

Deno.test("tokens without a uuid subject or an expiry are unauthorized", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const notUuid = await signTestJwt({ sub: "dana" });
  assert.equal((await rejection(verify(`Bearer ${notUuid}`))).message, "Invalid token: no user id");
  const key = new TextEncoder().encode(LOCAL_JWT_SECRET);
  const noExp = await new SignJWT({ role: "authenticated" }).setProtectedHeader({ alg: "HS256" })
    .setSubject(USER).sign(key);
  assert.equal((await rejection(verify(`Bearer ${noExp}`))).message, "Invalid token: claims rejected");
});

Deno.test("an unsigned token (alg none) is unauthorized", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "");
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: USER, role: "authenticated", exp })}.`;
  assert.match((await rejection(verify(`Bearer ${token}`))).message, /unsupported signing algorithm/);
});

Deno.test("an ES256 token verifies against an inline JWKS and an unknown key does not", async () => {
  const known = await es256Key("k1");
  const stranger = await es256Key("k2");
  const verify = createUserVerifier({ jwks: { keys: [known.jwk] } });
  const user = await verify(`Bearer ${await known.sign({ sub: USER, role: "authenticated" })}`);
  assert.equal(user.sub, USER);
  const bad = await stranger.sign({ sub: USER, role: "authenticated" });
  assert.equal((await rejection(verify(`Bearer ${bad}`))).message, "Invalid token: unknown signing key");
  const expired = await known.sign({ sub: USER, role: "authenticated" }, "-1m");
  assert.match((await rejection(verify(`Bearer ${expired}`))).message, /expired/);
});

Deno.test("HS256 tokens are refused when the project only has asymmetric keys", async () => {
  const { jwk } = await es256Key("k1");
  const verify = createUserVerifier({ jwks: { keys: [jwk] } });
  const token = await signTestJwt({ sub: USER });
  assert.match((await rejection(verify(`Bearer ${token}`))).message, /HS256 tokens are not accepted/);
});

Deno.test("the JWKS endpoint is fetched once and cached across verifications", async () => {
  const key = await es256Key("remote-1");
  let fetches = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    if (new URL(req.url).pathname !== "/auth/v1/.well-known/jwks.json") {
      return new Response(null, { status: 404 });
    }
    fetches++;
    return Response.json({ keys: [key.jwk] });
  });
  try {
    const verify = createUserVerifier({
      jwksUrl: `http://127.0.0.1:${server.addr.port}/auth/v1/.well-known/jwks.json`,
      jwtSecret: LOCAL_JWT_SECRET,
    });
    for (let i = 0; i < 3; i++) {
      const user = await verify(`Bearer ${await key.sign({ sub: USER, role: "authenticated" })}`);
      assert.equal(user.sub, USER);
    }
    assert.equal((await verify(`Bearer ${await signTestJwt({ sub: USER })}`)).sub, USER);
    assert.equal(fetches, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("an unreachable JWKS endpoint is a server error, not the caller's fault", async () => {
  const key = await es256Key("k1");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(null));
  const url = `http://127.0.0.1:${server.addr.port}/jwks.json`;
  await server.shutdown();
  const verify = createUserVerifier({ jwksUrl: url });
  await assert.rejects(verify(`Bearer ${await key.sign({ sub: USER, role: "authenticated" })}`), (err) => {
    assert.ok(!(err instanceof ApiError));
    assert.equal((err as Error).message, "Cannot verify token: signing keys unavailable");
    return true;
  });
});

Deno.test("a verifier needs at least one key source", () => {
  assert.throws(() => createUserVerifier({}), /no JWT secret, JWKS or JWKS URL/);
});

Deno.test("requireUser puts the verified caller on the context and stops others with 401", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const app = new Hono<{ Variables: { user: UserClaims } }>()
    .use(requireUser(verify))
    .get("/", (c) => c.json({ sub: c.var.user.sub }));
  const ok = await app.request("/", {
    headers: { authorization: `Bearer ${await signTestJwt({ sub: USER })}` },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { sub: USER });
  const denied = await app.request("/");
  assert.equal(denied.status, 401);
});

const ISSUER = "https://abcdefghijklmnop.supabase.co/auth/v1";

/** An HS256 user token with exactly `claims` (iat defaults to now, exp to an hour later). */
function rawToken(claims: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: USER,
    role: "authenticated",
    aud: "authenticated",
    iss: ISSUER,
    iat: now,
    exp: now + 3600,
    ...claims,
  }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(LOCAL_JWT_SECRET));
}

Deno.test("a token passes only with the project's issuer, the authenticated audience and a sane iat", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET, issuer: ISSUER });
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await verify(`Bearer ${await rawToken({})}`)).sub, USER);
  assert.equal((await verify(`Bearer ${await rawToken({ aud: ["authenticated", "x"] })}`)).sub, USER);
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ iss: "https://another-project.supabase.co/auth/v1" }, /^Invalid token: claims rejected$/],
    [{ iss: undefined }, /^Invalid token: claims rejected$/],
    [{ aud: "anon" }, /^Invalid token: audience is not authenticated$/],
    [{ aud: undefined }, /^Invalid token: audience is not authenticated$/],
    [{ nbf: now + 600 }, /^Invalid token: claims rejected$/],
    [{ iat: undefined }, /^Invalid token: claims rejected$/],
    [{ iat: now + 600, exp: now + 3600 }, /^Invalid token: issued in the future$/],
    [{ iat: now - 8 * 86_400, exp: now + 3600 }, /^Invalid token: lifetime longer than a week$/],
    [{ role: "service_role" }, /^Only signed-in users/],
  ];
  for (const [claims, message] of refused) {
    assert.match(
      (await rejection(verify(`Bearer ${await rawToken(claims)}`))).message,
      message,
      JSON.stringify(claims),
    );
  }
});

Deno.test("claims a user can edit reach Postgres without characters jsonb refuses", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET, issuer: ISSUER });
  const token = await rawToken({
    user_metadata: { name: "a\u0000b\ud83dc", ["k\udc00"]: ["\ud83d\ude00", "x\u0000"] },
  });
  const user = await verify(`Bearer ${token}`);
  assert.deepEqual(user.claims.user_metadata, {
    name: "a\ufffdb\ufffdc",
    "k\ufffd": ["\ud83d\ude00", "x\ufffd"],
  });
  assert.equal(user.sub, USER);
});

Deno.test("a token verified before is answered from the cache only until its exp", async () => {
  const issued = new Date("2030-01-01T00:00:00Z");
  const token = await signTestJwt({ sub: USER, now: issued, expiresIn: 60 });
  let now = issued.getTime() + 1000;
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET, now: () => new Date(now) });
  const first = await verify(`Bearer ${token}`);
  assert.strictEqual(await verify(`Bearer ${token}`), first);
  now = issued.getTime() + 60_000;
  const err = await rejection(verify(`Bearer ${token}`));
  assert.match(err.message, /expired/);
});

Deno.test("a forged token is refused even when a token of the same caller is cached", async () => {
  const verify = createUserVerifier({ jwtSecret: LOCAL_JWT_SECRET });
  const token = await signTestJwt({ sub: USER });
  assert.equal((await verify(`Bearer ${token}`)).sub, USER);
  const forged = await signTestJwt({ sub: USER, secret: "another-secret-of-at-least-32-characters!" });
  await rejection(verify(`Bearer ${forged}`));
  const [header, payload] = token.split(".");
  await rejection(verify(`Bearer ${header}.${payload}.${"A".repeat(43)}`));
});
