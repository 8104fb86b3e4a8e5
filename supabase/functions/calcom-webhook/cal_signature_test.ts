import assert from "node:assert/strict";
import { signCalBody, verifyCalSignature } from "./cal_signature.ts";

const secret = "whsec-test-secret";
const body =
  '{"triggerEvent":"BOOKING_CREATED","createdAt":"2025-03-01T09:12:47.005Z","payload":{"uid":"a"}}';

Deno.test("signCalBody matches the well-known HMAC-SHA256 test vector in lowercase hex", () => {
  assert.equal(
    signCalBody("key", "The quick brown fox jumps over the lazy dog"),
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
});

Deno.test("signCalBody signs a string as its UTF-8 bytes", () => {
  const text = '{"title":"Café ☕ 会議"}';
  assert.equal(signCalBody(secret, text), signCalBody(secret, new TextEncoder().encode(text)));
});

Deno.test("a body signed with the secret verifies", () => {
  assert.deepEqual(verifyCalSignature(secret, body, signCalBody(secret, body)), { ok: true });
});

Deno.test("a signature with surrounding whitespace in the header still verifies", () => {
  assert.deepEqual(verifyCalSignature(secret, body, ` ${signCalBody(secret, body)} `), {
    ok: true,
  });
});

Deno.test("a tampered body fails with signature_mismatch", () => {
  const header = signCalBody(secret, body);
  const tampered = body.replace('"uid":"a"', '"uid":"b"');
  assert.deepEqual(verifyCalSignature(secret, tampered, header), {
    ok: false,
    reason: "signature_mismatch",
  });
});

Deno.test("the same JSON re-serialised with different whitespace fails with signature_mismatch", () => {
  const header = signCalBody(secret, body);
  const reserialised = JSON.stringify(JSON.parse(body), null, 2);
  assert.deepEqual(verifyCalSignature(secret, reserialised, header), {
    ok: false,
    reason: "signature_mismatch",
  });
});

Deno.test("a signature made with another secret fails with signature_mismatch", () => {
  assert.deepEqual(verifyCalSignature(secret, body, signCalBody("other", body)), {
    ok: false,
    reason: "signature_mismatch",
  });
});

Deno.test("a missing or empty header fails with missing_signature", () => {
  for (const header of [undefined, null, "", "   "]) {
    assert.deepEqual(verifyCalSignature(secret, body, header), {
      ok: false,
      reason: "missing_signature",
    });
  }
});

Deno.test("the no-secret-provided header never verifies", () => {
  assert.deepEqual(verifyCalSignature(secret, body, "no-secret-provided"), {
    ok: false,
    reason: "no_secret_provided",
  });
});

Deno.test("a header that is not 64 lowercase hex characters fails with malformed_signature", () => {
  const good = signCalBody(secret, body);
  for (
    const header of [good.toUpperCase(), `sha256=${good}`, good.slice(0, 63), `${good}0`, "zz".repeat(32)]
  ) {
    assert.deepEqual(verifyCalSignature(secret, body, header), {
      ok: false,
      reason: "malformed_signature",
    });
  }
});
