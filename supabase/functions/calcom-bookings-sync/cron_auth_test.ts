import assert from "node:assert/strict";
import { cronSecretMatches } from "./cron_auth.ts";

const secret = "0123456789abcdef0123456789abcdef-cron";

Deno.test("the cron secret matches only itself", () => {
  assert.equal(cronSecretMatches(secret, secret), true);
  assert.equal(cronSecretMatches(secret, `${secret}x`), false);
  assert.equal(cronSecretMatches(secret, secret.slice(0, -1)), false);
  assert.equal(cronSecretMatches(secret, ""), false);
  assert.equal(cronSecretMatches(secret, undefined), false);
});

Deno.test("without a configured secret, or with a short one, nothing matches", () => {
  assert.equal(cronSecretMatches(undefined, ""), false);
  assert.equal(cronSecretMatches("", ""), false);
  assert.equal(cronSecretMatches("short-secret", "short-secret"), false);
});
