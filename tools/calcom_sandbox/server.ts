/**
 * The HTTP side: `Deno.serve` behind a TCP proxy (`tcp_proxy.ts`, which can drop a connection) on
 * 127.0.0.1, with injected faults (latency, hold, hang, dropped connection, forced 429, 5xx, malformed
 * body, redirect, oversized body, ignored `skip`) and the request log.
 *
 * @module
 */

import { type Api, THROTTLED_MESSAGE } from "./api.ts";
import { CalError, errorEnvelope, internalServerError } from "./errors.ts";
import type { Faults } from "./faults.ts";
import { keyHint } from "./ids.ts";
import { startTcpProxy } from "./tcp_proxy.ts";

/** One request the sandbox received. */
export interface RequestRecord {
  method: string;
  path: string;
  /** Query parameters; a repeated parameter's values are joined with ",". */
  query: Record<string, string>;
  /** HTTP status answered; 0 when the connection was dropped or the request hung. */
  status: number;
  /** Last four characters of the bearer token, never the token. */
  apiKeyHint: string | null;
  /** The `cal-api-version` header, if any. */
  version?: string;
  /** The injected fault, if any. */
  fault?:
    | "latency"
    | "hold"
    | "hang"
    | "drop"
    | "throttle"
    | "error"
    | "malformed"
    | "redirect"
    | "oversized";
  /** Body bytes handed to the connection for an oversized answer, until the client stopped reading. */
  bytesSent?: number;
  /** Arrival time, epoch ms of the sandbox clock. */
  at: number;
}

/** What the server needs from the rest of the sandbox. */
export interface ServerDeps {
  /** The API pipeline, and its error answers in Cal.com's envelope (for injected 429/400). */
  api: Api;
  faults: Faults;
  now: () => number;
  requests: RequestRecord[];
}

/** A running server. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Starts serving on 127.0.0.1:`port` (0 = any free port). */
export function startServer(deps: ServerDeps, port = 0): RunningServer {
  const closing = new AbortController();
  const whenClosed = (signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (closing.signal.aborted || signal?.aborted) return resolve();
      closing.signal.addEventListener("abort", () => resolve(), { once: true });
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  const sleep = (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), whenClosed()])
      .finally(() => clearTimeout(timer));
  };

  /** Answers `req`, which arrived on the proxy's upstream connection from `connPort`. */
  async function onRequest(req: Request, connPort: number): Promise<Response> {
    const parsed = new URL(req.url);
    const target = `${parsed.pathname}${parsed.search}`;
    const query: Record<string, string> = {};
    for (const key of new Set(parsed.searchParams.keys())) {
      query[key] = parsed.searchParams.getAll(key).join(",");
    }
    const token = req.headers.get("authorization")?.replace("Bearer ", "");
    const record: RequestRecord = {
      method: req.method,
      path: parsed.pathname,
      query,
      status: 0,
      apiKeyHint: token ? keyHint(token) : null,
      ...(req.headers.has("cal-api-version") ? { version: req.headers.get("cal-api-version")! } : {}),
      at: deps.now(),
    };
    deps.requests.push(record);

    const decision = deps.faults.decide(parsed.pathname);
    if (decision.latencyMs > 0) {
      record.fault = "latency";
      await sleep(decision.latencyMs);
    }
    if (decision.holdUntil) {
      record.fault = "hold";
      await Promise.race([decision.holdUntil.then(() => {}, () => {}), whenClosed()]);
    }
    if (decision.action === "hang") {
      record.fault = "hang";
      // Until the client gives up or the sandbox closes; then nothing is answered either.
      await whenClosed(req.signal);
      proxy.drop(connPort);
      return new Response(null, { status: 500 });
    }
    if (decision.action === "drop") {
      record.fault = "drop";
      proxy.drop(connPort);
      return new Response(null, { status: 500 });
    }
    if (decision.action === "redirect") {
      record.fault = "redirect";
      record.status = 307;
      const location = `${decision.redirectTo.replace(/\/+$/, "")}${target}`;
      return new Response(null, { status: 307, headers: { Location: location } });
    }
    if (decision.action === "oversized") {
      record.fault = "oversized";
      record.status = 200;
      record.bytesSent = 0;
      const chunks = oversizedBody(decision.oversizedBodyBytes, (n) => (record.bytesSent! += n));
      return new Response(ReadableStream.from(chunks), {
        status: 200,
        headers: { "Content-Type": "application/json; charset=utf-8" },
      });
    }
    const requestId = req.headers.get("x-request-id");
    let answer: Response;
    if (decision.action === "throttle") {
      record.fault = "throttle";
      answer = deps.api.errorResponse(
        new CalError(429, THROTTLED_MESSAGE),
        target,
        {
          "X-RateLimit-Limit-Default": "120",
          "X-RateLimit-Remaining-Default": "0",
          "X-RateLimit-Reset-Default": "60",
        },
        requestId,
      );
    } else if (decision.action === "error" && decision.echo) {
      record.fault = "error";
      answer = deps.api.errorResponse(new CalError(400, echoBody(await req.text())), target, {}, requestId);
    } else if (decision.action === "error") {
      record.fault = "error";
      answer = injectedError(decision.errorStatus, target, deps.now());
    } else {
      const routed = decision.ignoreSkip ? withoutSkip(req, parsed) : req;
      answer = await deps.api.fetch(routed);
      if (decision.malformed) {
        record.fault = "malformed";
        const text = await answer.text();
        answer = new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), answer);
      }
    }
    record.status = answer.status;
    return answer;
  }

  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req, info) => {
    try {
      return await onRequest(req, info.remoteAddr.port);
    } catch (err) {
      console.error("Cal.com sandbox: request failed", err);
      return new Response(null, { status: 500 });
    }
  });
  const proxy = startTcpProxy(http.addr.port, port);

  return {
    port: proxy.port,
    async close() {
      // Connections first, so that requests released by the abort answer no one.
      await proxy.close();
      closing.abort();
      await http.shutdown();
    },
  };
}

/**
 * A validation message echoing a request body: its JSON with the keys sorted (as a validator lists the
 * fields), so short fields such as a secret come first and survive the client's truncation.
 */
function echoBody(text: string): string {
  let echoed = text;
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      echoed = JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a < b ? -1 : 1)));
    }
  } catch {
    // not JSON: echoed as it came
  }
  return `Invalid request body: ${echoed}`;
}

/** `req` without its `skip` parameter: every page asked for is the first one. */
function withoutSkip(req: Request, url: URL): Request {
  const without = new URL(url);
  without.searchParams.delete("skip");
  return new Request(without, req);
}

/**
 * A success envelope of exactly `size` bytes (at least its frame), made in 64 KiB chunks as they are
 * written, so the sandbox never holds it whole; `sent` counts the bytes handed out.
 */
async function* oversizedBody(size: number, sent: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  const head = enc.encode('{"status":"success","data":"');
  const tail = enc.encode('"}');
  const filler = new Uint8Array(64 * 1024).fill(0x78);
  sent(head.length);
  yield head;
  for (let left = size - head.length - tail.length; left > 0; left -= filler.length) {
    const chunk = left >= filler.length ? filler : filler.subarray(0, left);
    sent(chunk.length);
    yield chunk;
  }
  sent(tail.length);
  yield tail;
}

/** An injected 5xx: Cal.com's own 500 envelope, or the HTML page a proxy in front of it returns. */
function injectedError(status: number, target: string, now: number): Response {
  if (status === 500) {
    return new Response(JSON.stringify(errorEnvelope(internalServerError(), target, now)), {
      status,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  }
  return new Response(
    `<html><head><title>${status}</title></head><body><h1>${status}</h1>cloudflare</body></html>`,
    { status, headers: { "Content-Type": "text/html" } },
  );
}
