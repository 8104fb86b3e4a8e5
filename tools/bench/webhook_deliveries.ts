/**
 * Signed `BOOKING_CREATED` deliveries for the webhook benchmark, made before the load starts so the load
 * tool only replays bytes: each new one books a booking nobody saw before (unique uid, id and times),
 * signed as Cal.com signs (lowercase hex HMAC-SHA256 of the body) by the production `signCalBody`. A mixed
 * set also holds exact duplicates, older states of bookings already delivered (out of order) and
 * deliveries signed with the wrong secret. The mix comes from the sandbox's seeded generator, so the
 * same seed builds the same set.
 *
 * @module
 */
import { signCalBody } from "../../supabase/functions/calcom-webhook/cal_signature.ts";
import { webhookFixture } from "../testing/fixtures/webhooks/mod.ts";
import { seededRandom } from "../calcom_sandbox/ids.ts";

/** Shares (0..1) of the special deliveries in a mixed set; the rest are new bookings. */
export interface DeliveryMix {
  duplicates: number;
  outOfOrder: number;
  badSignatures: number;
}

/** The delivery mix: 10% duplicates, 10% out of order, 5% bad signatures. */
export const MIXED: DeliveryMix = { duplicates: 0.1, outOfOrder: 0.1, badSignatures: 0.05 };

/** What a delivery is, and so what the function must answer. */
export type DeliveryKind = "new" | "duplicate" | "out_of_order" | "bad_signature";

/** One delivery, ready to send. */
export interface Delivery {
  kind: DeliveryKind;
  path: string;
  signature: string;
  body: string;
  uid: string;
}

/** Options of {@linkcode buildDeliveries}. */
export interface DeliveryOptions {
  count: number;
  /** The connection's webhook secret. */
  secret: string;
  /** The request path, e.g. `/calcom-webhook/<connection id>`. */
  path: string;
  mix?: DeliveryMix;
  /** Seed of the choice of special deliveries (same seed, same set). */
  seed?: number;
  /** Distinguishes the uids of several sets sent to the same database. */
  prefix?: string;
}

const BASE_TIME = Date.parse("2026-01-05T08:00:00.000Z");
const MINUTE = 60_000;

function bookingBody(
  template: Record<string, unknown>,
  i: number,
  uid: string,
  deliveredAt: number,
  title: string,
): string {
  const payload = template.payload as Record<string, unknown>;
  const start = BASE_TIME + 7 * 24 * 60 * MINUTE + i * 30 * MINUTE;
  const body = {
    ...template,
    createdAt: new Date(deliveredAt).toISOString(),
    payload: {
      ...payload,
      title,
      startTime: new Date(start).toISOString(),
      endTime: new Date(start + 30 * MINUTE).toISOString(),
      uid,
      iCalUID: `${uid}@cal.com`,
      bookingId: 1_000_000 + i,
      videoCallData: {
        ...(payload.videoCallData as object),
        id: uid,
        url: `https://app.cal.com/video/${uid}`,
      },
      metadata: { videoCallUrl: `https://app.cal.com/video/${uid}` },
    },
  };
  // Cal.com sends JSON.stringify output: compact, one line
  return JSON.stringify(body);
}

/** How far back a duplicate or out-of-order delivery reaches: far enough to have been sent already. */
const LOOKBACK = { min: 32, max: 256 };

/**
 * Builds `count` deliveries in sending order. Special deliveries refer to a new one sent between 32 and
 * 256 positions earlier, so with 16 connections the original has already been answered.
 */
export function buildDeliveries(options: DeliveryOptions): Delivery[] {
  const mix = options.mix ?? { duplicates: 0, outOfOrder: 0, badSignatures: 0 };
  const random = seededRandom(options.seed ?? 1);
  const template = webhookFixture("BOOKING_CREATED");
  const prefix = options.prefix ?? "bench";
  const sign = (body: string) => signCalBody(options.secret, body);
  const forge = (body: string) => signCalBody(`not-${options.secret}`, body);
  const out: Delivery[] = [];
  // the new deliveries by position, for duplicates and older states to refer to
  const fresh: ({ i: number; uid: string; at: number } | undefined)[] = [];
  const pickEarlier = (n: number) => {
    for (let tries = 0; tries < 16; tries++) {
      const back = LOOKBACK.min + Math.floor(random() * (LOOKBACK.max - LOOKBACK.min + 1));
      const found = fresh[n - back];
      if (found) return { index: n - back, ...found };
    }
    return undefined;
  };
  for (let n = 0; n < options.count; n++) {
    const at = BASE_TIME + n * 1000;
    const r = random();
    const earlier = r < mix.duplicates + mix.outOfOrder ? pickEarlier(n) : undefined;
    if (earlier && r < mix.duplicates) {
      out.push({ ...out[earlier.index], kind: "duplicate" });
    } else if (earlier) {
      // an older state of that booking: Cal.com generated it before the one already delivered
      const body = bookingBody(template, earlier.i, earlier.uid, earlier.at - MINUTE, "Older title");
      out.push({
        kind: "out_of_order",
        path: options.path,
        signature: sign(body),
        body,
        uid: earlier.uid,
      });
    } else if (
      r >= mix.duplicates + mix.outOfOrder && r < mix.duplicates + mix.outOfOrder + mix.badSignatures
    ) {
      const uid = `${prefix}bad${n}`;
      const body = bookingBody(template, n, uid, at, "Forged booking");
      out.push({
        kind: "bad_signature",
        path: options.path,
        signature: forge(body),
        body,
        uid,
      });
    } else {
      const uid = `${prefix}${n.toString(36).padStart(6, "0")}`;
      const body = bookingBody(template, n, uid, at, `Intro call ${n}`);
      fresh[n] = { i: n, uid, at };
      out.push({ kind: "new", path: options.path, signature: sign(body), body, uid });
    }
  }
  return out;
}

/** How many deliveries of each kind a set holds. */
export function countKinds(deliveries: readonly Delivery[]): Record<DeliveryKind, number> {
  const counts: Record<DeliveryKind, number> = { new: 0, duplicate: 0, out_of_order: 0, bad_signature: 0 };
  for (const d of deliveries) counts[d.kind]++;
  return counts;
}

/** Writes deliveries in the line format `wrk_replay.lua` reads: path, signature, body, tab-separated. */
export async function writeDeliveries(file: string, deliveries: readonly Delivery[]): Promise<void> {
  const text = deliveries.map((d) => `${d.path}\t${d.signature}\t${d.body}`).join("\n") + "\n";
  await Deno.writeTextFile(file, text);
}

/**
 * A profiler's inputs: `warmup` unique deliveries and `load` more (the benchmark's mix when `mixed`),
 * signed for `target`, written as wrk replay files into a new temporary folder (`dir`) named after `prefix`.
 */
export async function writeProfileDeliveries(options: {
  prefix: string;
  target: { secret: string; path: string };
  warmup: number;
  load: number;
  mixed: boolean;
}): Promise<{ dir: string; warmup: string; load: string }> {
  const { secret, path } = options.target;
  const dir = await Deno.makeTempDir({ prefix: options.prefix });
  const files = { warmup: `${dir}/warmup.tsv`, load: `${dir}/load.tsv` };
  await writeDeliveries(
    files.warmup,
    buildDeliveries({ count: options.warmup, secret, path, prefix: "warm" }),
  );
  await writeDeliveries(
    files.load,
    buildDeliveries({
      count: options.load,
      secret,
      path,
      prefix: "load",
      ...(options.mixed ? { mix: MIXED, seed: 7 } : {}),
    }),
  );
  return { dir, ...files };
}
