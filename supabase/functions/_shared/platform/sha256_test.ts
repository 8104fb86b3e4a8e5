import assert from "node:assert/strict";
import { hmacSha256, hmacSha256Hex, macsEqual, sha256Hex } from "./sha256.ts";

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("sha256Hex matches WebCrypto for text and bytes", async () => {
  for (const text of ["", "abc", "ümlaut and emoji 🎉", "x".repeat(10_000)]) {
    const bytes = new TextEncoder().encode(text);
    const expected = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
    assert.equal(sha256Hex(text), expected);
    assert.equal(sha256Hex(bytes), expected);
  }
  assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

Deno.test("hmacSha256 and hmacSha256Hex match WebCrypto's HMAC with a UTF-8 key", async () => {
  const secret = "whsec_ключ";
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const body = '{"triggerEvent":"BOOKING_CREATED"}';
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  assert.deepEqual(hmacSha256(secret, body), expected);
  assert.deepEqual(hmacSha256(secret, new TextEncoder().encode(body)), expected);
  assert.equal(hmacSha256Hex(secret, body), toHex(expected));
});

Deno.test("macsEqual is false for any difference, including the length", () => {
  const mac = hmacSha256("k", "body");
  assert.equal(macsEqual(mac, mac.slice()), true);
  const flipped = mac.slice();
  flipped[31] ^= 1;
  assert.equal(macsEqual(mac, flipped), false);
  assert.equal(macsEqual(mac, mac.slice(0, 31)), false);
});
