/**
 * The Hono app every function is built on: routes under `/<name>` (the path Supabase hands a function),
 * CORS for browser clients, request ids, a body size limit, one log line per request without secrets,
 * and the JSON error envelope for every failure, including bad JSON and unknown routes. Routes validate
 * with `@hono/zod-validator`, through {@linkcode jsonBody} and {@linkcode rejectInvalid}:
 *
 * ```ts
 * app.post("/", jsonBody(), zValidator("json", Schema, rejectInvalid), (c) => c.json(c.req.valid("json")));
 * ```
 *
 * @module
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError, apiError, errorBody, type ErrorCode } from "./api_error.ts";
import type { UserClaims } from "./auth.ts";
import { createLogger, type Logger, scrub } from "./log.ts";
import { readCapped } from "./read_capped.ts";

export { ApiError, apiError, type ErrorBody, errorBody, type ErrorCode } from "./api_error.ts";

/** What handlers find on `c.var`. */
export interface AppEnv {
  Variables: {
    /** This request's id, also sent back as `x-request-id`. */
    requestId: string;
    /** The verified caller, set by `requireUser`. */
    user: UserClaims;
    /** A logger carrying the function name and request id. */
    log: Logger;
    /** The error code of a failed request, for the request log line. */
    errorCode: ErrorCode;
    /**
     * The request's exact body bytes, read once (within the size limit) by the app's body limit; unset
     * for a request without a body. `c.req.json()`, `.text()` and `.arrayBuffer()` answer from these
     * bytes too; `c.req.raw`'s own stream has been consumed, so never read the body from it.
     */
    body: Uint8Array<ArrayBuffer>;
  };
}

/** Options of {@link createFunctionApp}. */
export interface FunctionAppOptions {
  /** Where log lines go; defaults to the console. */
  log?: Logger;
  /** Largest accepted request body in bytes (default 1 MB). */
  maxBodyBytes?: number;
}

/** The headers supabase-js (and browsers using it) send to functions. */
export const CORS_ALLOW_HEADERS = [
  "authorization",
  "x-client-info",
  "apikey",
  "content-type",
  "x-region",
  "idempotency-key",
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "invalid_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
};

/**
 * Creates a function's app with its routes based at `/<name>`; add routes relative to it
 * (`app.get("/", …)` answers `GET /<name>`).
 */
export function createFunctionApp(name: string, options: FunctionAppOptions = {}): Hono<AppEnv> {
  const baseLog = (options.log ?? createLogger()).child({ fn: name });
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const app = new Hono<AppEnv>({ strict: false }).basePath(`/${name}`);

  app.use(async function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = baseLog.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      // the path only: query strings are the caller's business and could carry anything
      path: c.req.path,
      status,
      ms: Math.round(performance.now() - started),
      userId: c.get("user")?.sub,
      errorCode: c.get("errorCode"),
    };
    if (status >= 500) log.error("request failed", fields);
    else log.info("request", fields);
  });

  app.use(cors({
    origin: "*",
    allowHeaders: CORS_ALLOW_HEADERS,
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: ["x-request-id", "idempotent-replayed"],
    maxAge: 86400,
  }));

  app.use(async function bodyLimit(c, next) {
    if (c.req.raw.body) {
      const bytes = await readRequestBody(c.req.raw, maxBodyBytes);
      if (!bytes) {
        throw apiError(413, "payload_too_large", `Request body is larger than ${maxBodyBytes} bytes`);
      }
      // what reads the body next (jsonBody, the webhook's signature check, c.req.json()) reads these
      // bytes: no second copy of the request. Hono's request keeps a read body as a promise in
      // bodyCache (typed as the value) and answers json(), text() and arrayBuffer() from it.
      c.set("body", bytes);
      (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(exactBuffer(bytes));
    }
    await next();
  });

  app.notFound((c) => {
    c.set("errorCode", "not_found");
    return c.json(errorBody("not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      c.set("errorCode", err.code);
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const code = CODE_BY_STATUS[err.status] ?? "invalid_request";
      c.set("errorCode", code);
      return c.json(errorBody(code, err.message || "Invalid request"), err.status as ContentfulStatusCode);
    }
    c.set("errorCode", "internal_error");
    (c.get("log") ?? baseLog).error("unhandled error", { error: err });
    return c.json(errorBody("internal_error", "Internal server error"), 500);
  });

  return app;
}

/**
 * A request's body within `maxBytes`, or `undefined` when it declares or sends more. A declared
 * `Content-Length` within the limit is read in one go: the HTTP server delivers exactly that many bytes
 * (it frames the body by that length and decodes no content encoding), so no count is needed; any other
 * body is counted as it arrives (`readCapped`).
 */
async function readRequestBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d{1,10}$/.test(declared) && Number(declared) <= maxBytes) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength <= maxBytes ? bytes : undefined;
  }
  return await readCapped(request, maxBytes);
}

/** The bytes' own buffer when they fill it (as read bodies do), else a copy of just them. */
function exactBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}

/** One zod issue as the client sees it: where and what, never the value. */
export interface FieldIssue {
  path: string;
  message: string;
}

const INVALID_MESSAGE: Partial<Record<string, string>> = {
  json: "Invalid request body",
  query: "Invalid query parameters",
};

/**
 * The hook of every `zValidator` (`zValidator("json", Schema, rejectInvalid)`): a failed validation
 * becomes a 400 invalid_request naming each offending field in `details.issues`, never its value.
 *
 * @throws {ApiError} 400 invalid_request when the validation failed
 */
export function rejectInvalid(
  result: ({ success: true } | { success: false; error: { issues: readonly ZodIssueLike[] } }) & {
    target: string;
  },
): void {
  if (result.success) return;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  throw apiError(400, "invalid_request", INVALID_MESSAGE[result.target] ?? "Invalid request", { issues });
}

/** What {@linkcode rejectInvalid} reads of a zod issue. */
interface ZodIssueLike {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * Makes the body readable by the `zValidator("json", …)` that follows: it is read as JSON whatever the
 * content type says (supabase-js sends a string body as text/plain, and the validator reads only a JSON
 * content type), and an empty body counts as `{}`.
 *
 * @throws {ApiError} 400 invalid_request when the body is not valid JSON
 */
export function jsonBody(): MiddlewareHandler {
  return async function jsonBody(c, next) {
    const bytes = c.get("body");
    const text = bytes ? new TextDecoder().decode(bytes) : "";
    let body = "{}";
    if (text.trim() !== "") {
      try {
        JSON.parse(text);
      } catch {
        // the validator's own message would differ, so malformed JSON is refused before it runs
        throw apiError(400, "invalid_request", "Request body is not valid JSON");
      }
      body = text;
    }
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    headers.delete("content-length");
    c.req.raw = new Request(c.req.raw, { headers, body });
    // the validator reads the body as given here, not the bytes the body limit read
    c.req.bodyCache = {};
    await next();
  };
}

/** The message of an unknown error made safe to store or show (secrets scrubbed, length bounded). */
export function safeErrorMessage(err: unknown, max = 300): string {
  const message = err instanceof Error ? err.message : String(err);
  return scrub(message).slice(0, max);
}
