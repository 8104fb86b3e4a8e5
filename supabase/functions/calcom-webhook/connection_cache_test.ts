import assert from "node:assert/strict";
import { createConnectionCache, type VerifiedConnection } from "./connection_cache.ts";

function connection(id: string, secret = "whsec_one"): VerifiedConnection {
  return { id, userId: "user-1", isActive: true, webhookSecretEncrypted: `v1:${secret}`, secret };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

Deno.test("a cached connection is served until its TTL from the read has passed", () => {
  const time = clock();
  const cache = createConnectionCache({ now: time.now, ttlMs: 60_000 });
  cache.set(connection("a"));
  time.advance(59_999);
  assert.deepEqual(cache.get("a"), connection("a"));
  time.advance(1);
  assert.equal(cache.get("a"), null);
});

Deno.test("using an entry does not extend its life", () => {
  const time = clock();
  const cache = createConnectionCache({ now: time.now, ttlMs: 1_000 });
  cache.set(connection("a"));
  for (let i = 0; i < 9; i++) {
    time.advance(100);
    assert.notEqual(cache.get("a"), null);
  }
  time.advance(100);
  assert.equal(cache.get("a"), null);
});

Deno.test("a dropped connection is read again", () => {
  const cache = createConnectionCache({ now: clock().now });
  cache.set(connection("a"));
  cache.drop("a");
  assert.equal(cache.get("a"), null);
});

Deno.test("a clock that went back expires the entry", () => {
  const time = clock();
  const cache = createConnectionCache({ now: time.now });
  cache.set(connection("a"));
  time.advance(-1);
  assert.equal(cache.get("a"), null);
});

Deno.test("the oldest read goes first when the cache is full", () => {
  const cache = createConnectionCache({ now: clock().now, maxEntries: 2 });
  cache.set(connection("a"));
  cache.set(connection("b"));
  cache.set(connection("a", "whsec_two"));
  cache.set(connection("c"));
  assert.equal(cache.get("b"), null);
  assert.equal(cache.get("a")?.secret, "whsec_two");
  assert.notEqual(cache.get("c"), null);
});
