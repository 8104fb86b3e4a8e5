import assert from "node:assert/strict";
import { cronSecretMatches } from "./cron_auth.ts";

const secret = "0123456789abcdef0123456789abcdef-cron";

Deno.test("the cron secret matches only itself", async () => {
  assert.equal(await cronSecretMatches(secret, secret), true);
  assert.equal(await cronSecretMatches(secret, `${secret}x`), false);
  assert.equal(await cronSecretMatches(secret, secret.slice(0, -1)), false);
  assert.equal(await cronSecretMatches(secret, ""), false);
  assert.equal(await cronSecretMatches(secret, undefined), false);
});

Deno.test("without a configured secret, or with a short one, nothing matches", async () => {
  assert.equal(await cronSecretMatches(undefined, ""), false);
  assert.equal(await cronSecretMatches("", ""), false);
  assert.equal(await cronSecretMatches("short-secret", "short-secret"), false);
});
