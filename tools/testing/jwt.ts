/**
 * Supabase-shaped JWTs for tests and local development, signed with HS256 like a local Supabase stack.
 *
 * @module
 */
import { SignJWT } from "jose";
import { LOCAL_JWT_SECRET } from "../dev/dev_tokens.ts";

/** Re-exported for the tests: the Supabase CLI's local secret, which the dev server signs with too. */
export { LOCAL_JWT_SECRET };

/** What a test token says about its bearer. */
export interface TestJwtOptions {
  /** The user id; omitted for anon/service keys. */
  sub?: string;
  /** Defaults to "authenticated"; "anon" and "service_role" make API-key-like tokens. */
  role?: string;
  email?: string;
  /** Lifetime from `now` in seconds, or a jose time span like "1h"; negative seconds make it expired. */
  expiresIn?: number | string;
  /** HS256 secret; defaults to {@link LOCAL_JWT_SECRET}. */
  secret?: string;
  /** The issue time; defaults to the real clock. */
  now?: Date;
  /** Extra claims (e.g. app_metadata). */
  claims?: Record<string, unknown>;
}

/** Signs an HS256 JWT shaped like the ones Supabase Auth issues (iss, aud, role, sub, email, exp). */
export async function signTestJwt(options: TestJwtOptions = {}): Promise<string> {
  const role = options.role ?? "authenticated";
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expiresIn = options.expiresIn ?? 3600;
  const exp = typeof expiresIn === "number" ? iat + expiresIn : undefined;
  const jwt = new SignJWT({
    ...options.claims,
    role,
    ...(options.email ? { email: options.email } : {}),
    ...(role === "authenticated" ? { aud: "authenticated", session_id: crypto.randomUUID() } : {}),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(role === "authenticated" ? "http://127.0.0.1:54321/auth/v1" : "supabase-demo")
    .setIssuedAt(iat);
  if (options.sub) jwt.setSubject(options.sub);
  if (exp !== undefined) jwt.setExpirationTime(exp);
  else jwt.setExpirationTime(`${expiresIn}`);
  return await jwt.sign(new TextEncoder().encode(options.secret ?? LOCAL_JWT_SECRET));
}

/** An anon key like the one a Supabase project hands to browsers (role anon, long-lived, no user). */
export function signAnonKey(secret = LOCAL_JWT_SECRET): Promise<string> {
  return signTestJwt({ role: "anon", expiresIn: 10 * 365 * 24 * 3600, secret });
}
