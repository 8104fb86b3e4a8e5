/**
 * Sends webhooks the way Cal.com's `sendPayload` does (contract §8.1–§8.2): POST, JSON body,
 * `X-Cal-Signature-256` = lowercase hex HMAC-SHA256(secret, exact body) or the literal
 * `no-secret-provided`, `X-Cal-Webhook-Version`, redirects not followed, once, no retry. Every
 * attempt is recorded.
 *
 * @module
 */

import type { WebhookRecord } from "./store.ts";

/** Cal.com's header value when a webhook has no secret. */
export const NO_SECRET = "no-secret-provided";

/** The webhook payload version Cal.com sends in `X-Cal-Webhook-Version`. */
export const WEBHOOK_VERSION = "2021-10-20";

/** Lowercase hex HMAC-SHA256 of `body` keyed with `secret` (both UTF-8), as Cal.com signs. */
export async function signBody(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The headers Cal.com sends with `body` for a webhook with `secret` (null: none configured). */
export async function webhookHeaders(secret: string | null, body: string): Promise<Record<string, string>> {
  return {
    "Content-Type": "application/json",
    "X-Cal-Signature-256": secret ? await signBody(secret, body) : NO_SECRET,
    "X-Cal-Webhook-Version": WEBHOOK_VERSION,
  };
}

/** One delivery attempt. */
export interface Delivery {
  webhookId: string;
  url: string;
  trigger: string;
  /** HTTP status of the answer; 0 when none came (network error, timeout). */
  status: number;
  /** The exact body sent. */
  body: string;
  /** The headers sent (the signature is derived from the secret, never the secret itself). */
  headers: Record<string, string>;
  /** Why no answer came, when status is 0. */
  error?: string;
  /** Send time, epoch ms of the sandbox clock. */
  at: number;
}

/** Sends `body` to each webhook once; returns the attempts in the order of `webhooks`. */
export async function deliver(
  webhooks: WebhookRecord[],
  trigger: string,
  body: string,
  options: { fetch: typeof fetch; now: () => number; timeoutMs: number; signal?: AbortSignal },
): Promise<Delivery[]> {
  return await Promise.all(webhooks.map(async (w): Promise<Delivery> => {
    const headers = await webhookHeaders(w.secret, body);
    const at = options.now();
    // Cal.com sets no timeout; the sandbox bounds each attempt so a hung receiver cannot hang a test.
    const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
    try {
      const res = await options.fetch(w.subscriberUrl, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.any(signals),
      });
      await res.text().catch(() => "");
      return { webhookId: w.id, url: w.subscriberUrl, trigger, status: res.status, body, headers, at };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      return { webhookId: w.id, url: w.subscriberUrl, trigger, status: 0, body, headers, error, at };
    }
  }));
}

/** Active webhooks of `all` that subscribe to `trigger`. */
export function subscribers(all: WebhookRecord[], trigger: string): WebhookRecord[] {
  return all.filter((w) => w.active && w.triggers.includes(trigger));
}
