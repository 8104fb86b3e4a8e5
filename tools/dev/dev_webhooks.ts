/**
 * Webhooks in development. The connection function registers a webhook with Cal.com only when the
 * functions' URL is public, since Cal.com cannot reach 127.0.0.1. The in-process sandbox can, so when the
 * dev server talks to the sandbox it registers the webhook itself right after a successful connect (an
 * API key's `POST`, or the OAuth callback's redirect back to the app), with the function's own code (same URL, secret and triggers), and records it on the connection as the
 * function would have. Disconnecting then removes it through the function, as in production.
 *
 * @module
 */
import { connectionSecret } from "../../supabase/functions/_shared/platform/connection_secret.ts";
import type { Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import {
  readCiphertexts,
  setWebhookState,
} from "../../supabase/functions/calcom-connection/connection_store.ts";
import { readCredential } from "../../supabase/functions/calcom-connection/oauth_connection_store.ts";
import { registerWebhook } from "../../supabase/functions/calcom-connection/register_webhook.ts";
import { calcomForConnection } from "../../supabase/functions/_shared/oauth/connection_client.ts";
import { webhookUrlFor } from "../../supabase/functions/calcom-connection/webhook_url.ts";

/** What registering did for one connection. */
export type DevWebhookResult =
  | { status: "registered"; webhookId: string; url: string }
  | { status: "already-registered" | "not-found" }
  | { status: "failed"; error: string };

/** Registers a connection's webhook at the sandbox, pointing at the local webhook function. */
export type DevWebhookRegistrar = (connectionId: string) => Promise<DevWebhookResult>;

/**
 * Creates the registrar for the dev server's functions URL (`http://127.0.0.1:PORT/functions/v1`).
 */
export function createDevWebhookRegistrar(deps: Deps, functionsUrl: string): DevWebhookRegistrar {
  return async (connectionId) => {
    const [row] = await deps.db.asService((tx) =>
      tx<{ user_id: string; calcom_webhook_id: string | null }[]>`
        select user_id, calcom_webhook_id from public.calcom_connections where id = ${connectionId}`
    );
    if (!row) return { status: "not-found" };
    if (row.calcom_webhook_id) return { status: "already-registered" };
    const stored = await deps.db.asService((tx) => readCiphertexts(tx, connectionId, row.user_id));
    const credential = await deps.db.asService((tx) => readCredential(tx, connectionId, row.user_id));
    if (!stored || !credential) return { status: "not-found" };
    const connection = { id: connectionId, userId: row.user_id };
    // An API key, or the OAuth connection's access token
    const calcom = await calcomForConnection(deps, credential);
    const secret = await deps.secrets.decrypt(
      stored.webhookSecret,
      connectionSecret("webhook_secret_encrypted", connection),
    );
    const url = webhookUrlFor(functionsUrl, connectionId);
    const result = await registerWebhook(calcom, { subscriberUrl: url, secret });
    const state = result.webhookId === null
      ? { webhookId: null, error: result.error }
      : { webhookId: result.webhookId, error: null };
    await deps.db.asService((tx) => setWebhookState(tx, connectionId, row.user_id, state));
    return result.webhookId === null
      ? { status: "failed", error: result.error }
      : { status: "registered", webhookId: result.webhookId, url };
  };
}

type Handler = (request: Request) => Response | Promise<Response>;

/** The connection an OAuth callback's redirect says was connected, if it says so. */
function connectedByRedirect(response: Response): string | undefined {
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) return undefined;
  const back = new URL(location);
  if (back.searchParams.get("calcom_status") !== "connected") return undefined;
  return back.searchParams.get("calcom_connection_id") ?? undefined;
}

/** Registers, and logs what became of it; never fails the request it follows. */
async function registerAndLog(
  register: DevWebhookRegistrar,
  id: string,
  log: (line: string) => void,
): Promise<DevWebhookResult | undefined> {
  let result: DevWebhookResult;
  try {
    result = await register(id);
  } catch (err) {
    log(`dev: could not register the sandbox webhook: ${err instanceof Error ? err.name : "error"}`);
    return undefined;
  }
  if (result.status === "failed") log(`dev: could not register the sandbox webhook: ${result.error}`);
  if (result.status === "registered") {
    log(`dev: registered the sandbox webhook ${result.url} (the function skips local URLs)`);
  }
  return result;
}

/**
 * Wraps the connection function: after a successful `POST` (connect or reconnect) that did not ask to
 * skip the webhook, registers the connection's webhook before the answer goes out, so the sandbox's next
 * change is delivered, and amends the answer to say so (header `x-dev-webhook: registered-by-dev-server`).
 * After an OAuth callback that connected an account, registers it before the browser is sent back.
 */
export function withDevWebhookRegistration(
  handler: Handler,
  register: DevWebhookRegistrar,
  log: (line: string) => void,
): Handler {
  return async (request) => {
    if (request.method === "GET" && new URL(request.url).pathname.endsWith("/oauth/callback")) {
      const response = await handler(request);
      const id = connectedByRedirect(response);
      if (id) await registerAndLog(register, id, log);
      return response;
    }
    if (request.method !== "POST") return await handler(request);
    const wanted = await request.clone().json().then(
      (body) => body?.registerWebhook !== false,
      () => false,
    );
    const response = await handler(request);
    if (!wanted || (response.status !== 200 && response.status !== 201)) return response;
    const id = await response.clone().json().then((body) => body?.connection?.id, () => undefined);
    if (typeof id !== "string") return response;
    const result = await registerAndLog(register, id, log);
    return result?.status === "registered" ? await reportRegistration(response) : response;
  };
}

/**
 * The function's answer, amended to say the dev server registered the webhook (the function itself
 * reported it skipped, as the URL is local), so the answer agrees with the next `GET`.
 */
async function reportRegistration(response: Response): Promise<Response> {
  const body = await response.json();
  if (body?.connection && typeof body.connection === "object") {
    body.connection.webhookRegistered = true;
    body.connection.webhookError = null;
  }
  if (typeof body?.message === "string") {
    body.message += " (the dev server registered it with the Cal.com sandbox instead)";
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.set("x-dev-webhook", "registered-by-dev-server");
  return new Response(JSON.stringify(body), { status: response.status, headers });
}
