/**
 * Seeds the sweep benchmark's accounts: `count` sandbox users with a small history each, and for each a
 * signed-up user and an active Cal.com connection in Postgres, its secrets encrypted as
 * `calcom-connection` stores them (the row id as additional data). Rows go in a statement per batch, so
 * 10,000 connections take seconds rather than minutes.
 *
 * @module
 */
import type postgres from "postgres";
import type { Sandbox } from "../calcom_sandbox/mod.ts";
import { connectionSecret } from "../../supabase/functions/_shared/platform/connection_secret.ts";
import { createSecretBox } from "../../supabase/functions/_shared/platform/secret_box.ts";

/** One seeded account: the sandbox user, its key, and its connection. */
export interface SweepAccount {
  calcomUserId: number;
  apiKey: string;
  userId: string;
  connectionId: string;
  /** The user's booking uids, in creation order. */
  uids: string[];
}

const BATCH = 1000;

/** Adds `count` sandbox users with `bookingsEach` bookings each, their history ending an hour ago. */
export function seedSandboxUsers(
  sandbox: Sandbox,
  count: number,
  bookingsEach: number,
): { calcomUserId: number; apiKey: string; uids: string[] }[] {
  // outside the sync's watermark lag, so the warm-up sweep's watermark covers every booking
  const historyEnds = new Date(sandbox.now().getTime() - 3_600_000);
  const out = [];
  for (let i = 0; i < count; i++) {
    const { user, apiKey } = sandbox.addUser({ username: `sweep${i}` });
    const uids = sandbox.seedBookings(user.id, bookingsEach, { seed: i + 1, now: historyEnds });
    out.push({ calcomUserId: user.id, apiKey, uids });
  }
  return out;
}

/** Inserts a user and an active connection per sandbox account, `BATCH` rows per statement. */
export async function insertSweepConnections(
  sql: postgres.Sql,
  accounts: readonly { calcomUserId: number; apiKey: string; uids: string[] }[],
  encryptionKey: string,
): Promise<SweepAccount[]> {
  const box = createSecretBox({ currentKey: encryptionKey });
  const out: SweepAccount[] = [];
  for (let start = 0; start < accounts.length; start += BATCH) {
    const batch = accounts.slice(start, start + BATCH);
    const users = [];
    const connections = [];
    for (const account of batch) {
      const userId = crypto.randomUUID();
      const connectionId = crypto.randomUUID();
      const connection = { id: connectionId, userId };
      users.push({
        id: userId,
        aud: "authenticated",
        role: "authenticated",
        email: `${userId}@example.test`,
      });
      connections.push({
        id: connectionId,
        user_id: userId,
        label: "Sweep",
        api_key_encrypted: await box.encrypt(
          account.apiKey,
          connectionSecret("api_key_encrypted", connection),
        ),
        api_key_hint: account.apiKey.slice(-4),
        webhook_secret_encrypted: await box.encrypt(
          `whsec_${connectionId.replaceAll("-", "")}`,
          connectionSecret("webhook_secret_encrypted", connection),
        ),
        calcom_user_id: account.calcomUserId,
        calcom_username: `sweep${account.calcomUserId}`,
        calcom_email: `sweep${account.calcomUserId}@example.com`,
        calcom_time_zone: "Europe/Berlin",
      });
      out.push({ ...account, userId, connectionId });
    }
    await sql`insert into auth.users ${sql(users)}`;
    await sql`insert into public.calcom_connections ${sql(connections)}`;
  }
  return out;
}
