/**
 * Test data for the booking store and the webhook function: connection rows inserted directly as
 * service role (secrets encrypted with the real secret box, bound to row, column and owner, exactly as
 * the connection function stores them) and booking rows.
 *
 * @module
 */
import type postgres from "postgres";
import type { BookingRow } from "../../supabase/functions/_shared/bookings/booking_row.ts";
import { connectionSecret } from "../../supabase/functions/_shared/platform/connection_secret.ts";
import {
  createSecretBox,
  randomEncryptionKey,
  type SecretBox,
} from "../../supabase/functions/_shared/platform/secret_box.ts";

/** A secret box with a fresh random key. */
export function testSecretBox(): SecretBox {
  return createSecretBox({ currentKey: randomEncryptionKey() });
}

/** A connection row made for a test. */
export interface TestConnection {
  connectionId: string;
  userId: string;
  webhookSecret: string;
}

/**
 * Inserts a connection for `userId` (an auth.users id) with its webhook secret encrypted by `secrets`.
 * Runs as `service_role`, like the functions' privileged writes.
 */
export async function insertTestConnection(
  sql: postgres.Sql,
  options: {
    userId: string;
    secrets: SecretBox;
    webhookSecret?: string;
    calcomUserId?: number;
    isActive?: boolean;
  },
): Promise<TestConnection> {
  const connectionId = crypto.randomUUID();
  const webhookSecret = options.webhookSecret ?? `whsec_${crypto.randomUUID()}`;
  const apiKey = `cal_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const connection = { id: connectionId, userId: options.userId };
  const apiKeyEncrypted = await options.secrets.encrypt(
    apiKey,
    connectionSecret("api_key_encrypted", connection),
  );
  const webhookSecretEncrypted = await options.secrets.encrypt(
    webhookSecret,
    connectionSecret("webhook_secret_encrypted", connection),
  );
  await sql.begin(async (tx) => {
    await tx`select set_config('role', 'service_role', true)`;
    await tx`
      insert into public.calcom_connections
        (id, user_id, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id, is_active)
      values (${connectionId}, ${options.userId}, ${apiKeyEncrypted}, ${apiKey.slice(-4)},
        ${webhookSecretEncrypted}, ${options.calcomUserId ?? Math.floor(Math.random() * 1e9)},
        ${options.isActive ?? true})`;
  });
  return { connectionId, userId: options.userId, webhookSecret };
}

/** A valid booking row; `overrides` replace fields. */
export function testBookingRow(overrides: Partial<BookingRow> = {}): BookingRow {
  const uid = overrides.booking_uid ?? `uid-${crypto.randomUUID().slice(0, 8)}`;
  return {
    booking_id: 1000,
    booking_uid: uid,
    event_type_id: 9001,
    event_type_slug: "intro-call",
    event_type_title: null,
    title: "Intro call",
    description: null,
    start_time: "2025-03-10T14:00:00.000Z",
    end_time: "2025-03-10T14:30:00.000Z",
    status: "ACCEPTED",
    organizer_id: 512,
    organizer_name: "Dana Host",
    organizer_email: "dana@example.com",
    organizer_username: "dana",
    organizer_timezone: "Europe/Berlin",
    attendees: [{
      name: "Sam Guest",
      email: "sam@example.org",
      timeZone: "America/New_York",
      language: "en",
      phoneNumber: null,
      absent: false,
    }],
    location: "integrations:daily",
    meeting_url: null,
    custom_inputs: null,
    metadata: {},
    rescheduled_from_uid: null,
    rescheduled_to_uid: null,
    cancellation_reason: null,
    rejection_reason: null,
    ical_uid: `${uid}@cal.com`,
    recurring_booking_uid: null,
    absent_host: false,
    calcom_created_at: "2025-03-01T09:00:00.000Z",
    source_updated_at: "2025-03-01T09:00:00.000Z",
    raw: { uid },
    ...overrides,
  };
}
