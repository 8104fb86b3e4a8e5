/**
 * Subprocess entry: the bare webhook server, the least work a delivery can cost with this schema. A plain
 * `Deno.serve` handler that verifies the HMAC (key imported once) and makes the same single SQL call per
 * delivery that `calcom-webhook` makes (`write_delivery.ts`): `public.calcom_log_webhook_event` with the
 * booking row inline for a verified one, `public.calcom_log_unverified_event` for a forged one. It sends
 * that call alone (autocommit: no `begin`, role setup or `commit` around it), maps the payload to the
 * row by hand for the `BOOKING_CREATED` deliveries the benchmark sends (no validation, no routing, no
 * logs), and reads the connection's secret ciphertext once at start rather than keeping a cache.
 *
 * Environment: `BENCH_DB_URL`, `BENCH_WEBHOOK_SECRET`, `BENCH_USER_ID`, `BENCH_CONNECTION_ID`,
 * `BENCH_POOL_MAX` (the function's pool size), `BENCH_QUOTA` (JSON: the quota the function runs with),
 * `BENCH_PORT_FILE`.
 *
 * @module
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import postgres from "postgres";
import { serveForBench } from "./bench_server.ts";

function env(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const userId = env("BENCH_USER_ID");
const connectionId = env("BENCH_CONNECTION_ID");
const quota = JSON.parse(env("BENCH_QUOTA")) as {
  maxPerMinute: number;
  maxBytesPerDay: number;
  maxDeferred: number;
};
/** The function's default bound on unverified deliveries logged per connection and hour. */
const UNVERIFIED_PER_HOUR = 100;
const key = createSecretKey(new TextEncoder().encode(env("BENCH_WEBHOOK_SECRET")));
// the functions' driver settings (_shared/platform/db.ts): no named prepared statements
const sql = postgres(env("BENCH_DB_URL"), {
  max: Number(Deno.env.get("BENCH_POOL_MAX") ?? 4),
  prepare: false,
  onnotice: () => {},
});
const [connection] = await sql<{ secret: string }[]>`
  select webhook_secret_encrypted as secret from public.calcom_connections where id = ${connectionId}`;
if (!connection) throw new Error(`Connection ${connectionId} not found`);
const verifiedWith = connection.secret;

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

interface Person {
  id?: number;
  name?: string;
  email?: string;
  username?: string;
  timeZone?: string;
  language?: { locale?: string };
  phoneNumber?: string;
}

/** The booking row `mapWebhookEvent` makes of a `BOOKING_CREATED` payload, by hand and unchecked. */
// deno-lint-ignore no-explicit-any
function bookingRow(p: Record<string, any>, sourceUpdatedAt: string): Record<string, unknown> {
  const organizer: Person = p.organizer ?? {};
  const responses: Record<string, { value?: unknown }> = p.responses ?? {};
  const customInputs: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(responses)) customInputs[name] = field?.value;
  const meetingUrl = p.metadata?.videoCallUrl ?? null;
  return {
    booking_id: p.bookingId,
    booking_uid: p.uid,
    event_type_id: p.eventTypeId ?? null,
    event_type_slug: p.type ?? null,
    event_type_title: p.eventTitle ?? null,
    title: p.title ?? "",
    description: p.description ?? null,
    start_time: p.startTime,
    end_time: p.endTime,
    status: p.status ?? "ACCEPTED",
    organizer_id: organizer.id ?? null,
    organizer_name: organizer.name ?? null,
    organizer_email: organizer.email ?? null,
    organizer_username: organizer.username ?? null,
    organizer_timezone: organizer.timeZone ?? null,
    attendees: (p.attendees ?? []).map((a: Person) => ({
      name: a.name,
      email: a.email,
      timeZone: a.timeZone,
      language: a.language?.locale ?? null,
      phoneNumber: a.phoneNumber ?? null,
    })),
    location: meetingUrl ?? p.location ?? null,
    meeting_url: meetingUrl,
    custom_inputs: customInputs,
    metadata: {},
    ical_uid: p.iCalUID ?? null,
    source_updated_at: sourceUpdatedAt,
    raw: p,
  };
}

async function handle(request: Request): Promise<Response> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  const receivedAt = new Date();
  const signature = fromHex(request.headers.get("x-cal-signature-256") ?? "");
  if (!signature || !timingSafeEqual(createHmac("sha256", key).update(bytes).digest(), signature)) {
    await sql`
      select public.calcom_log_unverified_event(${userId}, ${connectionId}, 'signature_mismatch',
        ${receivedAt}, ${UNVERIFIED_PER_HOUR}, ${verifiedWith}) as outcome`;
    return Response.json({ success: false, error: { code: "unauthorized", message: "Bad signature" } }, {
      status: 401,
    });
  }
  const dedupeKey = createHash("sha256").update(bytes).digest("hex");
  const text = new TextDecoder().decode(bytes);
  const body = JSON.parse(text);
  const row = bookingRow(body.payload, body.createdAt);
  const rowJson = JSON.stringify(row);
  row.source_hash = createHash("sha256").update(rowJson).digest("hex");
  const [logged] = await sql<{ event_id: string | null; duplicate: boolean; processed: boolean }[]>`
    select * from public.calcom_log_webhook_event(${userId}, ${connectionId}, ${dedupeKey},
      ${body.triggerEvent}, ${row.booking_uid as string}, ${text}, ${null}, ${true}, ${null}, ${receivedAt},
      ${receivedAt}, ${JSON.stringify([row])}::text::jsonb, ${verifiedWith}, ${true}, ${quota.maxPerMinute},
      ${quota.maxBytesPerDay}, ${quota.maxDeferred})`;
  return Response.json({
    received: true,
    processed: logged.processed,
    event: body.triggerEvent,
    eventId: logged.event_id,
    ...(logged.duplicate ? { duplicate: true } : {}),
  });
}

serveForBench(handle);
