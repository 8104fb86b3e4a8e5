/**
 * The HTTP side: the sandbox's HTTP/1.1 server on 127.0.0.1 with injected faults (latency, hang,
 * dropped connection, forced 429, 5xx, malformed body) and the request log.
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
  fault?: "latency" | "hang" | "drop" | "throttle" | "error" | "malformed";
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
    if (decision.action === "hang") {
      record.fault = "hang";
      return { kind: "hang" };
    }
    if (decision.action === "drop") {
      record.fault = "drop";
      return { kind: "drop" };
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
      answer = await deps.handle({ method: req.method, url: req.url, headers: req.headers, body });
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
