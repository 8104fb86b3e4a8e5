/**
 * The HTTP side: the sandbox's HTTP/1.1 server on 127.0.0.1 with injected faults (latency, hold, hang,
 * dropped connection, forced 429, 5xx, malformed body, redirect, oversized body, ignored `skip`) and the
 * request log.
 *
 * @module
 */

import { type ApiRequest, type ApiResponse, THROTTLED_MESSAGE } from "./api.ts";
import { CalError, errorEnvelope, internalServerError } from "./errors.ts";
import type { Faults } from "./faults.ts";
import { type RawRequest, type Reply, serveHttp1 } from "./http1.ts";
import { keyHint } from "./ids.ts";

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
  handle(req: ApiRequest): Promise<ApiResponse>;
  /** An error answer in Cal.com's envelope (for injected 429/500). */
  errorResponse(
    err: CalError,
    url: string,
    headers: Record<string, string>,
    requestId: string | null,
  ): ApiResponse;
  faults: Faults;
  now: () => number;
  requests: RequestRecord[];
}

/** A running server. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

const BODY_LIMIT = 1_048_576;

/** Starts serving on 127.0.0.1:`port` (0 = any free port). */
export function startServer(deps: ServerDeps, port = 0): RunningServer {
  const closing = new AbortController();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      closing.signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });

  async function onRequest(req: RawRequest): Promise<Reply> {
    const parsed = new URL(req.url, "http://sandbox");
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
      const aborted = new Promise<void>((resolve) =>
        closing.signal.addEventListener("abort", () => resolve())
      );
      await Promise.race([decision.holdUntil.then(() => {}, () => {}), aborted]);
    }
    if (decision.action === "hang") {
      record.fault = "hang";
      return { kind: "hang" };
    }
    if (decision.action === "drop") {
      record.fault = "drop";
      return { kind: "drop" };
    }
    if (decision.action === "redirect") {
      record.fault = "redirect";
      record.status = 307;
      const location = `${decision.redirectTo.replace(/\/+$/, "")}${req.url}`;
      return { kind: "response", status: 307, headers: { Location: location }, body: "" };
    }
    if (decision.action === "oversized") {
      record.fault = "oversized";
      record.status = 200;
      record.bytesSent = 0;
      return {
        kind: "stream",
        status: 200,
        headers: { "Content-Type": "application/json; charset=utf-8" },
        chunks: oversizedBody(decision.oversizedBodyBytes, (n) => (record.bytesSent! += n)),
      };
    }
    const requestId = req.headers.get("x-request-id");
    let answer: ApiResponse;
    if (decision.action === "throttle") {
      record.fault = "throttle";
      answer = deps.errorResponse(
        new CalError(429, THROTTLED_MESSAGE),
        req.url,
        {
          "X-RateLimit-Limit-Default": "120",
          "X-RateLimit-Remaining-Default": "0",
          "X-RateLimit-Reset-Default": "60",
        },
        requestId,
      );
    } else if (decision.action === "error" && decision.echo) {
      record.fault = "error";
      answer = deps.errorResponse(new CalError(400, echoBody(req.body)), req.url, {}, requestId);
    } else if (decision.action === "error") {
      record.fault = "error";
      answer = injectedError(decision.errorStatus, req.url, deps.now());
    } else if (req.body.length > BODY_LIMIT) {
      answer = deps.errorResponse(new CalError(413, "request entity too large"), req.url, {}, requestId);
    } else {
      const body = new TextDecoder().decode(req.body);
      const url = decision.ignoreSkip ? withoutSkip(parsed) : req.url;
      answer = await deps.handle({ method: req.method, url, headers: req.headers, body });
      if (decision.malformed) {
        record.fault = "malformed";
        answer = { ...answer, body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) };
      }
    }
    record.status = answer.status;
    return { kind: "response", status: answer.status, headers: answer.headers, body: answer.body };
  }

  const server = serveHttp1(async (req) => {
    try {
      return await onRequest(req);
    } catch (err) {
      console.error("Cal.com sandbox: request failed", err);
      return { kind: "response", status: 500, headers: {}, body: "" };
    }
  }, port);

  return {
    port: server.port,
    async close() {
      closing.abort();
      await server.close();
    },
  };
}

/**
 * A validation message echoing a request body: its JSON with the keys sorted (as a validator lists the
 * fields), so short fields such as a secret come first and survive the client's truncation.
 */
function echoBody(body: Uint8Array): string {
  const text = new TextDecoder().decode(body);
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

/** The request target without its `skip` parameter: every page asked for is the first one. */
function withoutSkip(url: URL): string {
  const query = new URLSearchParams(url.searchParams);
  query.delete("skip");
  return `${url.pathname}${query.size ? `?${query}` : ""}`;
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
function injectedError(status: number, url: string, now: number): ApiResponse {
  if (status === 500) {
    return {
      status,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify(errorEnvelope(internalServerError(), url, now)),
    };
  }
  return {
    status,
    headers: { "Content-Type": "text/html" },
    body: `<html><head><title>${status}</title></head><body><h1>${status}</h1>cloudflare</body></html>`,
  };
}
