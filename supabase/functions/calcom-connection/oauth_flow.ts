/**
 * "Continue with Cal.com": the two halves of the OAuth authorization-code flow.
 *
 * - {@link startOAuthFlow}: for a signed-in user, a random `state` (stored as its SHA-256, bound to the
 *   user, valid 10 minutes, single use) and the authorize URL on Cal.com carrying it. No PKCE: the
 *   client is confidential, and Cal.com's token endpoint refuses a secret and a verifier together.
 * - {@link finishOAuthFlow}: the browser's return from Cal.com. It consumes the state, exchanges the
 *   code, reads `/v2/me`, creates or updates the user's connection for that Cal.com account (same
 *   account, same connection id) with both tokens encrypted, registers the webhook, and answers where
 *   to send the browser: always an allow-listed app URL, with the outcome in its query.
 *
 * @module
 */
import type { UserClaims } from "../_shared/platform/auth.ts";
import { connectionSecret } from "../_shared/platform/connection_secret.ts";
import type { Config } from "../_shared/platform/config.ts";
import type { CalcomCallOptions, Deps } from "../_shared/platform/deps.ts";
import { apiError } from "../_shared/platform/http.ts";
import { sha256Hex } from "../_shared/platform/sha256.ts";
import { defaultOAuthScopes } from "../_shared/oauth/oauth_scopes.ts";
import { exchangeCode, type IssuedTokens, OAuthTokenError } from "../_shared/oauth/token_endpoint.ts";
import { calcomAccount } from "./calcom_account.ts";
import { generateWebhookSecret } from "./connect_request.ts";
import { findOwnConnection, lockCalcomAccount, setWebhookState } from "./connection_store.ts";
import { upsertOAuthConnection } from "./oauth_connection_store.ts";
import { consumeOAuthState, saveOAuthState } from "./oauth_state_store.ts";
import { registerWebhook } from "./register_webhook.ts";
import { isLocalUrl, webhookUrlFor } from "./webhook_url.ts";

/** How long a started flow may take until the user comes back (Cal.com's codes live 10 minutes too). */
export const stateTtlMs = 10 * 60_000;

type OAuthConfig = NonNullable<Config["oauth"]>;

/** The configured OAuth client, or the 404 that says OAuth is not offered here. */
export function oauthConfigOf(config: Config): OAuthConfig {
  if (!config.oauth) {
    throw apiError(
      404,
      "oauth_not_configured",
      "Continue with Cal.com is not configured here: connect with an API key instead",
    );
  }
  return config.oauth;
}

/** The scopes this deployment asks for. */
export function requestedScopes(oauth: OAuthConfig): readonly string[] {
  return oauth.scopes ?? defaultOAuthScopes;
}

/**
 * The allow-listed app URL `returnTo` names: same origin and path as an allowed one (its query may
 * differ, no fragment). Undefined when it is not allowed.
 */
export function allowedReturnUrl(oauth: OAuthConfig, returnTo: string | undefined): string | undefined {
  if (returnTo === undefined) return oauth.returnUrls[0];
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return undefined;
  }
  if (url.hash !== "" || url.username !== "" || url.password !== "") return undefined;
  const match = oauth.returnUrls.some((allowed) => {
    const a = new URL(allowed);
    return a.origin === url.origin && a.pathname === url.pathname;
  });
  return match ? url.toString() : undefined;
}

function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Starts a flow for `user`; returns the URL to send the browser to. */
export async function startOAuthFlow(
  deps: Pick<Deps, "config" | "db" | "now">,
  user: UserClaims,
  returnTo: string | undefined,
): Promise<{ authorizeUrl: string; expiresAt: string }> {
  const oauth = oauthConfigOf(deps.config);
  const target = allowedReturnUrl(oauth, returnTo);
  if (!target) {
    throw apiError(
      400,
      "invalid_request",
      "returnTo is not an allowed return URL (CALCOM_OAUTH_RETURN_URLS lists them)",
    );
  }
  const state = randomState();
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + stateTtlMs);
  const scopes = requestedScopes(oauth);
  await deps.db.asService((tx) =>
    saveOAuthState(tx, {
      stateHash: sha256Hex(state),
      userId: user.sub,
      returnTo: target,
      scopes,
      expiresAt,
      now,
    })
  );
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set("client_id", oauth.clientId);
  url.searchParams.set("redirect_uri", oauth.redirectUrl);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", scopes.join(" "));
  url.searchParams.set("state", state);
  // URLSearchParams writes spaces as "+"; Cal.com's examples use %20, which every parser reads
  return { authorizeUrl: url.toString().replaceAll("+", "%20"), expiresAt: expiresAt.toISOString() };
}

/** The browser's return from Cal.com. */
export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
}

/** Why a flow ended without a connection: the `calcom_error` the app receives. */
export type FlowError =
  | "invalid_state"
  | "expired_state"
  | "access_denied"
  | "authorization_failed"
  | "exchange_failed"
  | "calcom_unavailable"
  | "internal_error";

function withOutcome(returnTo: string, params: Record<string, string>): string {
  const url = new URL(returnTo);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

function failed(returnTo: string, error: FlowError): string {
  return withOutcome(returnTo, { calcom_status: "error", calcom_error: error });
}

/**
 * Finishes a flow; returns the URL to redirect the browser to. Never throws for what the browser or
 * Cal.com sent: every failure is an error parameter on the app's URL.
 */
export async function finishOAuthFlow(
  deps: Deps,
  query: CallbackQuery,
  callOptions: CalcomCallOptions,
): Promise<string> {
  const oauth = oauthConfigOf(deps.config);
  const fallback = oauth.returnUrls[0];
  const state = typeof query.state === "string" && /^[\w-]{20,200}$/.test(query.state)
    ? query.state
    : undefined;
  if (!state) return failed(fallback, "invalid_state");
  const stored = await deps.db.asService((tx) => consumeOAuthState(tx, sha256Hex(state)));
  if (!stored) return failed(fallback, "invalid_state");
  // The stored URL was allowed when the flow started; checked again in case the list changed since
  const returnTo = allowedReturnUrl(oauth, stored.returnTo) ?? fallback;
  if (stored.expiresAt.getTime() <= deps.now().getTime()) return failed(returnTo, "expired_state");
  if (query.error !== undefined) {
    return failed(returnTo, query.error === "access_denied" ? "access_denied" : "authorization_failed");
  }
  if (typeof query.code !== "string" || !/^[\x21-\x7e]{1,500}$/.test(query.code)) {
    return failed(returnTo, "authorization_failed");
  }

  let tokens: IssuedTokens;
  try {
    tokens = await exchangeCode(oauth, query.code, { fetch: deps.fetch });
  } catch (err) {
    if (!(err instanceof OAuthTokenError)) throw err;
    deps.log.warn("OAuth code exchange failed", { error: err.error, status: err.status });
    return failed(returnTo, err.error === "unavailable" ? "calcom_unavailable" : "exchange_failed");
  }
  const calcom = deps.calcom(tokens.accessToken, callOptions);
  let me;
  try {
    me = calcomAccount(await calcom.me());
  } catch (err) {
    deps.log.warn("OAuth connect: GET /v2/me failed", { error: err });
    return failed(returnTo, "calcom_unavailable");
  }

  const userId = stored.userId;
  const scopes = tokens.scopes ?? stored.scopes;
  const connectionId = await deps.db.asService(async (tx) => {
    await lockCalcomAccount(tx, userId, me.id);
    const existing = await findOwnConnection(tx, userId, me.id);
    const id = existing?.id ?? crypto.randomUUID();
    const owner = { id, userId };
    let secret: string | undefined;
    if (existing) {
      secret = await deps.secrets.decrypt(
        existing.webhook_secret_encrypted,
        connectionSecret("webhook_secret_encrypted", owner),
      ).catch(() => undefined);
    }
    secret ??= generateWebhookSecret();
    await upsertOAuthConnection(tx, {
      id,
      userId,
      label: existing?.label ?? `Cal.com ${me.username ?? me.email}`.slice(0, 100),
      apiKeyEncrypted: await deps.secrets.encrypt("", connectionSecret("api_key_encrypted", owner)),
      webhookSecretEncrypted: await deps.secrets.encrypt(
        secret,
        connectionSecret("webhook_secret_encrypted", owner),
      ),
      accessTokenEncrypted: await deps.secrets.encrypt(
        tokens.accessToken,
        connectionSecret("oauth_access_token_encrypted", owner),
      ),
      refreshTokenEncrypted: await deps.secrets.encrypt(
        tokens.refreshToken,
        connectionSecret("oauth_refresh_token_encrypted", owner),
      ),
      accessTokenExpiresAt: new Date(deps.now().getTime() + tokens.expiresIn * 1000),
      scopes,
      calcomUserId: me.id,
      calcomUsername: me.username,
      calcomEmail: me.email,
      calcomTimeZone: me.timeZone,
    });
    const webhookUrl = webhookUrlFor(deps.config.publicFunctionsUrl, id);
    if (isLocalUrl(webhookUrl)) {
      if (!existing?.calcom_webhook_id) {
        await setWebhookState(tx, id, userId, {
          webhookId: null,
          error:
            `Not registered: ${deps.config.publicFunctionsUrl} is a local address Cal.com cannot reach ` +
            "(set PUBLIC_FUNCTIONS_URL to the functions' public URL)",
        });
      }
      return id;
    }
    const result = await registerWebhook(calcom, { subscriberUrl: webhookUrl, secret });
    if (result.webhookId === null) {
      deps.log.warn("webhook not registered", { connectionId: id, reason: result.error });
    }
    await setWebhookState(
      tx,
      id,
      userId,
      result.webhookId === null
        ? { webhookId: null, error: result.error }
        : { webhookId: result.webhookId, error: null },
    );
    return id;
  });
  return withOutcome(returnTo, { calcom_status: "connected", calcom_connection_id: connectionId });
}
