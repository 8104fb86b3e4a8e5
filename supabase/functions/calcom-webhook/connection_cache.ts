/**
 * What verifying a connection's deliveries needs, kept in memory for a short while: the isolate serves
 * many deliveries, and reading the connection and decrypting its secret for each one cost a transaction
 * of its own (4 round trips) and an AES-GCM decryption per delivery.
 *
 * An entry is used for the TTL (60 s by default, counted from the read, never extended by use), but never
 * decides alone: the statement that logs a delivery checks the connection's row too. A connection deleted
 * in the meantime is refused at once (its event insert fails and the delivery answers 404, which also
 * drops the entry); one paused, resumed or re-keyed is found changed by the statement that logs a verified
 * delivery, which then writes nothing, and the connection is read again; and a delivery that does not
 * verify with an entry's secret is checked against the stored ciphertext by the statement that logs it:
 * when the secret was rotated, the entry is dropped and the connection read again before any 401, and when
 * it was not (a forged delivery), the entry stays.
 *
 * @module
 */
import type { WebhookConnection } from "./webhook_connection.ts";

/** A connection whose webhook secret was read and decrypted. */
export interface VerifiedConnection extends WebhookConnection {
  /** The plaintext webhook secret: in memory only, never logged. */
  secret: string;
}

/** The cache's operations; times come from the injected clock. */
export interface ConnectionCache {
  /** The entry read less than the TTL ago, or null. */
  get(connectionId: string): VerifiedConnection | null;
  /** Stores an entry just read from the database (its age starts now). */
  set(connection: VerifiedConnection): void;
  /** Forgets a connection (a failed verification, a 404, a decryption failure). */
  drop(connectionId: string): void;
}

/** Options of {@linkcode createConnectionCache}. */
export interface ConnectionCacheOptions {
  now: () => Date;
  /** How long an entry is used after its read (default 60 s). */
  ttlMs?: number;
  /** Most connections kept; the oldest read goes first (default 1,000). */
  maxEntries?: number;
}

/** Default TTL of a cached connection: how long a read and a decryption serve later deliveries. */
export const CONNECTION_TTL_MS = 60_000;

/** Creates an empty cache. */
export function createConnectionCache(options: ConnectionCacheOptions): ConnectionCache {
  const ttlMs = options.ttlMs ?? CONNECTION_TTL_MS;
  const maxEntries = options.maxEntries ?? 1_000;
  const entries = new Map<string, { connection: VerifiedConnection; readAt: number }>();
  return {
    get(connectionId) {
      const entry = entries.get(connectionId);
      if (!entry) return null;
      const age = options.now().getTime() - entry.readAt;
      // a clock that went back counts as expired too: never trust an entry of unknown age
      if (age >= ttlMs || age < 0) {
        entries.delete(connectionId);
        return null;
      }
      return entry.connection;
    },
    set(connection) {
      entries.delete(connection.id);
      entries.set(connection.id, { connection, readAt: options.now().getTime() });
      // Map keeps insertion order: the first key is the oldest read
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    drop(connectionId) {
      entries.delete(connectionId);
    },
  };
}
