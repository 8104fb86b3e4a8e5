/**
 * Verified user tokens kept for their remaining lifetime, so a client paging through a list does not pay a
 * signature check on every page. Keyed by the SHA-256 of the token (the token itself is not kept as a key),
 * bounded, least recently used first out. A hit is only answered while `exp` is in the future by the
 * verifier's clock, exactly as the full check decides it.
 *
 * What a cache changes: nothing that a JWT did not already allow. A token is a bearer credential valid
 * until `exp` whatever happens to the session behind it (Supabase Auth does not revoke access tokens,
 * it stops refreshing them), and the full check consults no revocation list either. The one difference
 * is a signing key removed from the JWKS: tokens it signed keep passing here until their `exp`, not only
 * until the JWKS cache refreshes (10 minutes) — at most the token lifetime, one hour by default.
 *
 * @module
 */
import type { UserClaims } from "./auth.ts";
import { sha256Hex } from "./sha256.ts";

/** A bounded map from a token to the caller it verified as. */
export interface VerifiedTokenCache {
  /** The caller `token` verified as, while its `exp` (seconds) is after `nowMs`; else undefined. */
  get(token: string, nowMs: number): UserClaims | undefined;
  /** Keeps `user`, verified from `token`, until `exp` (seconds since the epoch). */
  set(token: string, user: UserClaims, exp: number): void;
}

/** Creates a cache of at most `maxEntries` tokens (at least 1). */
export function createVerifiedTokenCache(maxEntries: number): VerifiedTokenCache {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError("maxEntries must be a positive integer");
  }
  // a Map iterates in insertion order: re-inserting on a hit makes the first key the least recently used
  const entries = new Map<string, { user: UserClaims; exp: number }>();
  return {
    get(token, nowMs) {
      const key = sha256Hex(token);
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      // jose's rule: a token is expired once exp <= now (whole seconds)
      if (entry.exp <= Math.floor(nowMs / 1000)) return undefined;
      entries.set(key, entry);
      return entry.user;
    },
    set(token, user, exp) {
      const key = sha256Hex(token);
      entries.delete(key);
      entries.set(key, { user, exp });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}
