/**
 * The OAuth routes of calcom-connection ("Continue with Cal.com"):
 *
 * - `POST /calcom-connection/oauth/start` `{returnTo?}` (signed-in user) → `{success, authorizeUrl, expiresAt}`
 * - `GET /calcom-connection/oauth/callback?code&state` (the browser, back from Cal.com; no JWT) → 302 to
 *   the app's allow-listed return URL with `calcom_status=connected&calcom_connection_id=…` or
 *   `calcom_status=error&calcom_error=…`
 *
 * Without an OAuth client configured both answer 404 `oauth_not_configured`. See docs/api.md.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import type { Hono } from "hono";
import { z } from "zod";
import { requireUser } from "../_shared/platform/auth.ts";
import type { CalcomCallOptions, Deps } from "../_shared/platform/deps.ts";
import { type AppEnv, jsonBody, rejectInvalid } from "../_shared/platform/http.ts";
import { finishOAuthFlow, oauthConfigOf, startOAuthFlow } from "./oauth_flow.ts";

/** `POST /calcom-connection/oauth/start`. */
export const OAuthStartRequestSchema = z.object({
  /** The app URL to come back to; must be on CALCOM_OAUTH_RETURN_URLS (default: its first URL). */
  returnTo: z.string().max(2000, "returnTo must be at most 2000 characters").optional(),
});

/** The answer of `POST /calcom-connection/oauth/start`. */
export const OAuthStartResultSchema = z.object({
  success: z.literal(true),
  /** Cal.com's consent page for this flow: send the browser there. */
  authorizeUrl: z.url(),
  /** When the flow's state expires (10 minutes). */
  expiresAt: z.iso.datetime(),
}).meta({ id: "OAuthStartResult" });

/** Cal.com calls during the callback: a person's browser is waiting. */
function interactive(now: Date): CalcomCallOptions {
  return {
    maxAttempts: 2,
    timeoutMs: 10_000,
    deadlineMs: 20_000,
    deadlineAt: new Date(now.getTime() + 30_000),
  };
}

/** Adds the OAuth routes to the calcom-connection app. */
export function registerOAuthRoutes(app: Hono<AppEnv>, deps: Deps): void {
  const auth = requireUser(deps.verifyUser);

  app.post(
    "/oauth/start",
    auth,
    jsonBody(),
    zValidator("json", OAuthStartRequestSchema, rejectInvalid),
    async (c) => {
      const { returnTo } = c.req.valid("json");
      const started = await startOAuthFlow(deps, c.var.user, returnTo);
      return c.json({ success: true, ...started });
    },
  );

  app.get("/oauth/callback", async (c) => {
    oauthConfigOf(deps.config);
    const q = c.req.query();
    let location: string;
    try {
      location = await finishOAuthFlow(
        deps,
        { code: q.code, state: q.state, error: q.error },
        interactive(deps.now()),
      );
    } catch (err) {
      // A person's browser is waiting: back to the app with the failure, not a JSON page
      c.var.log.error("OAuth callback failed", { error: err });
      const back = new URL(oauthConfigOf(deps.config).returnUrls[0]);
      back.searchParams.set("calcom_status", "error");
      back.searchParams.set("calcom_error", "internal_error");
      location = back.toString();
    }
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return c.redirect(location, 302);
  });
}
