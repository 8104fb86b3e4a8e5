/**
 * Helpers for the "Continue with Cal.com" tests: a stack whose functions are configured with an OAuth
 * client registered in the sandbox, and a browser that walks the flow (start, Cal.com's consent page,
 * the callback) by following the redirects by hand.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Sandbox, SandboxOptions } from "../calcom_sandbox/mod.ts";
import { invokeFunction } from "./invoke_function.ts";
import { type StackUser, startTestStack, type TestStack, type TestStackOptions } from "./test_stack.ts";

/** The app page the callback sends the browser back to. */
export const APP_RETURN_URL = "https://app.example.test/settings/calcom";

/** A stack with OAuth configured: the sandbox knows the client, the functions its id and secret. */
export interface OAuthStack extends TestStack<Sandbox> {
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
}

/** Starts a stack with the connection (and sync, webhook) functions and an OAuth client. */
export async function startOAuthStack(
  options: TestStackOptions & { scopes?: string[]; clientScopes?: string[]; sandbox?: SandboxOptions } = {},
): Promise<OAuthStack> {
  const stack = await startTestStack({ apps: { connection: true, sync: true, webhook: true }, ...options });
  const redirectUrl = `${stack.server.url}/calcom-connection/oauth/callback`;
  const { clientId, clientSecret } = await stack.sandbox.addOAuthClient({
    redirectUris: [redirectUrl],
    scopes: options.clientScopes,
  });
  // The client exists only once the sandbox runs; the functions read their config per request
  Object.assign(stack.config, {
    oauth: {
      clientId,
      clientSecret,
      redirectUrl,
      returnUrls: [APP_RETURN_URL, "https://app.example.test/other"],
      authorizeUrl: `${stack.sandbox.url}/auth/oauth2/authorize`,
      tokenUrl: `${stack.sandbox.url}/v2/auth/oauth2/token`,
      scopes: options.scopes,
    },
  });
  return Object.assign(stack, { clientId, clientSecret, redirectUrl });
}

/** `POST /calcom-connection/oauth/start` as `user`. */
export async function startFlow(user: StackUser, body: Record<string, unknown> = {}) {
  return await invokeFunction(user.client, "calcom-connection/oauth/start", { method: "POST", body });
}

/** What Cal.com's consent page sends the browser to (our callback, with code or error, and state). */
export async function consent(
  authorizeUrl: string,
  username: string,
  decision: "allow" | "deny" = "allow",
): Promise<URL> {
  const page = await fetch(authorizeUrl);
  assert.equal(page.status, 200, await page.clone().text());
  const html = await page.text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.set(unescape(m[1]), unescape(m[2]));
  }
  form.set("username", username);
  form.set("decision", decision);
  const answer = await fetch(new URL("/auth/oauth2/authorize", authorizeUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  await answer.body?.cancel();
  assert.equal(answer.status, 303);
  return new URL(answer.headers.get("location")!);
}

function unescape(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

/** Opens the callback URL as the browser would; returns the status and where it redirects to. */
export async function openCallback(
  url: URL | string,
): Promise<{ status: number; location: URL | null; body: string }> {
  const res = await fetch(url, { redirect: "manual" });
  const body = await res.text();
  const location = res.headers.get("location");
  return { status: res.status, location: location ? new URL(location) : null, body };
}

/** The whole flow for `user` as the sandbox user `username`: the app URL the browser ends on. */
export async function connectWithOAuth(user: StackUser, username: string): Promise<URL> {
  const started = await startFlow(user);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const back = await consent(started.body.authorizeUrl, username);
  const done = await openCallback(back);
  assert.equal(done.status, 302, done.body);
  return done.location!;
}
