/**
 * Cal.com's OAuth 2.0 server for third-party apps, as docs/calcom-contract.md (§ OAuth) describes it:
 * the consent page (`GET/POST /auth/oauth2/authorize`, on the API's host here), the token endpoint
 * (`POST /v2/auth/oauth2/token`, both grants, JSON or form, RFC-style errors without the envelope),
 * HS256 JWT tokens (30 min access, 30 days refresh), refresh-token rotation per (client, user), and the
 * check of access tokens and their scopes for the API routes.
 *
 * The sandbox has no Cal.com login: the consent form asks which sandbox user is signed in.
 *
 * @module
 */

import { Hono } from "hono";
import { base64url, jwtVerify, SignJWT } from "jose";
import type { Random } from "./ids.ts";

/** A registered OAuth client (confidential: it has a secret). */
export interface OAuthClientRecord {
  clientId: string;
  /** SHA-256 hex of the secret, as Cal.com stores it. */
  secretHash: string;
  name: string;
  status: "PENDING" | "APPROVED" | "REJECTED";
  ownerUserId: number | null;
  /** Exact redirect URIs. */
  redirectUris: string[];
  /** Registered scopes; empty ⇒ a legacy client (nothing validated, tokens not scope-enforced). */
  scopes: string[];
}

interface AccessCode {
  clientId: string;
  userId: number;
  scopes: string[];
  expiresAt: number;
}

/** An access token's claims, once verified. */
export interface AccessClaims {
  userId: number;
  clientId: string;
  scope: string[];
  /** Whether Cal.com enforces scopes for this token (false for legacy clients). */
  enforced: boolean;
}

/** Every scope name Cal.com accepts at authorize (the user scopes; team and org ones are not modelled). */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set(
  [
    "EVENT_TYPE",
    "BOOKING",
    "SCHEDULE",
    "APPS",
    "PROFILE",
    "WEBHOOK",
    "VERIFIED_RESOURCES",
    "CREDITS",
  ].flatMap((s) => [`${s}_READ`, `${s}_WRITE`]).concat(["INSIGHTS_READ"]),
);

const ACCESS_TTL_S = 1800;
const REFRESH_TTL_S = 30 * 24 * 3600;
const CODE_TTL_MS = 10 * 60_000;

const te = new TextEncoder();

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", te.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomHex(random: Random, bytes: number): string {
  return Array.from({ length: bytes }, () => Math.floor(random() * 256).toString(16).padStart(2, "0"))
    .join("");
}

function randomB64(random: Random, bytes: number): string {
  return base64url.encode(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
}

/** An RFC 6749 error of the token endpoint. */
class OAuthError extends Error {
  constructor(readonly status: number, readonly error: string, readonly description: string) {
    super(description);
  }
}

/** The OAuth server's state and routes. */
export class OAuthServer {
  readonly clients = new Map<string, OAuthClientRecord>();
  readonly #codes = new Map<string, AccessCode>();
  /** Live refresh-token secrets per `${clientId}:${userId}`. */
  readonly #refreshRows = new Map<string, Set<string>>();
  /** Leave `scope` out of token responses (Cal.com's output DTO may drop it). */
  omitScope = false;
  /** Answer the token endpoint 404 (as right after launch, Cal.com issue #27685). */
  tokenEndpointMissing = false;
  #secretKey: Uint8Array | undefined;

  constructor(
    private readonly now: () => number,
    private readonly random: Random,
    private readonly userIdByName: (username: string) => number | undefined,
  ) {}

  #key(): Uint8Array {
    this.#secretKey ??= te.encode(randomHex(this.random, 32));
    return this.#secretKey;
  }

  async #sign(payload: Record<string, unknown>): Promise<string> {
    return await new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(this.#key());
  }

  /** The payload of a token this server signed that has not expired by the sandbox clock. */
  async #verify(token: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key(), {
        algorithms: ["HS256"],
        currentDate: new Date(this.now()),
        clockTolerance: 0,
      });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  /** Registers a confidential client; returns its id and (once) its secret. */
  async addClient(input: {
    redirectUris: string[];
    scopes?: string[];
    status?: OAuthClientRecord["status"];
    ownerUserId?: number | null;
    name?: string;
  }): Promise<{ clientId: string; clientSecret: string }> {
    const clientId = randomHex(this.random, 32);
    const clientSecret = randomHex(this.random, 32);
    this.clients.set(clientId, {
      clientId,
      secretHash: await sha256Hex(clientSecret),
      name: input.name ?? "Sandbox app",
      status: input.status ?? "APPROVED",
      ownerUserId: input.ownerUserId ?? null,
      redirectUris: input.redirectUris,
      scopes: input.scopes ?? [...KNOWN_SCOPES],
    });
    return { clientId, clientSecret };
  }

  /** Deletes every refresh token of (client, user), as a rotation elsewhere would. */
  revokeRefreshTokens(clientId: string, userId: number): void {
    this.#refreshRows.delete(`${clientId}:${userId}`);
  }

  /** Mints tokens for a user as the token endpoint would (tests that need a token without the flow). */
  async #mint(clientId: string, userId: number, scopes: string[]): Promise<Record<string, unknown>> {
    const iat = Math.floor(this.now() / 1000);
    const common = { userId, teamId: null, scope: scopes, clientId, iat };
    const accessToken = await this.#sign({ ...common, token_type: "Access Token", exp: iat + ACCESS_TTL_S });
    const secret = randomB64(this.random, 32);
    const refreshToken = await this.#sign({
      ...common,
      token_type: "Refresh Token",
      secret,
      exp: iat + REFRESH_TTL_S,
    });
    const key = `${clientId}:${userId}`;
    const rows = this.#refreshRows.get(key) ?? new Set<string>();
    rows.add(secret);
    this.#refreshRows.set(key, rows);
    return {
      access_token: accessToken,
      token_type: "bearer",
      refresh_token: refreshToken,
      expires_in: ACCESS_TTL_S,
      ...(this.omitScope ? {} : { scope: scopes.join(" ") }),
    };
  }

  /** The claims of a valid, unexpired access token; undefined otherwise (the API answers 401). */
  async accessClaims(token: string): Promise<AccessClaims | undefined> {
    const payload = await this.#verify(token);
    if (!payload || payload.token_type !== "Access Token") return undefined;
    const client = this.clients.get(String(payload.clientId));
    return {
      userId: Number(payload.userId),
      clientId: String(payload.clientId),
      scope: Array.isArray(payload.scope) ? payload.scope.map(String) : [],
      enforced: client !== undefined && !isLegacy(client),
    };
  }

  /** The Hono routes: the consent page and the token endpoint. */
  routes(): Hono {
    const app = new Hono();
    app.get("/auth/oauth2/authorize", (c) => {
      const q = new URL(c.req.url).searchParams;
      const checked = this.#checkAuthorize(q);
      if ("page" in checked) return c.html(errorPage(checked.page), 400);
      if ("redirect" in checked) return c.redirect(checked.redirect, 303);
      return c.html(consentPage(checked.client, checked.scopes, q));
    });
    app.post("/auth/oauth2/authorize", async (c) => {
      const form = new URLSearchParams(await c.req.text());
      const checked = this.#checkAuthorize(form);
      if ("page" in checked) return c.html(errorPage(checked.page), 400);
      if ("redirect" in checked) return c.redirect(checked.redirect, 303);
      const redirectUri = form.get("redirect_uri")!;
      const state = form.get("state");
      if (form.get("decision") !== "allow") {
        return c.redirect(withParams(redirectUri, { error: "access_denied", state }), 303);
      }
      const userId = this.userIdByName(form.get("username") ?? "");
      if (userId === undefined) return c.html(errorPage("Unknown Cal.com user: sign in first"), 400);
      const client = checked.client;
      if (client.status !== "APPROVED" && client.ownerUserId !== userId) {
        return c.html(errorPage("client_not_approved"), 400);
      }
      const code = randomB64(this.random, 40);
      this.#codes.set(code, {
        clientId: client.clientId,
        userId,
        scopes: checked.scopes,
        expiresAt: this.now() + CODE_TTL_MS,
      });
      return c.redirect(withParams(redirectUri, { code, state }), 303);
    });
    app.post("/v2/auth/oauth2/token", async (c) => {
      const headers = { "Cache-Control": "no-store", Pragma: "no-cache" };
      if (this.tokenEndpointMissing) {
        return c.json({ message: "Cannot POST /v2/auth/oauth2/token", statusCode: 404 }, 404, headers);
      }
      try {
        const body = await readBody(c.req.raw);
        const result = await this.#token(body);
        return c.json(result, 200, headers);
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        // deno-lint-ignore no-explicit-any
        return c.json({ error: err.error, error_description: err.description }, err.status as any, headers);
      }
    });
    return app;
  }

  /** Validates an authorize request in Cal.com's order. */
  #checkAuthorize(
    q: URLSearchParams,
  ): { page: string } | { redirect: string } | { client: OAuthClientRecord; scopes: string[] } {
    const client = this.clients.get(q.get("client_id") ?? "");
    if (!client) return { page: "client_not_found" };
    if (client.status === "REJECTED") return { page: "client_rejected" };
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!client.redirectUris.includes(redirectUri)) return { page: "redirect_uri_mismatch" };
    const state = q.get("state");
    const raw = q.get("scope");
    if (!isLegacy(client) && !raw) return { page: "scope parameter is required for this OAuth client" };
    const scopes = (raw ?? "").split(/[, ]+/).filter((s) => s !== "");
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) {
      return {
        redirect: withParams(redirectUri, {
          error: "invalid_scope",
          error_description: "Requested scope is not a recognized scope",
          state,
        }),
      };
    }
    if (!isLegacy(client) && scopes.some((s) => !client.scopes.includes(s))) {
      return {
        redirect: withParams(redirectUri, {
          error: "invalid_request",
          error_description: "Requested scope exceeds the client's registered scopes",
          state,
        }),
      };
    }
    const method = q.get("code_challenge_method");
    if (q.get("code_challenge") && method !== "S256") {
      return {
        redirect: withParams(redirectUri, {
          error: "invalid_request",
          error_description: "invalid_code_challenge_method",
          state,
        }),
      };
    }
    return { client, scopes };
  }

  async #token(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const bad = (d: string) => new OAuthError(400, "invalid_request", d);
    if (typeof body.client_id !== "string") throw bad("client_id is required");
    const grant = body.grant_type;
    if (grant !== "authorization_code" && grant !== "refresh_token") {
      throw bad("grant_type must be 'authorization_code' or 'refresh_token'");
    }
    const allowed = grant === "authorization_code"
      ? ["client_id", "client_secret", "grant_type", "code", "redirect_uri"]
      : ["client_id", "client_secret", "grant_type", "refresh_token"];
    const extra = Object.keys(body).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw bad(extra.map((k) => `property ${k} should not exist`).join(","));
    const client = this.clients.get(body.client_id);
    if (!client) throw new OAuthError(401, "invalid_client", "client_not_found");
    if (grant === "authorization_code") {
      if (typeof body.redirect_uri !== "string" || !client.redirectUris.includes(body.redirect_uri)) {
        throw new OAuthError(400, "invalid_grant", "redirect_uri_mismatch");
      }
    }
    if (typeof body.client_secret !== "string" || await sha256Hex(body.client_secret) !== client.secretHash) {
      throw new OAuthError(401, "invalid_client", "invalid_client_credentials");
    }
    if (grant === "authorization_code") {
      const code = this.#codes.get(String(body.code ?? ""));
      for (const [k, v] of this.#codes) if (v.expiresAt <= this.now()) this.#codes.delete(k);
      if (!code || code.clientId !== client.clientId || code.expiresAt <= this.now()) {
        throw new OAuthError(400, "invalid_grant", "code_invalid_or_expired");
      }
      this.#codes.delete(String(body.code));
      this.#approved(client, code.userId);
      return await this.#mint(client.clientId, code.userId, code.scopes);
    }
    const payload = await this.#verify(String(body.refresh_token ?? ""));
    if (!payload || payload.token_type !== "Refresh Token") {
      throw new OAuthError(400, "invalid_grant", "invalid_refresh_token");
    }
    if (payload.clientId !== client.clientId) {
      throw new OAuthError(400, "invalid_grant", "client_id_mismatch");
    }
    const userId = Number(payload.userId);
    this.#approved(client, userId);
    const key = `${client.clientId}:${userId}`;
    if (typeof payload.secret === "string" && !this.#refreshRows.get(key)?.has(payload.secret)) {
      throw new OAuthError(400, "invalid_grant", "refresh_token_revoked");
    }
    // Rotation: every refresh token of (client, user) dies; only the new one lives
    this.#refreshRows.delete(key);
    const scopes = Array.isArray(payload.scope) ? payload.scope.map(String) : [];
    return await this.#mint(client.clientId, userId, scopes);
  }

  #approved(client: OAuthClientRecord, userId: number): void {
    if (client.status === "REJECTED") throw new OAuthError(401, "unauthorized_client", "client_rejected");
    if (client.status !== "APPROVED" && client.ownerUserId !== userId) {
      throw new OAuthError(401, "unauthorized_client", "client_not_approved");
    }
  }
}

function isLegacy(client: OAuthClientRecord): boolean {
  return client.scopes.length === 0 ||
    client.scopes.every((s) => s === "READ_BOOKING" || s === "READ_PROFILE");
}

async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === "") throw new OAuthError(400, "invalid_request", "Body is required");
  if ((req.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // below
  }
  throw new OAuthError(400, "invalid_request", "Body should be an object");
}

function withParams(uri: string, params: Record<string, string | null>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return url.toString();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function errorPage(message: string): string {
  return `<!doctype html><title>Cal.com</title><h1>Authorization error</h1><p role="alert">${
    escapeHtml(message)
  }</p>`;
}

function consentPage(client: OAuthClientRecord, scopes: string[], q: URLSearchParams): string {
  const hidden = [...q].map(([k, v]) =>
    `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`
  )
    .join("");
  const items = scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("");
  return `<!doctype html><title>Authorize ${escapeHtml(client.name)}</title>
<h1>${escapeHtml(client.name)} wants to access your Cal.com account</h1><ul>${items}</ul>
<form method="post" action="/auth/oauth2/authorize">${hidden}
<label>Signed in as <input name="username" required></label>
<button name="decision" value="allow">Allow</button><button name="decision" value="deny">Go back</button>
</form>`;
}
