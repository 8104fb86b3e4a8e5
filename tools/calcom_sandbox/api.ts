/**
 * The request pipeline of the fake API v2, a Hono app in Cal.com's order: route (unknown → 404 "Cannot
 * GET …"), version (bookings need `cal-api-version: 2024-08-13`; none → legacy controller; another known
 * version → not routable; hosted Cal.com's own versions, such as `2026-05-01` for the bookings list, only
 * when the sandbox plays the hosted service), rate-limit guard (before auth, so an unknown `cal_` key is refused there),
 * auth guard, handler, then the success or error envelope. Request bodies over 1 MiB are refused first,
 * with a 413.
 *
 * @module
 */

import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as bookings from "./bookings_routes.ts";
import { CalError, errorEnvelope, internalServerError } from "./errors.ts";
import { listEventTypes } from "./event_types_route.ts";
import { getMe } from "./me_route.ts";
import type { AccessClaims, OAuthServer } from "./oauth_server.ts";
import type { RateLimiter } from "./rate_limit.ts";
import type { Handler, RouteContext, RouteRequest } from "./route_context.ts";
import { getSlots } from "./slots_route.ts";
import { cursorBookingsVersion, listBookingsByCursor } from "./bookings_cursor_route.ts";
import type { UserRecord } from "./store.ts";
import * as webhooks from "./webhooks_routes.ts";

/** Versions Cal.com knows (`API_VERSIONS`); anything else counts as the default, 2024-04-15. */
const API_VERSIONS = ["2024-04-15", "2024-06-11", "2024-06-14", "2024-08-13", "2024-09-04"] as const;

/** Largest request body handled, in bytes. */
const BODY_LIMIT = 1_048_576;

type Auth = "required" | "optional";

/**
 * Handlers per API version, for controllers that exist only for some versions: `current` answers
 * `version` (default 2024-08-13), `legacy` the default version 2024-04-15.
 */
interface Versions {
  current: Handler;
  legacy?: Handler;
  version?: string;
  /**
   * Versions only hosted Cal.com serves (closed source since 2026-04, corrections §7), by header value;
   * a self-hosted instance does not know them and answers them as the default version.
   */
  hosted?: Record<string, Handler>;
}

interface Route {
  method: string;
  path: string;
  auth: Auth;
  /** The handler, or handlers per API version. */
  target: Handler | Versions;
  /**
   * The OAuth scope an access token needs; null: none (a public endpoint). A route without one is not
   * available to scoped third-party tokens, as Cal.com's guard denies by default.
   */
  scope?: string | null;
}

function route(
  method: string,
  path: string,
  auth: Auth,
  target: Handler | Versions,
  scope?: string | null,
): Route {
  return { method, path, auth, target, scope };
}

const ROUTES: Route[] = [
  route("GET", "/v2/me", "required", getMe, "PROFILE_READ"),
  route(
    "GET",
    "/v2/event-types",
    "optional",
    { current: listEventTypes, version: "2024-06-14" },
    "EVENT_TYPE_READ",
  ),
  route("GET", "/v2/slots", "optional", { current: getSlots, version: "2024-09-04" }, null),
  route("GET", "/v2/webhooks", "required", webhooks.listWebhooks, "WEBHOOK_READ"),
  route("POST", "/v2/webhooks", "required", webhooks.createWebhook, "WEBHOOK_WRITE"),
  route("GET", "/v2/webhooks/:id", "required", webhooks.getWebhook, "WEBHOOK_READ"),
  route("PATCH", "/v2/webhooks/:id", "required", webhooks.updateWebhook, "WEBHOOK_WRITE"),
  route("DELETE", "/v2/webhooks/:id", "required", webhooks.deleteWebhook, "WEBHOOK_WRITE"),
  route("GET", "/v2/bookings", "required", {
    current: bookings.listBookings,
    legacy: bookings.listBookingsLegacy,
    hosted: { [cursorBookingsVersion]: listBookingsByCursor },
  }, "BOOKING_READ"),
  route("POST", "/v2/bookings", "optional", { current: bookings.createBooking }, null),
  route("GET", "/v2/bookings/:uid", "optional", {
    current: bookings.getBooking,
    legacy: bookings.getBookingLegacy,
  }, "BOOKING_READ"),
  route("POST", "/v2/bookings/:uid/cancel", "optional", { current: bookings.cancelBooking }, null),
  route("POST", "/v2/bookings/:uid/reschedule", "optional", { current: bookings.rescheduleBooking }, null),
  route(
    "POST",
    "/v2/bookings/:uid/confirm",
    "required",
    { current: bookings.confirmBooking },
    "BOOKING_WRITE",
  ),
  route(
    "POST",
    "/v2/bookings/:uid/decline",
    "required",
    { current: bookings.declineBooking },
    "BOOKING_WRITE",
  ),
  route(
    "POST",
    "/v2/bookings/:uid/mark-absent",
    "required",
    { current: bookings.markAbsent },
    "BOOKING_WRITE",
  ),
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
  /** The OAuth server: its routes, and the check of access tokens. */
  oauth: OAuthServer;
  /** The limiter of OAuth access tokens (Cal.com: 500 per 60 s per token). */
  tokenLimiter: RateLimiter;
  /**
   * Whether hosted Cal.com's own versions are served (`Versions.hosted`); false: a self-hosted instance,
   * which answers them as the default version 2024-04-15. Default true.
   */
  hostedVersions?: boolean;
}

/** What the pipeline's steps hand on within one request. */
type ApiEnv = {
  Variables: {
    /** Headers of the answer, success or error: `X-Request-Id` echoed, the rate-limit headers. */
    headers: Record<string, string>;
    /** The handler the version selected. */
    handler: Handler;
    /** The caller, when authenticated. */
    user: UserRecord | undefined;
    /** The claims of an OAuth access token, when the caller used one. */
    oauth: AccessClaims | undefined;
  };
};

/** The pipeline: `fetch` answers a request, `errorResponse` builds Cal.com's error answer. */
export interface Api {
  fetch(req: Request): Promise<Response>;
  /** The error answer for `err` on `target` (path and query), with `headers` and the request id. */
  errorResponse(
    err: CalError,
    target: string,
    headers: Record<string, string>,
    requestId: string | null,
  ): Response;
}

/** The request target of `url`: path and query (`/v2/bookings?take=10`). */
function requestTarget(url: string): string {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`;
}

function json(status: number, body: unknown, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

/** Creates the request pipeline over `ctx`, rate-limited by `limiter`. */
export function createApi(ctx: RouteContext, limiter: RateLimiter, options: ApiOptions): Api {
  const errorResponse: Api["errorResponse"] = (err, target, headers, requestId) =>
    json(err.status, errorEnvelope(err, target, ctx.now(), options.errorDetails), {
      ...headers,
      "X-Request-Id": requestId ?? "unknown-request-id",
    });

  const app = new Hono<ApiEnv>({ strict: false });
  app.use(function answerHeaders(c, next) {
    const requestId = c.req.header("x-request-id");
    c.set("headers", requestId ? { "X-Request-Id": requestId } : {});
    return next();
  });
  app.use(bodyLimit({
    maxSize: BODY_LIMIT,
    onError: () => {
      throw new CalError(413, "request entity too large");
    },
  }));
  app.route("/", options.oauth.routes());
  for (const r of ROUTES) {
    app.on(
      r.method,
      r.path,
      selectVersion(r, options.hostedVersions ?? true),
      rateLimitGuard(ctx, limiter, options),
      authGuard(ctx, r.auth, options.oauth),
      scopeGuard(r),
      respond(ctx),
    );
  }
  const answerError = (c: Context<ApiEnv>, err: CalError) =>
    errorResponse(
      err,
      requestTarget(c.req.url),
      c.get("headers") ?? {},
      c.req.header("x-request-id") ?? null,
    );
  app.notFound((c) =>
    answerError(c, new CalError(404, `Cannot ${c.req.method} ${requestTarget(c.req.url)}`))
  );
  app.onError((err, c) => {
    if (err instanceof CalError) return answerError(c, err);
    console.error("Cal.com sandbox: unexpected error", err);
    return answerError(c, internalServerError());
  });

  return { fetch: async (req) => await app.fetch(req), errorResponse };
}

/**
 * Picks the handler for the request's `cal-api-version`. Bookings controllers exist for 2024-08-13 and
 * the default 2024-04-15 only, plus the hosted service's own versions when it plays that; slots and event
 * types answer their own version only (write-endpoints §1.1); other known versions are not routable. Only the route's own method
 * is routed (Hono would also run a GET route for HEAD).
 */
function selectVersion(r: Route, hostedVersions: boolean): MiddlewareHandler<ApiEnv> {
  return function selectVersion(c, next) {
    const notRoutable = new CalError(404, `Cannot ${c.req.method} ${requestTarget(c.req.url)}`);
    if (c.req.method !== r.method) throw notRoutable;
    if (typeof r.target === "function") {
      c.set("handler", r.target);
      return next();
    }
    const header = c.req.header("cal-api-version") ?? "";
    const hostedHandler = hostedVersions ? r.target.hosted?.[header] : undefined;
    if (hostedHandler) {
      c.set("handler", hostedHandler);
      return next();
    }
    const version = (API_VERSIONS as readonly string[]).includes(header) ? header : "2024-04-15";
    const current = r.target.version ?? "2024-08-13";
    // Hosted Cal.com names 2026-02-25 for bookings; it behaves as 2024-08-13 (write-endpoints §1.1).
    const hosted = current === "2024-08-13" && header === "2026-02-25";
    if (version === current || hosted) c.set("handler", r.target.current);
    // Legacy writes take other bodies; the sandbox only says so (the client must send the header).
    else if (version === "2024-04-15" && current === "2024-08-13") {
      c.set("handler", r.target.legacy ?? legacyUnsupported);
    } else throw notRoutable;
    return next();
  };
}

const legacyUnsupported: Handler = () => {
  throw new CalError(400, "Bad Request Exception");
};

/** The bearer token of a request, if any. */
function bearer(header: string | undefined): string | undefined {
  return header?.replace("Bearer ", "") || undefined;
}

/**
 * Cal.com's rate-limit guard: refuses an unknown `cal_` key (unless the auth guard is to), counts the
 * request per key or per client, fills the rate-limit headers, and answers 429 while blocked.
 */
function rateLimitGuard(
  ctx: RouteContext,
  limiter: RateLimiter,
  options: ApiOptions,
): MiddlewareHandler<ApiEnv> {
  return function rateLimitGuard(c, next) {
    const token = bearer(c.req.header("authorization"));
    if (
      token?.startsWith("cal_") && !ctx.store.apiKeys.has(token) && options.unknownKeyGuard === "throttler"
    ) {
      throw new CalError(401, AUTH_MESSAGES.throttlerInvalidKey);
    }
    const tracker = token === undefined
      ? "ip"
      : token.startsWith("cal_")
      ? `api_key_${token}`
      : `access_token_${token}`;
    const limit = token !== undefined && !token.startsWith("cal_")
      ? options.tokenLimiter.hit(tracker)
      : limiter.hit(tracker);
    Object.assign(c.get("headers"), limit.headers);
    if (limit.blocked) throw new CalError(429, THROTTLED_MESSAGE);
    return next();
  };
}

/**
 * Cal.com's auth guard: a valid, unexpired API key; a bearer not starting `cal_` is an OAuth access
 * token (a JWT of the OAuth server, unexpired by the sandbox clock); or no credentials where `auth` is
 * "optional".
 */
function authGuard(ctx: RouteContext, auth: Auth, oauth: OAuthServer): MiddlewareHandler<ApiEnv> {
  return async function authGuard(c, next) {
    const token = bearer(c.req.header("authorization"));
    c.set("oauth", undefined);
    if (token === undefined) {
      if (auth === "required") throw new CalError(401, AUTH_MESSAGES.noCredentials);
      c.set("user", undefined);
      return await next();
    }
    if (!token.startsWith("cal_")) {
      const claims = await oauth.accessClaims(token);
      const user = claims && ctx.store.users.get(claims.userId);
      if (!claims || !user) throw new CalError(401, AUTH_MESSAGES.invalidAccessToken);
      c.set("user", user);
      c.set("oauth", claims);
      return await next();
    }
    const key = ctx.store.apiKeys.get(token);
    if (!key) throw new CalError(401, AUTH_MESSAGES.invalidKey);
    if (key.expiresAt !== null && key.expiresAt <= ctx.now()) {
      throw new CalError(401, AUTH_MESSAGES.expiredKey);
    }
    c.set("user", ctx.store.users.get(key.userId));
    return await next();
  };
}

/** Cal.com's OAuth permissions guard: a scoped access token needs the route's scope, by exact name. */
function scopeGuard(r: Route): MiddlewareHandler<ApiEnv> {
  return function scopeGuard(c, next) {
    const claims = c.get("oauth");
    if (!claims || !claims.enforced || r.scope === null) return next();
    if (r.scope === undefined) {
      throw new CalError(
        403,
        "insufficient_scope: this endpoint is not available for third-party OAuth tokens",
      );
    }
    if (!claims.scope.includes(r.scope)) {
      throw new CalError(
        403,
        `insufficient_scope: token does not have the required scopes. Required: ${r.scope}. Token has: ${
          claims.scope.join(", ")
        }`,
      );
    }
    return next();
  };
}

/** Runs the selected handler on the parsed JSON body and answers Cal.com's success envelope. */
function respond(ctx: RouteContext): MiddlewareHandler<ApiEnv> {
  return async function respond(c) {
    const text = await c.req.text();
    let body: unknown;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new CalError(400, "Bad Request Exception");
      }
    }
    const req: RouteRequest = {
      method: c.req.method,
      params: c.req.param(),
      query: new URL(c.req.url).searchParams,
      body,
      user: c.get("user"),
    };
    const result = await c.get("handler")(ctx, req);
    // Date on the sandbox clock: Cal.com's server stamps its answers with the clock of its webhooks' createdAt.
    const headers = { Date: new Date(ctx.now()).toUTCString(), ...c.get("headers") };
    return json(result.status, { status: "success", data: result.data, ...result.extra }, headers);
  };
}
