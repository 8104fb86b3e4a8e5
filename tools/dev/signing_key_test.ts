import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { loadOrCreateSigningKey } from "./signing_key.ts";

Deno.test("the signing key is made once, kept owner-only, and its public half verifies its tokens", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateSigningKey(dir);
    const again = await loadOrCreateSigningKey(dir);
    assert.equal(again.kid, first.kid);
    assert.equal(again.publishableKey, first.publishableKey);
    assert.match(first.publishableKey, /^sb_publishable_[0-9a-f]{22}$/);
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    assert.equal("d" in first.publicJwk, false, "the public JWK holds no private part");
    const token = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "ES256", kid: first.kid })
      .setExpirationTime("1h").sign(again.privateKey);
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [first.publicJwk] }));
    assert.equal(payload.sub, "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file that is not a signing key is refused with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/signing_key.json`, "{}");
    await assert.rejects(loadOrCreateSigningKey(dir), {
      message: `Cannot read ${dir}/signing_key.json: not an ES256 private key`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("only loopback Host names reach the dev server", async () => {
  const { isLoopbackHost } = await import("./dev_server.ts");
  for (const host of ["127.0.0.1:54321", "localhost:54321", "LOCALHOST", "[::1]:54321", "127.1.2.3"]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of [null, "", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example:54321"]) {
    assert.equal(isLoopbackHost(host), false, String(host));
  }
});
