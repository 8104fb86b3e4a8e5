/**
 * Cal.com webhook signatures: `X-Cal-Signature-256` is the lowercase hex HMAC-SHA256 of the exact body
 * bytes Cal.com sent, keyed with the webhook secret (UTF-8). Without a secret Cal.com sends the literal
 * `no-secret-provided`, which never verifies.
 *
 * @module
 */
import { hmacSha256, hmacSha256Hex, macsEqual } from "../_shared/platform/sha256.ts";

/** Why a delivery failed verification; stored with unverified events, so it must never hold a secret. */
export type SignatureFailureReason =
  | "missing_signature"
  | "no_secret_provided"
  | "malformed_signature"
  | "signature_mismatch";

/** The outcome of {@linkcode verifyCalSignature}. */
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailureReason };

/** The header value Cal.com sends for a webhook that has no secret. */
export const NO_SECRET_PROVIDED = "no-secret-provided";

/**
 * Signs a body the way Cal.com does: lowercase hex HMAC-SHA256 of the body (a string is taken as UTF-8).
 * Tests sign their fixtures with this, so they exercise the same code that production verifies with.
 */
export function signCalBody(secret: string, body: string | Uint8Array): string {
  return hmacSha256Hex(secret, body);
}

const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Checks `X-Cal-Signature-256` against the exact body bytes. The MACs are compared in constant time; only
 * the header's shape (64 lowercase hex characters, which says nothing about the secret) is checked before.
 */
export function verifyCalSignature(
  secret: string,
  body: string | Uint8Array,
  header: string | null | undefined,
): SignatureCheck {
  if (header === null || header === undefined || header.trim() === "") {
    return { ok: false, reason: "missing_signature" };
  }
  const value = header.trim();
  if (value === NO_SECRET_PROVIDED) return { ok: false, reason: "no_secret_provided" };
  if (!SIGNATURE_PATTERN.test(value)) return { ok: false, reason: "malformed_signature" };
  const signature = new Uint8Array(32);
  for (let i = 0; i < 32; i++) signature[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16);
  const ok = macsEqual(hmacSha256(secret, body), signature);
  return ok ? { ok: true } : { ok: false, reason: "signature_mismatch" };
}
