/**
 * Encryption of secrets at rest (Cal.com API keys, webhook secrets) with AES-256-GCM through WebCrypto.
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
import { decodeBase64 } from "./config.ts";
import { sha256Hex } from "./sha256.ts";

const VERSION = "v2";
/** Row-id-only binding; read, never written. */
const LEGACY_VERSION = "v1";
const IV_BYTES = 12;

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
    async encrypt(plaintext, binding) {
      const { current } = await load();
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const data = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(additionalData(VERSION, binding)) },
        current.key,
        encoder.encode(plaintext),
      );
      return [VERSION, current.id, toBase64Url(iv), toBase64Url(new Uint8Array(data))].join(".");
    },

    async decrypt(ciphertext, binding) {
      const parts = parse(ciphertext);
      if (!parts) throw new SecretBoxError("Cannot decrypt secret: not a v1 or v2 ciphertext");
      const key = (await load()).byId.get(parts.keyId);
      if (!key) throw new SecretBoxError(`Cannot decrypt secret: unknown key id ${parts.keyId}`);
      try {
        const plain = await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: parts.iv,
            additionalData: encoder.encode(additionalData(parts.version, binding)),
          },
          key.key,
          parts.data,
        );
        return new TextDecoder("utf-8", { fatal: true }).decode(plain);
      } catch {
        throw new SecretBoxError(
          `Cannot decrypt secret: authentication failed with key id ${parts.keyId} ` +
            "(wrong row, column or owner, or tampered)",
        );
      }
    },

    async needsReencryption(ciphertext) {
      const parts = parse(ciphertext);
      return parts?.version !== VERSION || parts.keyId !== (await load()).current.id;
    },

    async currentKeyId() {
      return (await load()).current.id;
    },
  };
}
