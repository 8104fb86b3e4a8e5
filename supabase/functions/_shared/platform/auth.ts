/**
 * Verification of the Supabase user JWT a client sends. The functions run with `verify_jwt = false`: the
 * gateway's check refuses tokens signed with a project's asymmetric JWT signing keys, and the functions
 * need the verified claims for RLS anyway. Keys: asymmetric ones from `SUPABASE_JWKS` or the project's
 * JWKS endpoint (cached by jose), HS256 with `SUPABASE_JWT_SECRET` for legacy projects and local
 * development. A token passes only with a valid signature, `exp` in the future, `nbf` (when present) in
 * the past, an `iat` that is not in the future and at most a week before `exp`, `aud = authenticated`,
 * `iss` = the project's auth URL (when configured), `role = authenticated` and a uuid `sub`; everything
 * else is a 401.
 *
 * @module
 */
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { ApiError, apiError } from "./api_error.ts";
import type { Jwks } from "./config.ts";

/** The verified caller: what RLS sees as `auth.uid()` and `auth.jwt()`. */
export interface UserClaims {
  /** The user's id (auth.users.id). */
  sub: string;
  role: "authenticated";
  email?: string;
  /** Every verified claim, passed to Postgres as `request.jwt.claims`. */
  claims: Record<string, unknown>;
}

/** Verifies an `Authorization` header value and returns the caller, or throws a 401 `ApiError`. */
export type UserVerifier = (authorization: string | undefined) => Promise<UserClaims>;

/** Where the verifier finds its keys, and an injectable clock. */
export interface UserVerifierOptions {
  /** HS256 secret (legacy projects, local development). */
  jwtSecret?: string;
  /** A JWKS given inline (`SUPABASE_JWKS`); preferred to `jwksUrl`. */
  jwks?: Jwks;
  /** The project's JWKS endpoint, fetched on demand and cached. */
  jwksUrl?: string;
  /** The `iss` every token must carry: `<SUPABASE_URL>/auth/v1`. Unchecked when absent (tests). */
  issuer?: string;
  /** The time tokens are checked against (tests); defaults to the real clock. */
  now?: () => Date;
}

/** Clock skew allowed between Supabase Auth and the function for `iat` (`exp` and `nbf` are strict). */
const clockToleranceSeconds = 30;
/** The longest access-token lifetime Supabase Auth allows (`jwt_expiry` of at most a week). */
const maxLifetimeSeconds = 7 * 86_400;

const ASYMMETRIC = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"];

const ClaimsSchema = z.object({
  sub: z.guid(),
  email: z.string().optional(),
});

type Jose = typeof import("jose");
let jose: Promise<Jose> | undefined;

/**
 * jose, imported on the first token to verify rather than at start: a webhook delivery never needs it,
 * and every function starts faster without it (docs/benchmarks.md, cold start).
 */
function loadJose(): Promise<Jose> {
  return jose ??= import("jose").catch((err) => {
    jose = undefined;
    throw err;
  });
}

function unauthorized(message: string) {
  return apiError(401, "unauthorized", message);
}

/**
 * Creates a verifier for user JWTs.
 *
 * @throws {Error} when it is given no key source at all (a configuration error)
 */
export function createUserVerifier(options: UserVerifierOptions): UserVerifier {
  const { jwtSecret, jwks, jwksUrl } = options;
  if (!jwtSecret && !jwks && !jwksUrl) {
    throw new Error("Cannot verify user tokens: no JWT secret, JWKS or JWKS URL configured");
  }
  const secret = jwtSecret ? new TextEncoder().encode(jwtSecret) : undefined;
  // imported once: given the raw bytes, jose imports the HMAC key again for every token
  let secretKey: Promise<CryptoKey> | undefined;
  const getSecretKey = (raw: Uint8Array<ArrayBuffer>) =>
    secretKey ??= crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  let keySet: JWTVerifyGetKey | undefined;
  const getKeySet = ({ createLocalJWKSet, createRemoteJWKSet }: Jose) =>
    keySet ??= jwks
      ? createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0])
      : createRemoteJWKSet(new URL(jwksUrl!), { cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });

  return async function verifyUser(authorization) {
    if (!authorization) throw unauthorized("Missing authorization header: sign in and send the user's JWT");
    const match = authorization.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw unauthorized("Authorization header must be 'Bearer <jwt>'");
    const token = match[1];

    const lib = await loadJose();
    const { decodeProtectedHeader, jwtVerify } = lib;
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthorized("Invalid token");
    }
    const currentDate = options.now?.();
    const checks = {
      requiredClaims: ["exp", "iat"],
      issuer: options.issuer,
      currentDate,
    };
    let payload: JWTPayload;
    try {
      if (alg === "HS256") {
        if (!secret) throw unauthorized("Invalid token: HS256 tokens are not accepted by this project");
        ({ payload } = await jwtVerify(token, await getSecretKey(secret), {
          algorithms: ["HS256"],
          ...checks,
        }));
      } else if (alg && ASYMMETRIC.includes(alg) && (jwks || jwksUrl)) {
        ({ payload } = await jwtVerify(token, getKeySet(lib), { algorithms: ASYMMETRIC, ...checks }));
      } else {
        throw unauthorized("Invalid token: unsupported signing algorithm");
      }
    } catch (err) {
      throw verificationError(err, lib.errors);
    }

    // The role first: an anon key (no sub) deserves the message that says what to send instead
    if (payload.role !== "authenticated") {
      throw unauthorized("Only signed-in users may call this function: send a user's JWT, not an API key");
    }
    // Checked after the role, so that an anon key (no audience) gets the message above.
    const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audience.includes("authenticated")) {
      throw unauthorized("Invalid token: audience is not authenticated");
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthorized("Invalid token: no user id");
    const nowSeconds = (currentDate ?? new Date()).getTime() / 1000;
    const { iat, exp } = payload as { iat: number; exp: number };
    if (iat > nowSeconds + clockToleranceSeconds) throw unauthorized("Invalid token: issued in the future");
    if (exp - iat > maxLifetimeSeconds) throw unauthorized("Invalid token: lifetime longer than a week");
    return {
      sub: claims.data.sub,
      role: "authenticated",
      email: claims.data.email,
      claims: storableClaims(payload) as Record<string, unknown>,
    };
  };
}

/**
 * The claims as Postgres can hold them in `request.jwt.claims`: jsonb refuses U+0000 and lone surrogates,
 * which a user can put in their own `user_metadata`, so those become U+FFFD. Identity claims (`sub`,
 * `role`, `aud`, `iss`) were validated before and never contain them.
 */
export function storableClaims(value: unknown): unknown {
  if (typeof value === "string") {
    return value.replace(
      // deno-lint-ignore no-control-regex -- U+0000 is exactly what must be replaced
      /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    );
  }
  if (Array.isArray(value)) return value.map(storableClaims);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storableClaims(k) as string, storableClaims(v)]),
    );
  }
  return value;
}

/** Maps jose's failures to 401s; a JWKS endpoint that cannot be reached is our problem, not the caller's. */
function verificationError(err: unknown, errors: Jose["errors"]): Error {
  if (err instanceof ApiError) return err;
  if (err instanceof errors.JWTExpired) return unauthorized("Token has expired: refresh the session");
  if (err instanceof errors.JWTClaimValidationFailed) return unauthorized("Invalid token: claims rejected");
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized("Invalid token: unknown signing key");
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized("Invalid token: signature does not match");
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof TypeError) {
    return new Error("Cannot verify token: signing keys unavailable", { cause: err });
  }
  return unauthorized("Invalid token");
}

/**
 * Middleware that verifies the caller and sets `c.var.user`; requests without a valid user token end
 * in a 401 before the handler runs.
 */
export function requireUser(verify: UserVerifier): MiddlewareHandler<{ Variables: { user: UserClaims } }> {
  return createMiddleware<{ Variables: { user: UserClaims } }>(async function requireUserMiddleware(c, next) {
    c.set("user", await verify(c.req.header("authorization")));
    await next();
  });
}
