/**
 * What a benchmark needs in its database before the first request: a user and a Cal.com connection
 * whose secrets are encrypted exactly as `calcom-connection` stores them (the row id as additional
 * data), and the environment a function process reads them with.
 *
 * @module
 */
import type postgres from "postgres";
import { connectionSecret } from "../../supabase/functions/_shared/platform/connection_secret.ts";
import {
  createSecretBox,
  randomEncryptionKey,
} from "../../supabase/functions/_shared/platform/secret_box.ts";
import { createUser } from "../db/test_database.ts";
import { LOCAL_JWT_SECRET } from "../testing/jwt.ts";

/** The connection a benchmark drives. */
export interface BenchConnection {
  userId: string;
  connectionId: string;
  webhookSecret: string;
}

/** Inserts a user and a connection for `apiKey` (Cal.com user `calcomUserId`). */
export async function createBenchConnection(
  sql: postgres.Sql,
  options: {
    /** The key the secrets are encrypted with; a fresh one when no function will read them. */
    encryptionKey?: string;
    apiKey: string;
    calcomUserId: number;
    webhookSecret?: string;
    /** Fixed so several databases can take the same pre-signed deliveries (the id is in the URL). */
    connectionId?: string;
  },
): Promise<BenchConnection> {
  const userId = await createUser(sql);
  const connectionId = options.connectionId ?? crypto.randomUUID();
  const webhookSecret = options.webhookSecret ?? `whsec_${crypto.randomUUID().replaceAll("-", "")}`;
  const box = createSecretBox({ currentKey: options.encryptionKey ?? randomEncryptionKey() });
  const connection = { id: connectionId, userId };
  const apiKeyEncrypted = await box.encrypt(
    options.apiKey,
    connectionSecret("api_key_encrypted", connection),
  );
  const webhookSecretEncrypted = await box.encrypt(
    webhookSecret,
    connectionSecret("webhook_secret_encrypted", connection),
  );
  await sql`
    insert into public.calcom_connections
      (id, user_id, label, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id,
       calcom_username, calcom_email, calcom_time_zone)
    values (${connectionId}, ${userId}, 'Bench', ${apiKeyEncrypted},
      ${options.apiKey.slice(-4)}, ${webhookSecretEncrypted}, ${options.calcomUserId},
      'bench', 'bench@example.test', 'Europe/Berlin')`;
  return { userId, connectionId, webhookSecret };
}

/** The function secrets a benchmark's function process runs with (a local project's). */
export function functionEnv(options: {
  dbUrl: string;
  encryptionKey: string;
  calcomApiUrl?: string;
  syncDeadlineSeconds?: number;
  /** Default "offset": benchmarks.md measures the 2024-08-13 keyset paging. */
  bookingsPaging?: "auto" | "offset";
}): Record<string, string> {
  return {
    SUPABASE_DB_URL: options.dbUrl,
    SUPABASE_URL: "http://127.0.0.1:54321",
    SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
    CALCOM_ENCRYPTION_KEY: options.encryptionKey,
    CALCOM_API_URL: options.calcomApiUrl ?? "http://127.0.0.1:9",
    CALCOM_SYNC_DEADLINE_SECONDS: String(options.syncDeadlineSeconds ?? 3600),
    CALCOM_BOOKINGS_PAGING: options.bookingsPaging ?? "offset",
  };
}
