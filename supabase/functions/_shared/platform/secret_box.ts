/**
 * Encryption of secrets at rest (Cal.com API keys, webhook secrets) with AES-256-GCM through WebCrypto.
 *
 * A ciphertext is the string `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts, keyId = the first 8 hex
 * digits of SHA-256(key)), so keys can rotate: new secrets use the current key, old ones still decrypt
 * with a retired key kept in `oldKeys`. The caller passes the row id as additional authenticated data, so
 * a ciphertext copied into another row fails to decrypt.
 *
 * @module
 */
import { decodeBase64 } from "./config.ts";
import { sha256Hex } from "./sha256.ts";

const VERSION = "v1";
const IV_BYTES = 12;

/** Encrypts and decrypts secrets bound to a row id. */
export interface SecretBox {
  /** Encrypts `plaintext` with the current key, bound to `aad` (the row id). */
  encrypt(plaintext: string, aad: string): Promise<string>;
  /**
   * Decrypts a ciphertext made by {@link SecretBox.encrypt} with the same `aad`.
   *
   * @throws {SecretBoxError} on an unknown format or key id, or a failed authentication (wrong row,
   * wrong key, tampering)
   */
  decrypt(ciphertext: string, aad: string): Promise<string>;
  /** Whether a ciphertext was made with a key other than the current one (re-encrypt it on next write). */
  needsReencryption(ciphertext: string): Promise<boolean>;
  /** The current key's id, as written into new ciphertexts. */
  currentKeyId(): Promise<string>;
}

/** Why a secret could not be decrypted; the message never contains key material or plaintext. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

interface Key {
  id: string;
  key: CryptoKey;
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function keyBytes(base64: string, which: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(base64);
  if (bytes?.length !== 32) throw new SecretBoxError(`Invalid ${which}: expected 32 bytes encoded as base64`);
  return new Uint8Array(bytes);
}

async function importKey(base64: string, which: string): Promise<Key> {
  const raw = keyBytes(base64, which);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { id: sha256Hex(raw).slice(0, 8), key };
}

/** Splits a ciphertext into its parts; undefined when it is not a v1 ciphertext. */
function parse(
  ciphertext: string,
): { keyId: string; iv: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> } | undefined {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION || !/^[0-9a-f]{8}$/.test(parts[1])) return undefined;
  const iv = decodeBase64(parts[2]);
  const data = decodeBase64(parts[3]);
  // 16 bytes is the GCM tag alone: an empty plaintext is still a valid secret box
  if (iv?.length !== IV_BYTES || data === undefined || data.length < 16) return undefined;
  return { keyId: parts[1], iv: new Uint8Array(iv), data: new Uint8Array(data) };
}

/** A fresh random key: 32 bytes, base64, as `CALCOM_ENCRYPTION_KEY` holds it. */
export function randomEncryptionKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

/**
 * Creates a secret box from the current key and the retired keys still needed for decryption (each 32
 * bytes, base64). Key validation happens here, synchronously; importing them into WebCrypto on first use.
 *
 * @throws {SecretBoxError} when a key is not 32 bytes of base64
 */
export function createSecretBox(options: { currentKey: string; oldKeys?: string[] }): SecretBox {
  keyBytes(options.currentKey, "current encryption key");
  for (const old of options.oldKeys ?? []) keyBytes(old, "old encryption key");
  let keys: Promise<{ current: Key; byId: Map<string, Key> }> | undefined;
  const load = () =>
    keys ??= (async () => {
      const current = await importKey(options.currentKey, "current encryption key");
      const byId = new Map<string, Key>();
      for (const old of options.oldKeys ?? []) {
        const key = await importKey(old, "old encryption key");
        byId.set(key.id, key);
      }
      byId.set(current.id, current);
      return { current, byId };
    })();
  const encoder = new TextEncoder();

  return {
    async encrypt(plaintext, aad) {
      const { current } = await load();
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const data = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
        current.key,
        encoder.encode(plaintext),
      );
      return [VERSION, current.id, toBase64Url(iv), toBase64Url(new Uint8Array(data))].join(".");
    },

    async decrypt(ciphertext, aad) {
      const parts = parse(ciphertext);
      if (!parts) throw new SecretBoxError("Cannot decrypt secret: not a v1 ciphertext");
      const key = (await load()).byId.get(parts.keyId);
      if (!key) throw new SecretBoxError(`Cannot decrypt secret: unknown key id ${parts.keyId}`);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: parts.iv, additionalData: encoder.encode(aad) },
          key.key,
          parts.data,
        );
        return new TextDecoder("utf-8", { fatal: true }).decode(plain);
      } catch {
        throw new SecretBoxError(
          `Cannot decrypt secret: authentication failed with key id ${parts.keyId} (wrong row or tampered)`,
        );
      }
    },

    async needsReencryption(ciphertext) {
      return parse(ciphertext)?.keyId !== (await load()).current.id;
    },

    async currentKeyId() {
      return (await load()).current.id;
    },
  };
}
