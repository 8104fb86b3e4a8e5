/**
 * The dev server's stand-in for the Supabase functions gateway: serves each function's Hono app under
 * `/functions/v1/<name>`, hands it the path `/<name>/...` as Supabase does, and honours `verify_jwt` the
 * way the Supabase CLI's edge runtime does (any valid project JWT passes, anon key included; OPTIONS
 * skips the check; the 401 bodies are `{"msg": ...}`).
 *
 * @module
 */
import { Hono } from "hono";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { functionName, functionRequest } from "./function_request.ts";

/** A function as the gateway serves it. */
export interface GatewayFunction {
  /** `verify_jwt` from config.toml. */
  verifyJwt: boolean;
  /** The function's handler (its Hono app's `fetch`). */
  fetch: (request: Request) => Response | Promise<Response>;
}

/** The keys the gateway accepts JWTs signed with. */
export interface GatewayKeys {
  /** HS256 secret (the legacy JWT secret; the Supabase CLI's local secret in development). */
  jwtSecret: string;
  /** Public keys for asymmetric (ES256/RS256) tokens, when the project uses them. */
  jwks?: JSONWebKeySet;
}

/** What {@link createGateway} serves. */
export interface GatewayOptions extends GatewayKeys {
  functions: Record<string, GatewayFunction>;
  /** Routes served next to the functions (the dev server's own endpoints); consulted first. */
  routes?: Hono;
  /** Receives one line per request; defaults to console.log. */
  log?: (line: string) => void;
  /** The clock tokens are checked against; defaults to the real one. */
  now?: () => Date;
}

/** The outcome of the gateway's JWT check: like the edge runtime, a reason in `msg` when it fails. */
export type GatewayJwtResult = { ok: true; role: unknown } | { ok: false; msg: string };

/**
 * Checks an `Authorization` header as the Supabase edge runtime's gateway does: it must be
 * `Bearer <jwt>` and the JWT valid (signature, expiry) under the project's keys, whatever its role.
 */
export function createGatewayJwtCheck(
  keys: GatewayKeys,
  now: () => Date = () => new Date(),
): (authorization: string | null | undefined) => Promise<GatewayJwtResult> {
  const secret = new TextEncoder().encode(keys.jwtSecret);
  const keySet = keys.jwks ? createLocalJWKSet(keys.jwks) : undefined;
  return async (authorization) => {
    if (!authorization) return { ok: false, msg: "Error: Missing authorization header" };
    const [bearer, token] = authorization.split(" ");
    if (bearer !== "Bearer" || !token) {
      return { ok: false, msg: "Error: Auth header is not 'Bearer {token}'" };
    }
    try {
      const { alg } = decodeProtectedHeader(token);
      const options = { currentDate: now() };
      let payload;
      if (alg === "HS256") payload = (await jwtVerify(token, secret, options)).payload;
      else if ((alg === "ES256" || alg === "RS256") && keySet) {
        payload = (await jwtVerify(token, keySet, options)).payload;
      } else return { ok: false, msg: "Invalid JWT" };
      return { ok: true, role: payload.role };
    } catch {
      return { ok: false, msg: "Invalid JWT" };
    }
  };
}

/** CORS headers on the gateway's own answers, so browser clients can read them. */
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, x-region, idempotency-key",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
};

function gatewayJson(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: CORS_HEADERS });
}

function errorJson(status: number, code: string, message: string): Response {
  return gatewayJson({ success: false, error: { code, message } }, status);
}

/**
 * Creates the gateway app: `/functions/v1/<name>[/...]` goes to the function (404 "Function not found"
 * for names config.toml does not list, 401 when `verify_jwt` is on and the JWT is missing or invalid, 503
 * while the function is not built), everything else to `routes`. Logs one line per request.
 */
export function createGateway(options: GatewayOptions): Hono {
  const log = options.log ?? ((line: string) => console.log(line));
  const checkJwt = createGatewayJwtCheck(options, options.now);
  const app = new Hono();

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round(performance.now() - started);
    // The path only: query strings and headers may carry tokens.
    log(`${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${ms}ms`);
  });

  app.all("/functions/v1/*", async (c) => {
    const name = functionName(new URL(c.req.url).pathname);
    const fn = Object.hasOwn(options.functions, name) ? options.functions[name] : undefined;
    if (!name || !fn) {
      return new Response("Function not found", { status: 404, headers: { "content-type": "text/plain" } });
    }
    const isPreflight = c.req.method === "OPTIONS";
    if (!isPreflight && fn.verifyJwt) {
      const result = await checkJwt(c.req.header("authorization"));
      if (!result.ok) return gatewayJson({ msg: result.msg }, 401);
    }
    try {
      return await fn.fetch(functionRequest(c.req.raw));
    } catch (err) {
      console.error(`Function ${name} failed:`, err);
      return errorJson(500, "internal_error", "Request failed due to an internal server error");
    }
  });

  if (options.routes) app.route("/", options.routes);
  app.notFound(() => errorJson(404, "not_found", "No such route in the dev server"));
  return app;
}
