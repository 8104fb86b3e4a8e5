/**
 * Calls Cal.com's OAuth token endpoint (`POST /v2/auth/oauth2/token`) for both grants. The client is
 * confidential: it sends its secret in the body and no PKCE verifier (Cal.com's published DTOs refuse
 * both together). Answers are flat (`{access_token, token_type, refresh_token, expires_in, scope?}`),
 * errors RFC 6749 style (`{error, error_description}`), neither in API v2's envelope.
 *
 * @module
 */
import { z } from "zod";
import { readCappedText } from "../calcom/read_capped.ts";

/** The operator's OAuth client, as the token endpoint needs it. */
export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  tokenUrl: string;
}

/** Tokens as Cal.com issued them. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives (Cal.com: 1800). */
  expiresIn: number;
  /** Granted scopes, when Cal.com said (it may not: then the caller keeps the requested ones). */
  scopes: string[] | undefined;
}

/**
 * A refusal or failure of the token endpoint. `error` is Cal.com's RFC code (`invalid_grant`,
 * `invalid_client`, `unauthorized_client`, `invalid_request`, …) or `unavailable` when no usable answer
 * came (network, 5xx, an answer that is not the documented shape). Its message never holds a token,
 * the code or the secret.
 */
export class OAuthTokenError extends Error {
  override name = "OAuthTokenError";
  constructor(readonly error: string, readonly status: number | undefined, message: string) {
    super(message);
  }

  /** Whether the grant itself is dead (the user must authorise again). */
  get grantRefused(): boolean {
    return this.error === "invalid_grant";
  }
}

const headerSafe = z.string().regex(/^[\x21-\x7e]{1,8000}$/);

const TokenResponseSchema = z.object({
  access_token: headerSafe,
  token_type: z.string().refine((t) => t.toLowerCase() === "bearer"),
  refresh_token: headerSafe,
  expires_in: z.number().int().positive().max(366 * 24 * 3600),
  scope: z.string().optional(),
});

const ErrorResponseSchema = z.object({
  error: z.string().max(100),
  error_description: z.string().optional(),
});

const maxTokenResponseBytes = 64 * 1024;

/** Options of one call. */
export interface TokenCallOptions {
  fetch: typeof fetch;
  timeoutMs?: number;
}

async function post(
  client: OAuthClientConfig,
  body: Record<string, string>,
  options: TokenCallOptions,
): Promise<IssuedTokens> {
  let response: Response;
  try {
    response = await options.fetch(client.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret, ...body }),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch {
    throw new OAuthTokenError("unavailable", undefined, "Cal.com's token endpoint could not be reached");
  }
  const read = await readCappedText(response, maxTokenResponseBytes).catch(() => ({ ok: false as const }));
  const text = read.ok ? read.text : "";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status === 200) {
    const parsed = TokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new OAuthTokenError("unavailable", 200, "Cal.com's token endpoint answered an unexpected shape");
    }
    const t = parsed.data;
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresIn: t.expires_in,
      scopes: t.scope === undefined ? undefined : t.scope.split(/[ ,]+/).filter((s) => s !== ""),
    };
  }
  const refusal = ErrorResponseSchema.safeParse(json);
  if (refusal.success && response.status >= 400 && response.status < 500) {
    // Cal.com's descriptions are fixed words (code_invalid_or_expired, refresh_token_revoked, …)
    const description = (refusal.data.error_description ?? "").replace(/[^\w .,'-]/g, "").slice(0, 100);
    throw new OAuthTokenError(
      refusal.data.error,
      response.status,
      `Cal.com refused the token request: ${refusal.data.error}${description ? ` (${description})` : ""}`,
    );
  }
  throw new OAuthTokenError(
    "unavailable",
    response.status,
    `Cal.com's token endpoint answered HTTP ${response.status}`,
  );
}

/** Exchanges an authorization code (valid 10 minutes, single use) for tokens. */
export async function exchangeCode(
  client: OAuthClientConfig,
  code: string,
  options: TokenCallOptions,
): Promise<IssuedTokens> {
  return await post(
    client,
    { grant_type: "authorization_code", code, redirect_uri: client.redirectUrl },
    options,
  );
}

/** Trades a refresh token for new tokens; Cal.com rotates: the old refresh token is dead afterwards. */
export async function refreshTokens(
  client: OAuthClientConfig,
  refreshToken: string,
  options: TokenCallOptions,
): Promise<IssuedTokens> {
  return await post(client, { grant_type: "refresh_token", refresh_token: refreshToken }, options);
}
