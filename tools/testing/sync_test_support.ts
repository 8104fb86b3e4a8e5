/**
 * Helpers for the calcom-bookings-sync tests: the lagging sandbox clock their stacks run on,
 * connections inserted directly (as the service role, with the functions' secret box, so these tests do
 * not depend on calcom-connection), the sandbox's request log per key, and the comparison of the mirror
 * with the sandbox's truth.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectionSecret } from "../../supabase/functions/_shared/platform/connection_secret.ts";
import { ApiBookingSchema } from "../../supabase/functions/_shared/calcom/schemas.ts";
import { mapApiBooking } from "../../supabase/functions/_shared/bookings/map_api_booking.ts";
import type { Sandbox } from "../calcom_sandbox/mod.ts";
import { type FunctionResponse, invokeFunction } from "./invoke_function.ts";
import type { StackUser, TestClock, TestStack } from "./test_stack.ts";
import { syncPageSize } from "../../supabase/functions/calcom-bookings-sync/sync_plan.ts";

/** A Cal.com account in the sandbox. */
export interface CalAccount {
  user: { id: number; username: string; email?: string };
  apiKey: string;
}

/**
 * The clock of a sync test's stack: the sandbox runs a day behind ours, so the watermark lag never
 * bites.
 */
export const syncClock: TestClock = { sandboxLagMs: 86_400_000 };

const FN = "calcom-bookings-sync";

/** `POST /calcom-bookings-sync` with `body`, as `user`. */
export function postSync(user: StackUser, body: Record<string, unknown> = {}): Promise<FunctionResponse> {
  return invokeFunction(user.client, FN, { method: "POST", body });
}

/** Inserts a connection of `user` to `cal` as calcom-connection would, and returns its id. */
export async function insertConnection(
  stack: TestStack,
  user: { id: string },
  cal: CalAccount,
  options: { apiKey?: string; isActive?: boolean; webhookSecret?: string } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  const apiKey = options.apiKey ?? cal.apiKey;
  const connection = { id, userId: user.id };
  const apiKeyEncrypted = await stack.deps.secrets.encrypt(
    apiKey,
    connectionSecret("api_key_encrypted", connection),
  );
  const secretEncrypted = await stack.deps.secrets.encrypt(
    options.webhookSecret ?? `whsec_${crypto.randomUUID()}`,
    connectionSecret("webhook_secret_encrypted", connection),
  );
  await stack.deps.db.asService((tx) =>
    tx`
      insert into public.calcom_connections (
        id, user_id, label, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id,
        calcom_username, calcom_email, is_active
      ) values (
        ${id}, ${user.id}, ${`Cal.com ${cal.user.username}`}, ${apiKeyEncrypted}, ${apiKey.slice(-4)},
        ${secretEncrypted}, ${cal.user.id}, ${cal.user.username}, ${cal.user.email ?? null},
        ${options.isActive ?? true}
      )`
  );
  return id;
}

/** A signed-up user with a fresh sandbox account, `count` seeded bookings and a connection. */
export async function connectedUser(
  stack: TestStack<Sandbox>,
  count = 0,
  seed = 1,
): Promise<{ user: StackUser; cal: CalAccount; connectionId: string }> {
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  if (count > 0) stack.sandbox.seedBookings(cal.user.id, count, { seed });
  const connectionId = await insertConnection(stack, user, cal);
  return { user, cal, connectionId };
}

/** The sandbox's `GET /v2/bookings` requests made with `apiKey`. */
export function bookingRequests(stack: TestStack<Sandbox>, apiKey: string) {
  return stack.sandbox.requests.filter((r) =>
    r.path === "/v2/bookings" && r.method === "GET" && r.apiKeyHint === `…${apiKey.slice(-4)}`
  );
}

/** Requests a full sync of `n` bookings with distinct `updatedAt` values takes (docs/decisions.md). */
export function fullSyncPages(n: number): number {
  return n <= syncPageSize ? 1 : 1 + Math.ceil((n - syncPageSize) / (syncPageSize - 1));
}

/** Columns compared field by field with what the sync's mapping makes of the sandbox's booking. */
const COMPARED = [
  "booking_id",
  "event_type_id",
  "event_type_slug",
  "title",
  "description",
  "start_time",
  "end_time",
  "status",
  "organizer_id",
  "organizer_name",
  "organizer_email",
  "organizer_username",
  "organizer_timezone",
  "attendees",
  "location",
  "meeting_url",
  "custom_inputs",
  "metadata",
  "rescheduled_from_uid",
  "rescheduled_to_uid",
  "cancellation_reason",
  "ical_uid",
  "recurring_booking_uid",
  "absent_host",
  "calcom_created_at",
  "raw",
] as const;

/** What the table stores when a source does not give a column. */
const DEFAULTS: Partial<Record<string, unknown>> = { metadata: {}, absent_host: false };

function normalise(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Asserts the connection's rows are exactly the sandbox account's bookings: the same uids, once each,
 * each with the sandbox's status and times, a source time no earlier than its `updatedAt`, and every column of `sample` rows equal to
 * the mapped API booking.
 */
export async function assertMirrors(
  stack: TestStack<Sandbox>,
  connectionId: string,
  cal: CalAccount,
  sample = 25,
): Promise<void> {
  const truth = stack.sandbox.bookings(cal.user.id).map((b) =>
    ApiBookingSchema.parse(JSON.parse(JSON.stringify(b)))
  );
  const rows = await stack.deps.db.sql`
    select * from public.calcom_bookings where calcom_connection_id = ${connectionId} order by booking_uid`;
  assert.equal(rows.length, truth.length, "one row per sandbox booking");
  const byUid = new Map(rows.map((r) => [r.booking_uid as string, r]));
  assert.equal(byUid.size, rows.length, "no booking twice");
  truth.forEach((booking, i) => {
    const row = byUid.get(booking.uid);
    assert.ok(row, `booking ${booking.uid} is missing`);
    assert.equal(row.status, booking.status.toUpperCase(), `status of ${booking.uid}`);
    assert.equal(row.start_time.toISOString(), new Date(booking.start).toISOString());
    // The source time is when the sync read the booking (Cal.com's clock), never before its last change.
    assert.ok(
      row.source_updated_at.getTime() >= Date.parse(booking.updatedAt ?? booking.createdAt!),
      `source time of ${booking.uid}`,
    );
    if (i % Math.max(1, Math.floor(truth.length / sample)) !== 0) return;
    const expected = mapApiBooking(booking) as unknown as Record<string, unknown>;
    for (const column of COMPARED) {
      const given = expected[column] ?? DEFAULTS[column] ?? null;
      assert.deepEqual(normalise(row[column]), normalise(given), `${column} of ${booking.uid}`);
    }
  });
}

/** `updated_at` of every row of a connection, to prove a sync wrote nothing. */
export async function rowVersions(stack: TestStack, connectionId: string): Promise<Map<string, string>> {
  const rows = await stack.deps.db.sql<{ booking_uid: string; updated_at: Date }[]>`
    select booking_uid, updated_at from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
  return new Map(rows.map((r) => [r.booking_uid, r.updated_at.toISOString()]));
}
