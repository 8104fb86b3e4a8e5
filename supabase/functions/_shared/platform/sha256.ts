/**
 * SHA-256 and HMAC-SHA256 on the request path, synchronous through `node:crypto`. WebCrypto's
 * `crypto.subtle` is asynchronous and Deno runs each call on a worker thread: about 37 µs per digest of a
 * 2.5 KB body against 3 µs here, and a webhook delivery hashes twice and verifies once
 * (docs/benchmarks.md). Supabase's Edge Runtime serves `node:crypto` as Deno does.
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** SHA-256 of bytes or UTF-8 text, as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** HMAC-SHA256 of bytes or UTF-8 text keyed with UTF-8 `key`. */
export function hmacSha256(key: string, data: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/** {@linkcode hmacSha256} as lowercase hex. */
export function hmacSha256Hex(key: string, data: string | Uint8Array): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

/** Compares two MACs in constant time (for equal lengths; different lengths are simply unequal). */
export function macsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
