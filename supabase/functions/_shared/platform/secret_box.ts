/**
 * Encryption of secrets at rest (Cal.com API keys, webhook secrets) with AES-256-GCM through node:crypto,
 * which runs on the calling thread: WebCrypto hands every call to a worker thread, and a sweep decrypts a
 * key per connection and the webhook a secret per delivery (docs/decisions.md).
 *
 * A ciphertext is the string `v2.<keyId>.<iv>.<ciphertext+tag>` (base64url parts, keyId = the first 8 hex
 * digits of SHA-256(key)), so keys can rotate: new secrets use the current key, old ones still decrypt
 * with a retired key kept in `oldKeys`. The caller binds each ciphertext to where it is stored (row id,
 * column name and the row owner's user id, the additional authenticated data), so a ciphertext copied
 * into another row or column, or a row handed to another user, fails to decrypt.
 *
 * `v1` ciphertexts, written before the binding included column and owner, were bound to the row id
 * alone. They still decrypt (with the row id only) and {@link SecretBox.needsReencryption} flags them,
 * so the next write stores them as `v2`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv } from "node:crypto";
import { decodeBase64 } from "./config.ts";
import { sha256Hex } from "./sha256.ts";

const VERSION = "v2";
/** Row-id-only binding; read, never written. */
const LEGACY_VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Where a ciphertext is stored: it decrypts only there. */
export interface SecretBinding {
  /** The row's id (`calcom_connections.id`). */
  rowId: string;
  /** The column holding the ciphertext (`api_key_encrypted`, `webhook_secret_encrypted`). */
  column: string;
  /** The id of the user who owns the row (`calcom_connections.user_id`). */
  userId: string;
}

/** Encrypts and decrypts secrets bound to where they are stored. */
export interface SecretBox {
  /** Encrypts `plaintext` with the current key in the current format, bound to `binding`. */
  encrypt(plaintext: string, binding: SecretBinding): Promise<string>;
  /**
   * Decrypts a ciphertext made by {@link SecretBox.encrypt} with the same `binding` (a `v1` one with the
   * same row id).
   *
   * @throws {SecretBoxError} on an unknown format or key id, or a failed authentication (wrong row,
   * column or owner, wrong key, tampering)
   */
  decrypt(ciphertext: string, binding: SecretBinding): Promise<string>;
  /**
   * Whether a ciphertext is in the old format or made with a key other than the current one
   * (re-encrypt it on next write).
   */
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
  raw: Uint8Array<ArrayBuffer>;
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function keyBytes(base64: string, which: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(base64);
  if (bytes?.length !== 32) throw new SecretBoxError(`Invalid ${which}: expected 32 bytes encoded as base64`);
  return new Uint8Array(bytes);
}

function importKey(base64: string, which: string): Key {
  const raw = keyBytes(base64, which);
  return { id: sha256Hex(raw).slice(0, 8), raw };
}

/**
 * The additional data of a ciphertext: v1 bound the row id alone; v2 a JSON array, which keeps the three
 * parts apart whatever they contain.
 */
function additionalData(version: string, binding: SecretBinding): string {
  return version === LEGACY_VERSION
    ? binding.rowId
    : JSON.stringify([binding.rowId, binding.column, binding.userId]);
}

/** Splits a ciphertext into its parts; undefined when it is not a v1 or v2 ciphertext. */
function parse(
  ciphertext: string,
):
  | { version: string; keyId: string; iv: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> }
  | undefined {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || (parts[0] !== VERSION && parts[0] !== LEGACY_VERSION)) return undefined;
  if (!/^[0-9a-f]{8}$/.test(parts[1])) return undefined;
  const iv = decodeBase64(parts[2]);
  const data = decodeBase64(parts[3]);
  // 16 bytes is the GCM tag alone: an empty plaintext is still a valid secret box
  if (iv?.length !== IV_BYTES || data === undefined || data.length < 16) return undefined;
  return { version: parts[0], keyId: parts[1], iv: new Uint8Array(iv), data: new Uint8Array(data) };
}

/** A fresh random key: 32 bytes, base64, as `CALCOM_ENCRYPTION_KEY` holds it. */
export function randomEncryptionKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

/**
 * Creates a secret box from the current key and the retired keys still needed for decryption (each 32
 * bytes, base64), validated here.
 *
 * @throws {SecretBoxError} when a key is not 32 bytes of base64
 */
export function createSecretBox(options: { currentKey: string; oldKeys?: string[] }): SecretBox {
  const current = importKey(options.currentKey, "current encryption key");
  const byId = new Map<string, Key>();
  for (const old of options.oldKeys ?? []) {
    const key = importKey(old, "old encryption key");
    byId.set(key.id, key);
  }
  byId.set(current.id, current);
  const encoder = new TextEncoder();

  return {
    // deno-lint-ignore require-await
    async encrypt(plaintext, binding) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const cipher = createCipheriv("aes-256-gcm", current.raw, iv);
      cipher.setAAD(encoder.encode(additionalData(VERSION, binding)));
      const data = Buffer.concat([
        cipher.update(encoder.encode(plaintext)),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return [VERSION, current.id, toBase64Url(iv), toBase64Url(data)].join(".");
    },

    // deno-lint-ignore require-await
    async decrypt(ciphertext, binding) {
      const parts = parse(ciphertext);
      if (!parts) throw new SecretBoxError("Cannot decrypt secret: not a v1 or v2 ciphertext");
      const key = byId.get(parts.keyId);
      if (!key) throw new SecretBoxError(`Cannot decrypt secret: unknown key id ${parts.keyId}`);
      try {
        const tagAt = parts.data.length - TAG_BYTES;
        const decipher = createDecipheriv("aes-256-gcm", key.raw, parts.iv);
        decipher.setAAD(encoder.encode(additionalData(parts.version, binding)));
        decipher.setAuthTag(parts.data.subarray(tagAt));
        const head = decipher.update(parts.data.subarray(0, tagAt));
        const tail = decipher.final();
        return strictUtf8.decode(tail.length === 0 ? head : Buffer.concat([head, tail]));
      } catch {
        throw new SecretBoxError(
          `Cannot decrypt secret: authentication failed with key id ${parts.keyId} ` +
            "(wrong row, column or owner, or tampered)",
        );
      }
    },

    // deno-lint-ignore require-await
    async needsReencryption(ciphertext) {
      const parts = parse(ciphertext);
      return parts?.version !== VERSION || parts.keyId !== current.id;
    },

    // deno-lint-ignore require-await
    async currentKeyId() {
      return current.id;
    },
  };
}
