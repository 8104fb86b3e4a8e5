import assert from "node:assert/strict";
import { createSecretBox, randomEncryptionKey, SecretBoxError } from "./secret_box.ts";
import { sha256Hex } from "./sha256.ts";

function sha256Prefix(base64: string): string {
  return sha256Hex(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))).slice(0, 8);
}

const ROW = "5b0d6c1e-8f1a-4a43-9d0e-1c2b3a4d5e6f";
const OTHER_ROW = "0f0e0d0c-0b0a-4909-8807-060504030201";

Deno.test("a secret round-trips through the versioned format with the key id", async () => {
  const key = randomEncryptionKey();
  const box = createSecretBox({ currentKey: key });
  const ciphertext = await box.encrypt("cal_live_0123456789abcdef", ROW);
  const [version, keyId, iv, data] = ciphertext.split(".");
  assert.equal(version, "v1");
  assert.equal(keyId, sha256Prefix(key));
  assert.equal(await box.currentKeyId(), keyId);
  assert.match(iv, /^[A-Za-z0-9_-]{16}$/);
  assert.match(data, /^[A-Za-z0-9_-]+$/);
  assert.doesNotMatch(ciphertext, /0123456789abcdef/);
  assert.equal(await box.decrypt(ciphertext, ROW), "cal_live_0123456789abcdef");
});

Deno.test("the same secret encrypts differently every time", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const a = await box.encrypt("secret", ROW);
  const b = await box.encrypt("secret", ROW);
  assert.notEqual(a, b);
  assert.equal(await box.decrypt(b, ROW), "secret");
});

Deno.test("a ciphertext copied to another row does not decrypt", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("cal_live_secret", ROW);
  await assert.rejects(
    box.decrypt(ciphertext, OTHER_ROW),
    (err) => err instanceof SecretBoxError && /authentication failed/.test(err.message),
  );
});

Deno.test("a tampered ciphertext does not decrypt", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("cal_live_secret", ROW);
  const parts = ciphertext.split(".");
  const flipped = parts[3][0] === "A" ? "B" : "A";
  const tampered = [...parts.slice(0, 3), flipped + parts[3].slice(1)].join(".");
  await assert.rejects(box.decrypt(tampered, ROW), /authentication failed/);
});

Deno.test("malformed ciphertexts are rejected with a clear message", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  for (const bad of ["", "plaintext", "v2.abcdef01.AAAA.AAAA", "v1.abcdef01.short.AAAAAAAAAAAAAAAAAAAAAA"]) {
    await assert.rejects(box.decrypt(bad, ROW), { name: "SecretBoxError", message: /not a v1 ciphertext/ });
  }
});

Deno.test("after a rotation old secrets decrypt with the old key and are flagged for re-encryption", async () => {
  const oldKey = randomEncryptionKey();
  const newKey = randomEncryptionKey();
  const before = createSecretBox({ currentKey: oldKey });
  const stored = await before.encrypt("cal_live_rotating", ROW);

  const after = createSecretBox({ currentKey: newKey, oldKeys: [oldKey] });
  assert.equal(await after.decrypt(stored, ROW), "cal_live_rotating");
  assert.equal(await after.needsReencryption(stored), true);
  const fresh = await after.encrypt("cal_live_rotating", ROW);
  assert.equal(fresh.split(".")[1], sha256Prefix(newKey));
  assert.equal(await after.needsReencryption(fresh), false);
});

Deno.test("a secret made with a key that was dropped names the unknown key id", async () => {
  const oldKey = randomEncryptionKey();
  const stored = await createSecretBox({ currentKey: oldKey }).encrypt("x", ROW);
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  await assert.rejects(box.decrypt(stored, ROW), {
    message: `Cannot decrypt secret: unknown key id ${sha256Prefix(oldKey)}`,
  });
});

Deno.test("keys that are not 32 bytes are refused without echoing them", () => {
  assert.throws(() => createSecretBox({ currentKey: btoa("hunter2") }), (err) => {
    assert.ok(err instanceof SecretBoxError);
    assert.equal(err.message, "Invalid current encryption key: expected 32 bytes encoded as base64");
    return true;
  });
  assert.throws(() => createSecretBox({ currentKey: randomEncryptionKey(), oldKeys: ["hunter2"] }), {
    message: "Invalid old encryption key: expected 32 bytes encoded as base64",
  });
});

Deno.test("unicode secrets survive the round trip", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  assert.equal(await box.decrypt(await box.encrypt("søcret-✓", ROW), ROW), "søcret-✓");
  assert.equal(await box.decrypt(await box.encrypt("", ROW), ROW), "");
});
