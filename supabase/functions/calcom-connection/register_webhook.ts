/**
 * Registers a connection's webhook with Cal.com so it pushes booking changes, reusing one that already
 * posts to the same URL when it is signed with the same secret and listens to every trigger (Cal.com
 * lists webhooks with their secrets). One that does not match is deleted and created again rather than
 * patched, so nothing of a hand-made webhook (payload template, version) survives: the result is exactly
 * one webhook for the URL, with our secret and triggers, in the shape the webhook function expects.
 *
 * @module
 */
import type { CalcomClient } from "../_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../_shared/calcom/webhook_triggers.ts";
import {
  calcomLegacyWebhookTriggers,
  calcomWebhookPayloadVersion,
} from "../_shared/calcom/webhook_triggers.ts";
import type { CalcomWebhook } from "../_shared/calcom/schemas.ts";
import { isCalcomError, redact } from "../_shared/calcom/errors.ts";
import { safeErrorMessage } from "../_shared/platform/http.ts";

/** The outcome: a webhook id, or why there is none (safe to store and show: no secrets). */
export type WebhookRegistration =
  | { webhookId: string; outcome: "created" | "reused" | "replaced" }
  | { webhookId: null; error: string };

function matches(webhook: CalcomWebhook, secret: string): boolean {
  const triggers = new Set(webhook.triggers ?? []);
  return webhook.secret === secret && webhook.active !== false &&
    calcomWebhookTriggers.every((t) => triggers.has(t));
}

/**
 * Whether Cal.com refused the body itself (a 400 that is not about the URL): an older self-hosted Cal.com
 * whose trigger enum lacks the newer triggers answers so, with a message that does not say which field.
 */
function refusedBody(err: unknown): boolean {
  return isCalcomError(err) && err.status === 400 && !/Webhook URL is not allowed/i.test(err.message);
}

/** Creates (or reuses, or replaces) the webhook for `subscriberUrl`; never throws. */
export async function registerWebhook(
  client: CalcomClient,
  input: { subscriberUrl: string; secret: string },
): Promise<WebhookRegistration> {
  const createWith = (triggers: readonly string[]) =>
    client.createWebhook({
      subscriberUrl: input.subscriberUrl,
      triggers,
      secret: input.secret,
      active: true,
      version: calcomWebhookPayloadVersion,
    });
  const create = async () => {
    try {
      return await createWith(calcomWebhookTriggers);
    } catch (err) {
      if (!refusedBody(err)) throw err;
      return await createWith(calcomLegacyWebhookTriggers);
    }
  };
  try {
    try {
      return { webhookId: (await create()).id, outcome: "created" };
    } catch (err) {
      if (!(isCalcomError(err) && err.status === 409)) throw err;
    }
    // Cal.com allows one webhook per (user, URL): this one was registered before, by us or by hand
    const existing = await client.findWebhookByUrl(input.subscriberUrl);
    if (existing && matches(existing, input.secret)) return { webhookId: existing.id, outcome: "reused" };
    if (existing) await client.deleteWebhook(existing.id);
    return { webhookId: (await create()).id, outcome: "replaced" };
  } catch (err) {
    return {
      webhookId: null,
      error: isCalcomError(err)
        ? `Cal.com did not register the webhook: ${redact(safeErrorMessage(err, 400), [input.secret])}`
        : "Cal.com did not register the webhook: unexpected error",
    };
  }
}
