/**
 * Sends one Cal.com API v2 call: authentication and version headers, the per-key rate limit, a timeout
 * per attempt, retries with backoff inside an overall deadline, a cap on the size of answers, no
 * redirects, and validation of the JSON response. Every failure becomes a {@linkcode CalcomError}.
 *
 * @module
 */
import type { z } from "zod";
import { CalcomError, CalcomErrorCode, errorFromResponse, redact } from "./errors.ts";
import { type RateLimiter, rateLimiterForKey } from "./rate_limiter.ts";
import { formatBytes, maxResponseBytes, readCappedText } from "./read_capped.ts";
import { backoffDelay, defaultBackoff } from "./retry.ts";

/** The version the bookings endpoints must be called with; without it Cal.com serves another shape. */
export const bookingsApiVersion = "2024-08-13";

/**
 * Hosted Cal.com's version of `GET /v2/bookings` with cursor paging (corrections §7); self-hosted
 * instances and older deployments do not serve it.
 */
export const cursorBookingsApiVersion = "2026-05-01";

/**
 * The bearer of an OAuth connection: a fresh access token for each attempt, and a new one when Cal.com
 * answered 401 to the one sent (see `_shared/oauth/oauth_tokens.ts`).
 */
export interface BearerSource {
  /** An access token that is not about to expire. */
  accessToken(): Promise<string>;
  /** A token other than `rejected`, which Cal.com refused with 401; throws when none can be had. */
  renew(rejected: string): Promise<string>;
}

/** What {@linkcode createTransport} needs; the client fills in the defaults. */
export interface TransportOptions {
  /** An API key, or the token source of an OAuth connection. */
  apiKey: string | BearerSource;
  /** Origin of the API, e.g. `https://api.cal.com` (paths start with `/v2`). */
  baseUrl: string;
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Longest one attempt (request and body) may take. */
  timeoutMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Longest one call may take, retries and rate-limit waits included. */
  deadlineMs: number;
  /** An absolute end no call of this client may pass (e.g. the end of a sync run). */
  deadlineAt?: Date;
  /**
   * The key's shared rate-limit state; for an OAuth connection, undefined: Cal.com counts per access
   * token (500 per 60 s), so each token's own limiter is used.
   */
  rateLimiter?: RateLimiter;
}

/** One call: `schema` validates the whole JSON body of a 2xx response. */
export interface CalcomRequest<T extends z.ZodType> {
  method: "GET" | "POST" | "DELETE";
  /** Path under the base URL, starting with `/v2/`. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  /** Sends `cal-api-version: 2024-08-13` (bookings endpoints only). */
  versioned?: boolean;
  /** Sends this `cal-api-version` instead (slots: 2024-09-04, event types: 2024-06-14). */
  version?: string;
  /**
   * False for a call that must not run twice (creating a booking): only a 429 is retried, because
   * Cal.com's throttler refuses before the handler runs; after a 5xx, a timeout or a dropped
   * connection the call may have taken effect, so it fails at once.
   */
  idempotent?: boolean;
  schema: T;
  /** Further secrets in this call (e.g. a webhook secret) to keep out of error messages. */
  secrets?: readonly string[];
  /** Called with the headers of the answer that succeeded (e.g. to read Cal.com's `Date`). */
  onHeaders?: (headers: Headers) => void;
}

/** Performs {@linkcode CalcomRequest}s and returns the validated body. */
export type Transport = <T extends z.ZodType>(request: CalcomRequest<T>) => Promise<z.output<T>>;

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
    .join("; ");
}

/** Creates the function every client method sends its call through. */
export function createTransport(options: TransportOptions): Transport {
  const nowMs = () => options.now().getTime();
  const clock = { now: nowMs, sleep: options.sleep };
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const source = typeof options.apiKey === "string" ? undefined : options.apiKey;

  async function send(
    request: CalcomRequest<z.ZodType>,
    operation: string,
    secrets: readonly string[],
    deadline: number,
    token: string,
  ): Promise<RawResponse> {
    const url = `${baseUrl}${request.path}${request.query?.size ? `?${request.query}` : ""}`;
    const headers = new Headers({ authorization: `Bearer ${token}`, accept: "application/json" });
    if (request.version) headers.set("cal-api-version", request.version);
    else if (request.versioned) headers.set("cal-api-version", bookingsApiVersion);
    if (request.body !== undefined) headers.set("content-type", "application/json");
    const cappedByDeadline = deadline - nowMs() < options.timeoutMs;
    const budgetMs = Math.max(0, Math.min(options.timeoutMs, deadline - nowMs()));
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced rather than trusting the signal alone, so a fetch that ignores it still cannot hang the call.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          cappedByDeadline
            ? new CalcomError(`Cal.com ${operation} stopped at the call's deadline`, {
              code: CalcomErrorCode.deadline,
              retryable: true,
            })
            : new CalcomError(`Cal.com ${operation} timed out after ${budgetMs} ms`, {
              code: CalcomErrorCode.timeout,
              retryable: true,
            }),
        );
      }, budgetMs);
    });
    const exchange = (async () => {
      const response = await options.fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: controller.signal,
        // A followed 307/308 re-sends the body (a webhook secret, say) and the key to wherever it points;
        // Cal.com itself delivers webhooks with redirect: "manual".
        redirect: "manual",
      });
      // Deno hands back the 3xx itself; a browser-like runtime an opaque redirect with status 0.
      if ((response.status >= 300 && response.status < 400) || response.type === "opaqueredirect") {
        await response.body?.cancel().catch(() => {});
        throw new CalcomError(
          `Cal.com ${operation} answered ${response.status} (a redirect): redirects are not followed`,
          { status: response.status, code: CalcomErrorCode.redirect, retryable: false },
        );
      }
      const body = await readCappedText(response, maxResponseBytes);
      if (!body.ok) {
        throw new CalcomError(
          `Cal.com ${operation}: the answer exceeded ${formatBytes(maxResponseBytes)} and was not read`,
          { status: response.status, code: CalcomErrorCode.tooLarge, retryable: false },
        );
      }
      return { status: response.status, headers: response.headers, text: body.text };
    })();
    try {
      return await Promise.race([exchange, expired]);
    } catch (err) {
      if (err instanceof CalcomError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new CalcomError(redact(`Cal.com ${operation} failed: network error: ${reason}`, secrets), {
        code: CalcomErrorCode.network,
        retryable: true,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  function parse<T extends z.ZodType>(
    request: CalcomRequest<T>,
    operation: string,
    response: RawResponse,
  ): { ok: true; value: z.output<T> } | { ok: false; error: CalcomError } {
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      return {
        ok: false,
        error: new CalcomError(
          `Cal.com ${operation} answered ${response.status} with a body that is not JSON`,
          {
            status: response.status,
            code: CalcomErrorCode.malformed,
            retryable: true,
          },
        ),
      };
    }
    const result = request.schema.safeParse(json);
    if (result.success) return { ok: true, value: result.data };
    return {
      ok: false,
      error: new CalcomError(
        `Cal.com ${operation} answered with an unexpected shape: ${describeIssues(result.error)}`,
        { status: response.status, code: CalcomErrorCode.invalid, retryable: false },
      ),
    };
  }

  /** One attempt; never throws, so the caller always releases its rate-limit slot. */
  async function attemptOnce<T extends z.ZodType>(
    request: CalcomRequest<T>,
    operation: string,
    secrets: readonly string[],
    deadline: number,
    token: string,
  ): Promise<
    { ok: true; value: z.output<T>; response: RawResponse } | {
      ok: false;
      error: CalcomError;
      response?: RawResponse;
    }
  > {
    let response: RawResponse;
    try {
      response = await send(request, operation, secrets, deadline, token);
    } catch (err) {
      return { ok: false, error: err as CalcomError };
    }
    if (response.status < 200 || response.status >= 300) {
      return {
        ok: false,
        error: errorFromResponse(operation, response.status, response.text, secrets),
        response,
      };
    }
    return { ...parse(request, operation, response), response };
  }

  return async function request<T extends z.ZodType>(request: CalcomRequest<T>): Promise<z.output<T>> {
    const operation = `${request.method} ${request.path}`;
    const deadline = Math.min(nowMs() + options.deadlineMs, options.deadlineAt?.getTime() ?? Infinity);
    let token = source ? await source.accessToken() : options.apiKey as string;
    let renewed = false;
    let lastError: CalcomError | undefined;
    let malformedSeen = false;

    for (let attempt = 1;; attempt++) {
      const secrets = [token, ...(request.secrets ?? [])];
      const limiter = options.rateLimiter ?? rateLimiterForKey(token, baseUrl);
      const slot = await limiter.acquire(clock, deadline);
      if (!slot.ok) {
        throw lastError ?? new CalcomError(
          `Cal.com ${operation} not sent: the rate limit resets in ${
            Math.ceil(slot.waitMs / 1000)
          } s, after the call's deadline`,
          { code: CalcomErrorCode.deadline, retryable: true },
        );
      }
      if (nowMs() >= deadline) {
        limiter.release(nowMs());
        throw lastError ?? new CalcomError(`Cal.com ${operation} not sent: the call's deadline passed`, {
          code: CalcomErrorCode.deadline,
          retryable: true,
        });
      }
      const outcome = await attemptOnce(request, operation, secrets, deadline, token);
      limiter.release(nowMs(), outcome.response);
      if (outcome.ok) {
        request.onHeaders?.(outcome.response.headers);
        return outcome.value;
      }
      const error = outcome.error;
      // An OAuth access token Cal.com refused (expired early, or rotated out elsewhere): one new token,
      // one more try, not counted as an attempt. A 401 means nothing was done, so even a write may repeat.
      if (source && error.status === 401 && !renewed) {
        renewed = true;
        token = await source.renew(token);
        attempt--;
        continue;
      }
      if (!error.retryable || (request.idempotent === false && error.status !== 429)) throw error;
      // A garbled body is retried once: a proxy hiccup, not a contract change.
      if (error.code === CalcomErrorCode.malformed) {
        if (malformedSeen) throw error;
        malformedSeen = true;
      }
      if (attempt >= options.maxAttempts) throw error;
      lastError = error;
      // After a 429 the limiter holds the key until the reset; the next acquire waits for it.
      if (error.status === 429) continue;
      const delay = backoffDelay(attempt, { ...defaultBackoff, random: options.random });
      if (nowMs() + delay >= deadline) throw error;
      await options.sleep(delay);
    }
  };
}
