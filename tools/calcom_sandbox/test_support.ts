/**
 * Helpers for tests that talk to the sandbox over HTTP: an authenticated fetch with the pinned API
 * version, and a webhook receiver on 127.0.0.1 that records raw bodies and headers.
 *
 * @module
 */

import type { Sandbox } from "./sandbox.ts";

/** Fetches `path` from the sandbox with `apiKey` and `cal-api-version: 2024-08-13` unless overridden. */
export async function calFetch(
  sandbox: Sandbox,
  apiKey: string | null,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown>; text: string }> {
  const headers: Record<string, string> = { "cal-api-version": "2024-08-13", ...init.headers };
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Left empty for non-JSON answers; tests read `text`.
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** A webhook delivery as a receiver saw it. */
export interface Received {
  path: string;
  headers: Headers;
  /** The exact body bytes as text. */
  body: string;
}

/** A local webhook receiver answering `status` (default 200, or a function) and recording what it got. */
export function startReceiver(answer: number | (() => Response) = 200): {
  url: string;
  received: Received[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
} {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({ path: new URL(req.url).pathname, headers: req.headers, body: await req.text() });
    return typeof answer === "number" ? new Response("ok", { status: answer }) : answer();
  });
  const close = async () => {
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    close,
    [Symbol.asyncDispose]: close,
  };
}
