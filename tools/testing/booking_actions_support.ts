/**
 * Helpers for the booking action tests: a stack serving calcom-bookings-sync and calcom-webhook, with
 * the sandbox's webhook deliveries either passed straight on (Cal.com delivering before it answers)
 * or held and sent later (the echo arriving after the action's answer); a user whose sandbox account
 * delivers every trigger to the function; and the calls of the action routes.
 *
 * @module
 */
import { createCalcomClient } from "../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import type { Sandbox } from "../calcom_sandbox/mod.ts";
import { type FunctionResponse, invokeFunction } from "./invoke_function.ts";
import { type CalAccount, insertConnection } from "./sync_test_support.ts";
import { type StackUser, startTestStack, type TestStack, type TestStackOptions } from "./test_stack.ts";

/** The sandbox clock of these tests: fixed, so nothing depends on the wall clock. */
export const ACTION_NOW = "2030-03-04T09:00:00.000Z";

/** Webhook deliveries the sandbox made while held, to send on later. */
export interface HeldDeliveries {
  /** While true, deliveries are answered 200 at once and kept; otherwise passed straight on. */
  hold: boolean;
  /** Sends the kept deliveries to where they were going, in order; returns their statuses. */
  release(): Promise<number[]>;
}

/** A stack for the action tests, with the sandbox clock at {@linkcode ACTION_NOW}. */
export async function startActionStack(
  options: TestStackOptions = {},
): Promise<{ stack: TestStack<Sandbox>; held: HeldDeliveries }> {
  const kept: { url: string; init: RequestInit }[] = [];
  const held: HeldDeliveries = {
    hold: false,
    async release() {
      const statuses: number[] = [];
      for (const { url, init } of kept.splice(0)) {
        const res = await fetch(url, init);
        await res.body?.cancel();
        statuses.push(res.status);
      }
      return statuses;
    },
  };
  const deliver: typeof fetch = (input, init) => {
    if (!held.hold) return fetch(input, init);
    kept.push({
      url: String(input),
      init: { method: init?.method, headers: init?.headers, body: init?.body },
    });
    return Promise.resolve(new Response("ok", { status: 200 }));
  };
  const stack = await startTestStack({
    apps: { sync: true, webhook: true },
    ...options,
    sandbox: { fetch: deliver, ...(options.sandbox || {}) },
  });
  stack.sandbox.setNow(ACTION_NOW);
  return { stack, held };
}

/** A signed-up user connected to a fresh sandbox account that delivers every trigger to the function. */
export async function actionUser(
  stack: TestStack<Sandbox>,
): Promise<{ user: StackUser; cal: CalAccount; connectionId: string }> {
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  const webhookSecret = `whsec_${crypto.randomUUID()}`;
  const connectionId = await insertConnection(stack, user, cal, { webhookSecret });
  await createCalcomClient({ apiKey: cal.apiKey, baseUrl: stack.sandbox.url }).createWebhook({
    subscriberUrl: stack.webhookUrl(connectionId),
    triggers: calcomWebhookTriggers,
    secret: webhookSecret,
  });
  return { user, cal, connectionId };
}

/** `POST /calcom-bookings-sync/bookings/<uid>/<action>` as `user`. */
export function act(
  user: StackUser,
  uid: string,
  action: string,
  body: unknown = {},
  query = "",
): Promise<FunctionResponse> {
  return invokeFunction(
    user.client,
    `calcom-bookings-sync/bookings/${encodeURIComponent(uid)}/${action}${query}`,
    {
      method: "POST",
      body,
    },
  );
}

/** The stored bookings of a connection as the read API returns them, by uid. */
export async function readMirror(user: StackUser): Promise<Map<string, Record<string, unknown>>> {
  const res = await invokeFunction(user.client, "calcom-bookings-sync?fromDb=true&limit=250", {
    method: "GET",
  });
  if (res.status !== 200) throw new Error(`read failed: ${res.status} ${JSON.stringify(res.body)}`);
  return new Map((res.body.bookings as Record<string, unknown>[]).map((b) => [b.uid as string, b]));
}

/** Rows of a connection (every uid, duplicates included). */
export async function rowCount(stack: TestStack, connectionId: string): Promise<number> {
  const [{ n }] = await stack.db.sql<{ n: number }[]>`
    select count(*)::int as n from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
  return n;
}

/** The webhook events the function logged for a connection, oldest first. */
export async function webhookEvents(stack: TestStack, connectionId: string) {
  return await stack.db.sql<
    { trigger_event: string; processed: boolean; error_message: string | null; booking_uid: string | null }[]
  >`
    select trigger_event, processed, error_message, booking_uid from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} order by received_at, id`;
}
