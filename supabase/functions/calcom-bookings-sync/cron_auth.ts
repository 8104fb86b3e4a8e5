/**
 * The scheduled sync's credential: a shared secret (`CALCOM_CRON_SECRET`) sent by the pg_cron job in the
 * `x-calcom-cron-secret` header, compared in constant time. A dedicated secret rather than the
 * service_role key: it works whatever keys the project uses (legacy JWTs or the new `sb_secret_` keys),
 * grants nothing else, and rotates on its own.
 *
 * @module
 */
import { macsEqual, sha256Hex } from "../_shared/platform/sha256.ts";

/** The header the scheduler sends the secret in. */
export const cronSecretHeader = "x-calcom-cron-secret";

/** Shortest secret accepted: a guessable one would open every user's sync to anyone. */
const minCronSecretLength = 32;

/** SHA-256 of `text` as hex bytes: 64 of them, whatever the length of `text`. */
function digest(text: string): Uint8Array {
  return new TextEncoder().encode(sha256Hex(text));
}

/**
 * Whether `given` equals `expected`, in time independent of where they differ: both are hashed first,
 * so even their lengths leak nothing. False when no secret is configured.
 */
export function cronSecretMatches(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || expected.length < minCronSecretLength || given === undefined) return false;
  return macsEqual(digest(expected), digest(given));
}
