import assert from "node:assert/strict";
import { apiKey, bookingUid, keyHint, seededRandom, uuidV4 } from "./ids.ts";

Deno.test("booking uids look like short-uuid output: 22 base58 characters", () => {
  const r = seededRandom(1);
  for (let i = 0; i < 100; i++) assert.match(bookingUid(r), /^[1-9a-km-zA-HJ-NP-Z]{22}$/);
});

Deno.test("the same seed gives the same ids", () => {
  const a = seededRandom(9);
  const b = seededRandom(9);
  assert.equal(bookingUid(a), bookingUid(b));
  assert.equal(uuidV4(a), uuidV4(b));
  assert.equal(apiKey(a), apiKey(b));
});

Deno.test("uuids are version 4 and keys carry the cal_ prefix", () => {
  const r = seededRandom(2);
  assert.match(uuidV4(r), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(apiKey(r), /^cal_test_[0-9a-f]{32}$/);
});

Deno.test("a key hint shows only the last four characters", () => {
  assert.equal(keyHint("cal_test_0123456789abcdef"), "…cdef");
});
