/**
 * The JWTs the dev server hands a newcomer: an anon key (HS256, the legacy kind) and a dev user's access
 * token, signed with the dev server's ES256 key as a project on JWT signing keys does, or with the local
 * HS256 secret (`--legacy-jwt`).
 *
 * @module
 */
import { SignJWT } from "jose";

/** The Supabase CLI's well-known local JWT secret (public; never use it in a deployed project). */
export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

/** The expiry the Supabase CLI gives its local API keys (2032-11-01), so ours match them byte for byte. */
const LOCAL_KEY_EXPIRY = 1983812996;

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * Signs an anon key (`role: anon`) the way `supabase start` does: with the CLI's local secret this is
 * exactly the CLI's well-known local anon key.
 */
export async function signAnonKey(secret: string): Promise<string> {
  return await new SignJWT({ iss: "supabase-demo", role: "anon", exp: LOCAL_KEY_EXPIRY })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(key(secret));
}

/** Who the dev user's token is for and how long it lasts. */
export interface UserTokenOptions {
  /** auth.users.id */
  sub: string;
  email: string;
  /** The HS256 secret, used when no `signingKey` is given. */
  secret: string;
  /** An asymmetric key to sign with (ES256), as Supabase projects on JWT signing keys do. */
  signingKey?: { privateKey: CryptoKey; kid: string };
  /** Issuer base, e.g. http://127.0.0.1:54321 (the token's iss is `<url>/auth/v1`, as GoTrue's). */
  supabaseUrl: string;
  now: Date;
  expiresInSeconds: number;
}

/** Signs a user access token shaped like the ones Supabase Auth (GoTrue) issues after a password sign-in. */
export async function signUserToken(options: UserTokenOptions): Promise<string> {
  const iat = Math.floor(options.now.getTime() / 1000);
  return await new SignJWT({
    email: options.email,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: { email: options.email },
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: iat }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
  })
    .setProtectedHeader(
      options.signingKey
        ? { alg: "ES256", kid: options.signingKey.kid, typ: "JWT" }
        : { alg: "HS256", typ: "JWT" },
    )
    .setIssuer(`${options.supabaseUrl}/auth/v1`)
    .setSubject(options.sub)
    .setAudience("authenticated")
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.expiresInSeconds)
    .sign(options.signingKey?.privateKey ?? key(options.secret));
}
