/**
 * The scheduled sync's credential: a shared secret (`CALCOM_CRON_SECRET`) sent by the pg_cron job in the
 * `x-calcom-cron-secret` header, compared in constant time. A dedicated secret rather than the
 * service_role key: it works whatever keys the project uses (legacy JWTs or the new `sb_secret_` keys),
 * grants nothing else, and rotates on its own.
 *
 * @module
 */

/** The header the scheduler sends the secret in. */
export const cronSecretHeader = "x-calcom-cron-secret";

/** Shortest secret accepted: a guessable one would open every user's sync to anyone. */
const minCronSecretLength = 32;

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Whether `given` equals `expected`, in time independent of where they differ: both are hashed first,
 * so even their lengths leak nothing. False when no secret is configured.
 */
export async function cronSecretMatches(
  expected: string | undefined,
  given: string | undefined,
): Promise<boolean> {
  if (!expected || expected.length < minCronSecretLength || given === undefined) return false;
  const [a, b] = await Promise.all([sha256(expected), sha256(given)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
