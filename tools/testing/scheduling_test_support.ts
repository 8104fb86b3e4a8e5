/**
 * Helpers for the tests of offering times and booking through calcom-bookings-sync: a stack whose
 * sandbox records webhook deliveries instead of sending them (so a test sends Cal.com's echo when it
 * chooses) on a pinned sandbox clock, and a connected user whose Cal.com webhook points at the stack's
 * calcom-webhook.
 *
 * @module
 */
import { createCalcomClient } from "../../supabase/functions/_shared/calcom/client.ts";
import type { Sandbox } from "../calcom_sandbox/mod.ts";
import { type FunctionResponse, invokeFunction } from "./invoke_function.ts";
import { type CalAccount, insertConnection } from "./sync_test_support.ts";
import { type StackUser, startTestStack, type TestStack, type TestStackOptions } from "./test_stack.ts";

/**
 * The sandbox's pinned time: Monday 2031-03-03, 06:00 UTC. Sandbox hosts work weekdays 09:00–17:00 in
 * Europe/Berlin (UTC+1 then), so that day's first slot is 08:00 UTC.
 */
export const SCHEDULING_NOW = "2031-03-03T06:00:00.000Z";

/** A stack serving calcom-bookings-sync and calcom-webhook, the sandbox pinned at {@link SCHEDULING_NOW}. */
export async function startSchedulingStack(
  options: Pick<TestStackOptions, "deps"> = {},
): Promise<TestStack<Sandbox>> {
  const stack = await startTestStack({
    ...options,
    apps: { sync: true, webhook: true },
    env: { CALCOM_DB_POOL_MAX: "6" },
    // Deliveries are only recorded (signed, as Cal.com sends them); `sendDeliveries` sends them.
    sandbox: { fetch: () => Promise.resolve(new Response(null, { status: 202 })) },
  });
  stack.sandbox.setNow(SCHEDULING_NOW);
  return stack;
}

/** A signed-up user connected to a new sandbox account whose webhook goes to the stack. */
export interface SchedulingUser {
  user: StackUser;
  cal: CalAccount;
  connectionId: string;
  /** Event type ids by slug: `30min`, `consult` (confirmation), `group-class` (5 seats), `weekly-sync`. */
  types: Record<string, number>;
}

/** Signs up a user with a Cal.com connection and its webhook registered at the sandbox. */
export async function schedulingUser(stack: TestStack<Sandbox>): Promise<SchedulingUser> {
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser({ timeZone: "Europe/Berlin" });
  const webhookSecret = `whsec_${crypto.randomUUID()}`;
  const connectionId = await insertConnection(stack, user, cal, { webhookSecret });
  await createCalcomClient({ apiKey: cal.apiKey, baseUrl: stack.sandbox.url }).createWebhook({
    subscriberUrl: stack.webhookUrl(connectionId),
    triggers: ["BOOKING_CREATED", "BOOKING_REQUESTED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED"],
    secret: webhookSecret,
  });
  const types = Object.fromEntries(stack.sandbox.eventTypes(cal.user.id).map((e) => [e.slug, e.id]));
  return { user, cal, connectionId, types };
}

/** Sends the recorded deliveries to where Cal.com would have sent them; returns their statuses. */
export async function sendDeliveries(stack: TestStack<Sandbox>): Promise<number[]> {
  const recorded = stack.sandbox.deliveries.splice(0);
  const statuses: number[] = [];
  for (const d of recorded) {
    const res = await fetch(d.url, { method: "POST", headers: d.headers, body: d.body });
    await res.body?.cancel();
    statuses.push(res.status);
  }
  return statuses;
}

/** `POST /calcom-bookings-sync/bookings` as `user`, with an Idempotency-Key when given. */
export function postBooking(
  user: StackUser,
  body: unknown,
  idempotencyKey?: string,
): Promise<FunctionResponse> {
  return invokeFunction(user.client, "calcom-bookings-sync/bookings", {
    method: "POST",
    body,
    headers: idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey },
  });
}

/** The sandbox's `POST /v2/bookings` requests made with `apiKey`. */
export function createRequests(stack: TestStack<Sandbox>, apiKey: string) {
  return stack.sandbox.requests.filter((r) =>
    r.path === "/v2/bookings" && r.method === "POST" && r.apiKeyHint === `…${apiKey.slice(-4)}`
  );
}
