/**
 * Subprocess entry: the webhook limit, the least a server must do per delivery with this design and
 * nothing more. It verifies the HMAC (key imported once), then runs one transaction: insert the event
 * (deduplicated by the body's SHA-256), upsert the booking (order-guarded by the source time), mark the
 * event processed. A delivery that fails verification is logged unverified by one insert, as the function
 * logs it (without the function's hourly bound and secret check). No framework, no validation library,
 * no connection lookup, no decryption, no logs.
 *
 * Environment: `BENCH_DB_URL`, `BENCH_WEBHOOK_SECRET`, `BENCH_USER_ID`, `BENCH_CONNECTION_ID`,
 * `BENCH_POOL_MAX` (the function's pool size, for a like-for-like database side), `BENCH_PORT_FILE`.
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
// synchronous node:crypto, the fastest HMAC and SHA-256 this runtime has (WebCrypto hops to a thread)
const key = createSecretKey(new TextEncoder().encode(env("BENCH_WEBHOOK_SECRET")));
// the same driver settings as the functions' pool (_shared/platform/db.ts): no named prepared statements
const sql = postgres(env("BENCH_DB_URL"), {
  max: Number(Deno.env.get("BENCH_POOL_MAX") ?? 4),
  prepare: false,
  onnotice: () => {},
});

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
}

async function handle(request: Request): Promise<Response> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  const signature = fromHex(request.headers.get("x-cal-signature-256") ?? "");
  if (!signature || !timingSafeEqual(createHmac("sha256", key).update(bytes).digest(), signature)) {
    // the function logs a forged delivery (reason only, bounded per hour): the same write, unbounded here
    await sql`
      insert into public.calcom_webhook_events (user_id, calcom_connection_id, verified, verification_error)
      values (${userId}, ${connectionId}, false, 'signature_mismatch')`;
    return Response.json({ success: false, error: { code: "unauthorized", message: "Bad signature" } }, {
      status: 401,
    });
  }
  const dedupeKey = createHash("sha256").update(bytes).digest("hex");
  const text = new TextDecoder().decode(bytes);
  const body = JSON.parse(text);
  const p = body.payload;
  const organizer: Person = p.organizer ?? {};
  const attendees = (p.attendees ?? []).map((a: Person) => ({
    name: a.name,
    email: a.email,
    timeZone: a.timeZone,
  }));
  const duplicate = await sql.begin(async (tx) => {
    const [event] = await tx`
      insert into public.calcom_webhook_events
        (user_id, calcom_connection_id, trigger_event, booking_uid, payload, verified, dedupe_key)
      values (${userId}, ${connectionId}, ${body.triggerEvent}, ${p.uid}, ${text}::text::jsonb, true, ${dedupeKey})
      on conflict (calcom_connection_id, dedupe_key) do nothing
      returning id`;
    if (!event) return true;
    await tx`
      insert into public.calcom_bookings as t (
        user_id, calcom_connection_id, booking_id, booking_uid, event_type_id, title, description,
        start_time, end_time, status, organizer_id, organizer_name, organizer_email, organizer_username,
        organizer_timezone, attendees, location, meeting_url, metadata, ical_uid, source_updated_at, raw)
      values (
        ${userId}, ${connectionId}, ${p.bookingId}, ${p.uid}, ${p.eventTypeId ?? null}, ${p.title ?? ""},
        ${p.description ?? null}, ${p.startTime}, ${p.endTime}, ${p.status ?? "ACCEPTED"},
        ${organizer.id ?? null}, ${organizer.name ?? null}, ${organizer.email ?? null},
        ${organizer.username ?? null}, ${organizer.timeZone ?? null}, ${
      JSON.stringify(attendees)
    }::text::jsonb,
        ${p.location ?? null}, ${p.metadata?.videoCallUrl ?? null}, ${
      JSON.stringify(p.metadata ?? {})
    }::text::jsonb,
        ${p.iCalUID ?? null}, ${body.createdAt}, ${JSON.stringify(p)}::text::jsonb)
      on conflict (calcom_connection_id, booking_uid) do update set
        title = excluded.title, description = excluded.description, start_time = excluded.start_time,
        end_time = excluded.end_time, status = excluded.status, attendees = excluded.attendees,
        location = excluded.location, meeting_url = excluded.meeting_url, metadata = excluded.metadata,
        source_updated_at = excluded.source_updated_at, raw = excluded.raw
      where excluded.source_updated_at > t.source_updated_at`;
    await tx`update public.calcom_webhook_events set processed = true, processed_at = now() where id = ${event.id}`;
    return false;
  });
  return Response.json({ received: true, processed: true, event: body.triggerEvent, duplicate });
}

serveForBench(handle);
