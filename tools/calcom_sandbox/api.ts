/**
 * The request pipeline of the fake API v2, in Cal.com's order: route (unknown → 404 "Cannot GET …"),
 * version (bookings need `cal-api-version: 2024-08-13`; none → legacy controller; another known
 * version → not routable), rate-limit guard (before auth, so an unknown `cal_` key is refused there),
 * auth guard, handler, then the success or error envelope.
 *
 * @module
 */

import * as bookings from "./bookings_routes.ts";
import { CalError, errorEnvelope, internalServerError } from "./errors.ts";
import { getMe } from "./me_route.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { Handler, RouteContext, RouteRequest } from "./route_context.ts";
import type { UserRecord } from "./store.ts";
import * as webhooks from "./webhooks_routes.ts";

/** Versions Cal.com knows (`API_VERSIONS`); anything else counts as the default, 2024-04-15. */
const API_VERSIONS = ["2024-04-15", "2024-06-11", "2024-06-14", "2024-08-13", "2024-09-04"] as const;

/** A request as the pipeline sees it. */
export interface ApiRequest {
  method: string;
  /** Path and query, as received (`/v2/bookings?take=10`). */
  url: string;
  headers: Headers;
  body: string;
}

/** An answer to write back. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Auth = "required" | "optional";

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  auth: Auth;
  /** Handlers per API version; absent for controllers that accept every version. */
  versions?: { current: Handler; legacy?: Handler };
  handler?: Handler;
}

function route(
  method: string,
  path: string,
  auth: Auth,
  target: Handler | { current: Handler; legacy?: Handler },
) {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_, name) => (names.push(name), "([^/]+)"))}/?$`,
  );
  return typeof target === "function"
    ? { method, pattern, names, auth, handler: target }
    : { method, pattern, names, auth, versions: target };
}

const ROUTES: Route[] = [
  route("GET", "/v2/me", "required", getMe),
  route("GET", "/v2/webhooks", "required", webhooks.listWebhooks),
  route("POST", "/v2/webhooks", "required", webhooks.createWebhook),
  route("GET", "/v2/webhooks/:id", "required", webhooks.getWebhook),
  route("PATCH", "/v2/webhooks/:id", "required", webhooks.updateWebhook),
  route("DELETE", "/v2/webhooks/:id", "required", webhooks.deleteWebhook),
  route("GET", "/v2/bookings", "required", {
    current: bookings.listBookings,
    legacy: bookings.listBookingsLegacy,
  }),
  route("POST", "/v2/bookings", "optional", { current: bookings.createBooking }),
  route("GET", "/v2/bookings/:uid", "optional", {
    current: bookings.getBooking,
    legacy: bookings.getBookingLegacy,
  }),
  route("POST", "/v2/bookings/:uid/cancel", "optional", { current: bookings.cancelBooking }),
  route("POST", "/v2/bookings/:uid/reschedule", "optional", { current: bookings.rescheduleBooking }),
  route("POST", "/v2/bookings/:uid/confirm", "required", { current: bookings.confirmBooking }),
  route("POST", "/v2/bookings/:uid/decline", "required", { current: bookings.declineBooking }),
  route("POST", "/v2/bookings/:uid/mark-absent", "required", { current: bookings.markAbsent }),
];

/** Cal.com's 401 messages (contract §7.2). */
export const AUTH_MESSAGES = {
  noCredentials:
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers",
  throttlerInvalidKey: "CustomThrottlerGuard - Invalid API Key",
  invalidKey: "ApiAuthStrategy - api key - Your api key is not valid",
  expiredKey: "ApiAuthStrategy - api key - Your api key is expired",
  invalidAccessToken: "ApiAuthStrategy - access token - Invalid Access Token.",
} as const;

/** The 429 message of Cal.com's throttler guard. */
export const THROTTLED_MESSAGE = "CustomThrottlerGuard - Too many requests. Please try again later.";

/** Options of the pipeline. */
export interface ApiOptions {
  /** Include `error.details` like non-production Cal.com builds (default false, as cal.com cloud). */
  errorDetails: boolean;
  /**
   * Which guard refuses an unknown `cal_` key. Cal.com's rate-limit guard runs first and answers
   * "CustomThrottlerGuard - Invalid API Key" — what users of cal.com cloud report — so that is the
   * default; "auth" answers with the auth strategy's message instead.
   */
  unknownKeyGuard: "throttler" | "auth";
}

/** Creates the request pipeline over `ctx`, rate-limited by `limiter`. */
export function createApi(ctx: RouteContext, limiter: RateLimiter, options: ApiOptions) {
  const json = (status: number, body: unknown, headers: Record<string, string>): ApiResponse => ({
    status,
    // Date on the sandbox clock, as Cal.com's own clock stamps its answers and its webhooks alike.
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      Date: new Date(ctx.now()).toUTCString(),
      ...headers,
    },
    body: JSON.stringify(body),
  });

  /** The error answer for `err` on `url`. */
  function errorResponse(
    err: CalError,
    url: string,
    headers: Record<string, string>,
    requestId: string | null,
  ) {
    return json(err.status, errorEnvelope(err, url, ctx.now(), options.errorDetails), {
      ...headers,
      "X-Request-Id": requestId ?? "unknown-request-id",
    });
  }

  /** Handles one request. */
  async function handle(req: ApiRequest): Promise<ApiResponse> {
    const url = new URL(req.url, "http://sandbox");
    const requestId = req.headers.get("x-request-id");
    const headers: Record<string, string> = requestId ? { "X-Request-Id": requestId } : {};
    try {
      const match = matchRoute(req.method, url.pathname, req.headers.get("cal-api-version"));
      if (!match) throw new CalError(404, `Cannot ${req.method} ${req.url}`);
      const { route, handler, params } = match;

      const token = req.headers.get("authorization")?.replace("Bearer ", "") || undefined;
      const user = guard(token, route.auth, headers);

      let body: unknown;
      if (req.body.trim() !== "") {
        try {
          body = JSON.parse(req.body);
        } catch {
          throw new CalError(400, "Bad Request Exception");
        }
      }
      const routeReq: RouteRequest = { method: req.method, params, query: url.searchParams, body, user };
      const result = await handler(ctx, routeReq);
      return json(result.status, { status: "success", data: result.data, ...result.extra }, headers);
    } catch (err) {
      if (err instanceof CalError) return errorResponse(err, req.url, headers, requestId);
      console.error("Cal.com sandbox: unexpected error", err);
      return errorResponse(internalServerError(), req.url, headers, requestId);
    }
  }

  /** Rate limit then authenticate, filling the rate-limit headers; throws 401/429 like Cal.com. */
  function guard(
    token: string | undefined,
    auth: Auth,
    headers: Record<string, string>,
  ): UserRecord | undefined {
    const key = token?.startsWith("cal_") ? ctx.store.apiKeys.get(token) : undefined;
    if (token?.startsWith("cal_") && !key && options.unknownKeyGuard === "throttler") {
      throw new CalError(401, AUTH_MESSAGES.throttlerInvalidKey);
    }
    const tracker = token === undefined
      ? "ip"
      : token.startsWith("cal_")
      ? `api_key_${token}`
      : `access_token_${token}`;
    const limit = limiter.hit(tracker);
    Object.assign(headers, limit.headers);
    if (limit.blocked) throw new CalError(429, THROTTLED_MESSAGE);

    if (token === undefined) {
      if (auth === "required") throw new CalError(401, AUTH_MESSAGES.noCredentials);
      return undefined;
    }
    if (!token.startsWith("cal_")) throw new CalError(401, AUTH_MESSAGES.invalidAccessToken);
    if (!key) throw new CalError(401, AUTH_MESSAGES.invalidKey);
    if (key.expiresAt !== null && key.expiresAt <= ctx.now()) {
      throw new CalError(401, AUTH_MESSAGES.expiredKey);
    }
    return ctx.store.users.get(key.userId);
  }

  return { handle, errorResponse };
}

function matchRoute(method: string, path: string, versionHeader: string | null) {
  const version = (API_VERSIONS as readonly string[]).includes(versionHeader ?? "")
    ? versionHeader
    : "2024-04-15";
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    if (route.handler) return { route, handler: route.handler, params };
    // Bookings controllers exist for 2024-08-13 and the default 2024-04-15 only; other versions are not routable.
    if (version === "2024-08-13") return { route, handler: route.versions!.current, params };
    if (version === "2024-04-15") {
      // Legacy writes take other bodies; the sandbox only says so (the client must send the header).
      const legacy = route.versions!.legacy ?? legacyUnsupported;
      return { route, handler: legacy, params };
    }
    return undefined;
  }
  return undefined;
}

const legacyUnsupported: Handler = () => {
  throw new CalError(400, "Bad Request Exception");
};
