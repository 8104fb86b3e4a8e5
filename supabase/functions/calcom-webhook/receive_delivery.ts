/**
 * One Cal.com delivery, `POST /calcom-webhook/:connectionId`: find the connection (in memory for up to
 * a minute after it was read, see `connection_cache.ts`), take the exact body (already bounded by the
 * app's body limit in `_shared/platform/http.ts`), verify the signature before parsing anything, then log
 * and apply the event in one statement (`write_delivery.ts`).
 * That statement refuses to write when the connection's secret or active flag changed since it was read:
 * the connection is then read again and the delivery verified and decided again, so a new secret or a
 * pause counts from the very next delivery.
 *
 * Answers: 404 for an unknown connection (nothing stored), 413 for an oversized body, 401 for a bad
 * signature (logged unverified, bounded per hour, never processed), and 200 for every correctly signed
 * delivery, processed or not, so Cal.com never disables the webhook over an event we failed to apply; 202
 * for one beyond the connection's quota (`webhook_quota.ts`), of which only the booking uid is kept for
 * the next sync to read again: a 2xx, since Cal.com does not retry any other answer.
 *
 * @module
 */
import type { Context } from "hono";
import { apiError, type AppEnv } from "../_shared/platform/http.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { connectionSecret } from "../_shared/platform/connection_secret.ts";
import { type SignatureFailureReason, verifyCalSignature } from "./cal_signature.ts";
import { jsonbSafeBody, jsonbStorable } from "../_shared/bookings/jsonb_text.ts";
import { describeWebhookBody } from "./webhook_payloads.ts";
import {
  logUnverifiedStatement,
  type UnverifiedOutcome,
  unverifiedOutcome,
  type VerifiedEvent,
  webhookDedupeKey,
} from "./webhook_events_store.ts";
import { writeDelivery, type WrittenDelivery } from "./write_delivery.ts";
import {
  connectionNotFound,
  findWebhookConnection,
  isConnectionId,
  type WebhookConnection,
} from "./webhook_connection.ts";
import type { ConnectionCache, VerifiedConnection } from "./connection_cache.ts";
import type { WebhookQuota } from "./webhook_quota.ts";
import type { DeliveryReceipt } from "./responses.ts";

/**
 * How often one delivery reads its connection at most: the write finds it changed since each read only
 * when it is paused, resumed or re-keyed in the milliseconds between a read and the write.
 */
const MAX_CONNECTION_READS = 3;

/** Limits of the delivery route. */
export interface DeliveryOptions {
  /** Unverified deliveries logged per connection and rolling hour; more are answered but not logged. */
  unverifiedPerHour: number;
  /** Connections verified recently, shared by the deliveries of one app. */
  connections: ConnectionCache;
  /** What signed deliveries may store per connection; beyond it they are deferred (`webhook_quota.ts`). */
  quota: WebhookQuota;
}

const REJECTION: Record<SignatureFailureReason | "secret_unavailable", string> = {
  missing_signature: "Missing X-Cal-Signature-256 header",
  no_secret_provided:
    "Webhook is signed without a secret: set the connection's secret on the Cal.com webhook",
  malformed_signature: "Malformed X-Cal-Signature-256 header: expected 64 lowercase hex digits",
  signature_mismatch: "Invalid webhook signature",
  secret_unavailable: "Cannot verify the webhook signature: the connection's secret cannot be decrypted",
};

/**
 * Answers 404 when the connection was deleted between finding it and writing its event (a delivery racing a
 * disconnect): the ownership foreign key then refuses the insert (23503), and the connection is simply gone.
 */
export async function goneAsNotFound<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if ((err as { code?: unknown })?.code === "23503") throw connectionNotFound();
    throw err;
  }
}

/** Strict UTF-8, the BOM kept: one decoder for every delivery (decoding a whole input keeps no state). */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Lenient UTF-8, for the raw text of a body that is not valid UTF-8. */
const LENIENT_UTF8 = new TextDecoder();

/** The body as text and JSON, or why it is neither (the raw text is then kept for a replay). */
function parseBody(bytes: Uint8Array): { value: unknown; json: string } | { error: string; rawBody: string } {
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return { error: "Body is not valid UTF-8", rawBody: LENIENT_UTF8.decode(bytes) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "Body is not valid JSON", rawBody: text };
  }
  // A cast that fails would fail the whole delivery with a 500: keep such a body raw instead
  if (!jsonbStorable(text)) {
    return {
      error: "Body is JSON that Postgres jsonb cannot hold (nested too deep or a huge number)",
      rawBody: text,
    };
  }
  return jsonbSafeBody(text, value);
}

/**
 * Logs a delivery that failed verification against `connection`'s secret (bounded per hour); a secret
 * that changed since `connection` was read is reported instead, and nothing is logged.
 */
function logUnverified(
  deps: Deps,
  options: DeliveryOptions,
  connection: WebhookConnection,
  reason: SignatureFailureReason | "secret_unavailable",
  receivedAt: Date,
): Promise<UnverifiedOutcome> {
  const statement = logUnverifiedStatement({
    connectionId: connection.id,
    userId: connection.userId,
    reason,
    receivedAt,
    maxPerHour: options.unverifiedPerHour,
    verifiedWith: connection.webhookSecretEncrypted,
  });
  return deps.db.asServiceOnce(statement).then(unverifiedOutcome);
}

/** Answers a delivery that is not verified: 404 when the connection is gone, else 401 (500 if undecryptable). */
function refuse(
  c: Context<AppEnv>,
  options: DeliveryOptions,
  connectionId: string,
  reason: SignatureFailureReason | "secret_unavailable",
  outcome: UnverifiedOutcome,
): never {
  c.var.log.warn("webhook delivery not verified", { connectionId, reason, logged: outcome === "logged" });
  if (outcome === "gone") {
    options.connections.drop(connectionId);
    throw connectionNotFound();
  }
  if (reason === "secret_unavailable") throw apiError(500, "internal_error", REJECTION[reason]);
  throw apiError(401, "unauthorized", REJECTION[reason], { reason });
}

/** Decrypts a connection's secret; on failure the delivery is logged unverified and answered 500. */
async function unlock(
  c: Context<AppEnv>,
  deps: Deps,
  options: DeliveryOptions,
  connection: WebhookConnection,
  receivedAt: Date,
): Promise<VerifiedConnection> {
  try {
    return {
      ...connection,
      secret: await deps.secrets.decrypt(
        connection.webhookSecretEncrypted,
        connectionSecret("webhook_secret_encrypted", connection),
      ),
    };
  } catch (err) {
    c.var.log.error("cannot decrypt webhook secret", { connectionId: connection.id, error: err });
    const outcome = await logUnverified(deps, options, connection, "secret_unavailable", receivedAt);
    return refuse(c, options, connection.id, "secret_unavailable", outcome);
  }
}

/** A delivery's signed bytes and when it arrived. */
interface SignedBytes {
  bytes: Uint8Array;
  signature: string | undefined;
  receivedAt: Date;
}

/**
 * Verifies a delivery against `connection`'s secret and answers the connection it verified with. A
 * failure is logged by one statement, unless the secret changed since `connection` was read (cached or
 * not): then the connection is read again and the delivery checked again, so a stale secret never
 * answers 401. A delivery that does not verify is refused (throws).
 */
async function authenticate(
  c: Context<AppEnv>,
  deps: Deps,
  options: DeliveryOptions,
  connection: VerifiedConnection,
  delivery: SignedBytes,
): Promise<VerifiedConnection> {
  const { bytes, signature, receivedAt } = delivery;
  let check = verifyCalSignature(connection.secret, bytes, signature);
  if (check.ok) return connection;
  let outcome = await logUnverified(deps, options, connection, check.reason, receivedAt);
  if (outcome === "secret_changed") {
    options.connections.drop(connection.id);
    const fresh = await readConnection(deps, connection.id);
    if (!fresh) throw connectionNotFound();
    connection = await unlock(c, deps, options, fresh, receivedAt);
    check = verifyCalSignature(connection.secret, bytes, signature);
    if (check.ok) return connection;
    outcome = await logUnverified(deps, options, connection, check.reason, receivedAt);
  }
  return refuse(c, options, connection.id, check.reason, outcome);
}

function readConnection(deps: Deps, connectionId: string): Promise<WebhookConnection | null> {
  return deps.db.asService((tx) => findWebhookConnection(tx, connectionId));
}

/** Handles one delivery; see the module doc for the answers. */
export async function receiveDelivery(
  c: Context<AppEnv>,
  deps: Deps,
  options: DeliveryOptions,
): Promise<Response> {
  const connectionId = c.req.param("connectionId") ?? "";
  if (!isConnectionId(connectionId)) throw connectionNotFound();
  const cached = options.connections.get(connectionId);
  const stored = cached ? null : await readConnection(deps, connectionId);
  if (!cached && !stored) throw connectionNotFound();

  // read once, within the size limit, by the app's body limit (`_shared/platform/http.ts`)
  const bytes = c.get("body") ?? new Uint8Array(0);
  const receivedAt = deps.now();
  const signature = c.req.header("x-cal-signature-256");
  const verify = (read: VerifiedConnection) =>
    authenticate(c, deps, options, read, { bytes, signature, receivedAt });
  let connection = await verify(cached ?? await unlock(c, deps, options, stored!, receivedAt));

  const dedupeKey = webhookDedupeKey(bytes);
  const parsed = parseBody(bytes);
  const { trigger, bookingUid } = "error" in parsed
    ? { trigger: null, bookingUid: null }
    : describeWebhookBody(parsed.value);
  let written: WrittenDelivery;
  for (let reads = 1;; reads++) {
    // a fresh read serves the next deliveries; a forged one never evicted the cached entry (no re-read for them)
    if (connection !== cached) options.connections.set(connection);
    const event: VerifiedEvent = {
      connectionId: connection.id,
      userId: connection.userId,
      dedupeKey,
      trigger,
      bookingUid,
      payloadJson: "error" in parsed ? null : parsed.json,
      rawBody: "error" in parsed ? parsed.rawBody : null,
      receivedAt,
      verifiedWith: connection.webhookSecretEncrypted,
      connectionActive: connection.isActive,
      quota: options.quota,
    };
    const write = goneAsNotFound(
      writeDelivery(deps, connection, event, "error" in parsed ? parsed : { value: parsed.value }),
    );
    try {
      written = await write;
    } catch (err) {
      // deleted since it was read (or cached): the next delivery reads it again, and finds nothing
      options.connections.drop(connectionId);
      throw err;
    }
    if (!written.connectionChanged) break;
    // paused, resumed or re-keyed since it was read: read it again, and verify and decide again
    options.connections.drop(connectionId);
    if (reads === MAX_CONNECTION_READS) {
      throw new Error(`Connection ${connectionId} changed during each of ${reads} reads of one delivery`);
    }
    const fresh = await readConnection(deps, connectionId);
    if (!fresh) throw connectionNotFound();
    connection = await verify(await unlock(c, deps, options, fresh, receivedAt));
  }
  if (written.deferred) {
    c.var.log.warn("webhook delivery beyond the quota deferred to the next sync", {
      connectionId,
      trigger,
      bookingUid,
    });
  } else if (!written.processed && !written.duplicate) {
    c.var.log.warn("webhook event not processed", { connectionId, eventId: written.eventId, trigger });
  }
  const receipt: DeliveryReceipt = {
    received: true,
    processed: written.processed,
    event: written.trigger,
    eventId: written.eventId,
    ...(written.duplicate ? { duplicate: true as const } : {}),
    ...(written.deferred ? { deferred: true as const } : {}),
  };
  return c.json(receipt, written.deferred ? 202 : 200);
}
