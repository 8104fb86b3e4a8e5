import assert from "node:assert/strict";
import { createSecretBox, randomEncryptionKey, type SecretBinding, SecretBoxError } from "./secret_box.ts";
import { sha256Hex } from "./sha256.ts";

function sha256Prefix(base64: string): string {
  return sha256Hex(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))).slice(0, 8);
}

const ROW_ID = "5b0d6c1e-8f1a-4a43-9d0e-1c2b3a4d5e6f";
const USER_ID = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const ROW: SecretBinding = { rowId: ROW_ID, column: "api_key_encrypted", userId: USER_ID };
const OTHER_ROW: SecretBinding = { ...ROW, rowId: "0f0e0d0c-0b0a-4909-8807-060504030201" };

/** A v1 ciphertext as the box wrote them before v2: the row id alone as additional data. */
async function legacyCiphertext(base64Key: string, plaintext: string, rowId: string): Promise<string> {
  const raw = Uint8Array.from(atob(base64Key), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(rowId) },
      key,
      new TextEncoder().encode(plaintext),
    ),
  );
  const b64url = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return ["v1", sha256Prefix(base64Key), b64url(iv), b64url(data)].join(".");
}

Deno.test("a secret round-trips through the versioned format with the key id", async () => {
  const key = randomEncryptionKey();
  const box = createSecretBox({ currentKey: key });
  const ciphertext = await box.encrypt("cal_live_0123456789abcdef", ROW);
  const [version, keyId, iv, data] = ciphertext.split(".");
  assert.equal(version, "v2");
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

Deno.test("a ciphertext copied to another column of its row does not decrypt", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("cal_live_secret", ROW);
  await assert.rejects(
    box.decrypt(ciphertext, { ...ROW, column: "webhook_secret_encrypted" }),
    (err) => err instanceof SecretBoxError && /authentication failed/.test(err.message),
  );
});

Deno.test("a row handed to another user does not decrypt", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("cal_live_secret", ROW);
  await assert.rejects(
    box.decrypt(ciphertext, { ...ROW, userId: "00000000-0000-4000-8000-000000000000" }),
    (err) => err instanceof SecretBoxError && /wrong row, column or owner/.test(err.message),
  );
});

Deno.test("the parts of the binding cannot be shifted into one another", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("s", { rowId: "a", column: "b.c", userId: "d" });
  await assert.rejects(
    box.decrypt(ciphertext, { rowId: "a.b", column: "c", userId: "d" }),
    /authentication failed/,
  );
});

Deno.test("a v1 ciphertext still decrypts with its row id and is flagged for re-encryption", async () => {
  const key = randomEncryptionKey();
  const box = createSecretBox({ currentKey: key });
  const legacy = await legacyCiphertext(key, "cal_live_from_before", ROW_ID);
  assert.equal(await box.decrypt(legacy, ROW), "cal_live_from_before");
  assert.equal(
    await box.decrypt(legacy, { ...ROW, column: "webhook_secret_encrypted" }),
    "cal_live_from_before",
  );
  await assert.rejects(box.decrypt(legacy, OTHER_ROW), /authentication failed/);
  assert.equal(await box.needsReencryption(legacy), true);
  const fresh = await box.encrypt(await box.decrypt(legacy, ROW), ROW);
  assert.equal(fresh.split(".")[0], "v2");
  assert.equal(await box.needsReencryption(fresh), false);
});

Deno.test("a v2 ciphertext relabelled v1 does not decrypt", async () => {
  const box = createSecretBox({ currentKey: randomEncryptionKey() });
  const ciphertext = await box.encrypt("cal_live_secret", ROW);
  await assert.rejects(box.decrypt(ciphertext.replace(/^v2/, "v1"), ROW), /authentication failed/);
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
  const bad = [
    "",
    "plaintext",
    "v2.abcdef01.AAAA.AAAA",
    "v1.abcdef01.short.AAAAAAAAAAAAAAAAAAAAAA",
    "v3.abcdef01.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
  ];
  for (const text of bad) {
    await assert.rejects(box.decrypt(text, ROW), {
      name: "SecretBoxError",
      message: /not a v1 or v2 ciphertext/,
    });
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

Deno.test("ciphertexts are WebCrypto's AES-GCM both ways, as the box stored them before node:crypto", async () => {
  const base64Key = randomEncryptionKey();
  const box = createSecretBox({ currentKey: base64Key });
  const raw = Uint8Array.from(atob(base64Key), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  const aad = new TextEncoder().encode(JSON.stringify([ROW.rowId, ROW.column, ROW.userId]));
  const fromBase64Url = (text: string) =>
    Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  const b64url = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

  const [, , iv, data] = (await box.encrypt("cal_live_both_ways", ROW)).split(".");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: aad },
    key,
    fromBase64Url(data),
  );
  assert.equal(new TextDecoder().decode(plain), "cal_live_both_ways");

  const webIv = crypto.getRandomValues(new Uint8Array(12));
  const webData = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: webIv, additionalData: aad },
      key,
      new TextEncoder().encode("cal_live_from_webcrypto"),
    ),
  );
  const stored = ["v2", sha256Prefix(base64Key), b64url(webIv), b64url(webData)].join(".");
  assert.equal(await box.decrypt(stored, ROW), "cal_live_from_webcrypto");
});
