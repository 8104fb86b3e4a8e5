/**
 * Identifiers shaped like Cal.com's: short-uuid booking uids (base58, about 22 characters), UUID v4
 * webhook ids and recurring series ids, `cal_test_` API keys. A seeded generator makes seeded data
 * reproducible; live operations use the platform's random source.
 *
 * @module
 */

/** The flickrBase58 alphabet used by the `short-uuid` package that Cal.com uses for booking uids. */
const BASE58 = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/** A source of random numbers in [0, 1). */
export type Random = () => number;

/** A small deterministic generator (mulberry32): same seed, same sequence. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random numbers from the platform's cryptographic source. */
export const cryptoRandom: Random = () => crypto.getRandomValues(new Uint32Array(1))[0] / 4294967296;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
}

function randomBytes(random: Random, n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/**
 * A booking uid as short-uuid renders a UUID: 22 base58 characters. A 128-bit value is below
 * 32 * 58^21, so the leading character is one of the first 32 of the alphabet.
 */
export function bookingUid(random: Random): string {
  let out = BASE58[Math.floor(random() * 32)];
  for (let i = 1; i < 22; i++) out += BASE58[Math.floor(random() * 58)];
  return out;
}

/** A UUID v4 string. */
export function uuidV4(random: Random): string {
  const b = randomBytes(random, 16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An API key in Cal.com's test-key form: the `cal_` prefix Cal.com checks, then 32 hex characters. */
export function apiKey(random: Random): string {
  return `cal_test_${hex(randomBytes(random, 16))}`;
}

/** A hint that identifies a key in logs without revealing it: its last four characters. */
export function keyHint(key: string): string {
  return `…${key.slice(-4)}`;
}
