import assert from "node:assert/strict";
import { createVerifiedTokenCache } from "./verified_token_cache.ts";
import type { UserClaims } from "./auth.ts";

const user = (sub: string): UserClaims => ({ sub, role: "authenticated", claims: { sub } });

Deno.test("a cached token answers its caller until its exp, and not from exp on", () => {
  const cache = createVerifiedTokenCache(10);
  const alice = user("a");
  cache.set("token-a", alice, 1_000);
  assert.strictEqual(cache.get("token-a", 999_999), alice);
  assert.deepEqual(cache.get("token-a", 1_000_000), undefined);
  // an expired entry is dropped, not kept for a clock that goes back
  assert.deepEqual(cache.get("token-a", 0), undefined);
});

Deno.test("only the exact token hits", () => {
  const cache = createVerifiedTokenCache(10);
  cache.set("token-a", user("a"), 1_000);
  assert.deepEqual(cache.get("token-a ", 0), undefined);
  assert.deepEqual(cache.get("token-b", 0), undefined);
});

Deno.test("the least recently used token leaves first once the cache is full", () => {
  const cache = createVerifiedTokenCache(2);
  cache.set("a", user("a"), 1_000);
  cache.set("b", user("b"), 1_000);
  cache.get("a", 0);
  cache.set("c", user("c"), 1_000);
  assert.deepEqual(cache.get("b", 0), undefined);
  assert.deepEqual(cache.get("a", 0)?.sub, "a");
  assert.deepEqual(cache.get("c", 0)?.sub, "c");
});

Deno.test("a cache size that is not a positive integer is refused", () => {
  assert.throws(() => createVerifiedTokenCache(0), RangeError);
  assert.throws(() => createVerifiedTokenCache(1.5), RangeError);
});
