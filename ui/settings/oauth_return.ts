/**
 * The browser's return from "Continue with Cal.com": the callback sends it back to the app's page with
 * `calcom_status=connected&calcom_connection_id=…` or `calcom_status=error&calcom_error=<code>` in the
 * query. This reads that outcome, says it in words, and gives the URL without those parameters, so a
 * reload does not show the message again.
 *
 * @module
 */
import type { FlowError } from "../../supabase/functions/calcom-connection/oauth_flow.ts";

/** The query parameters the OAuth callback adds to the app's URL. */
export const OAUTH_RETURN_PARAMS = ["calcom_status", "calcom_connection_id", "calcom_error"] as const;

/** What the browser brought back. */
export type OAuthReturn =
  | { status: "connected"; connectionId: string | null }
  | { status: "error"; error: string };

/**
 * Reads the outcome from a URL the callback redirected to (undefined when it carries none), and the same
 * URL without the callback's parameters (for `history.replaceState`).
 */
export function readOAuthReturn(url: string | URL): { outcome?: OAuthReturn; cleanUrl: string } {
  const parsed = new URL(url);
  const status = parsed.searchParams.get("calcom_status");
  let outcome: OAuthReturn | undefined;
  if (status === "connected") {
    outcome = { status, connectionId: parsed.searchParams.get("calcom_connection_id") };
  } else if (status === "error") {
    outcome = { status, error: parsed.searchParams.get("calcom_error") ?? "internal_error" };
  }
  for (const name of OAUTH_RETURN_PARAMS) parsed.searchParams.delete(name);
  return { outcome, cleanUrl: parsed.toString() };
}

/** Each `calcom_error` of the callback (docs/api.md), in words that say what happened and what to do. */
const OAUTH_ERROR_MESSAGES: Record<FlowError, string> = {
  access_denied: "You did not allow access in Cal.com, so no account was connected",
  invalid_state: "This sign-in link was already used or is not valid. Click Continue with Cal.com again",
  expired_state: "The sign-in with Cal.com took too long and expired. Click Continue with Cal.com again",
  authorization_failed: "Cal.com could not authorize this app. Try again, or connect with an API key",
  exchange_failed: "Cal.com did not accept the sign-in. Click Continue with Cal.com again",
  calcom_unavailable: "Cal.com could not be reached. Try again in a few minutes",
  internal_error: "Something went wrong while connecting Cal.com. Try again",
};

/** What to tell the person about an outcome. */
export function oauthReturnMessage(outcome: OAuthReturn): { ok: boolean; message: string } {
  if (outcome.status === "connected") return { ok: true, message: "Connected your Cal.com account" };
  const known = Object.hasOwn(OAUTH_ERROR_MESSAGES, outcome.error);
  return { ok: false, message: OAUTH_ERROR_MESSAGES[known ? outcome.error as FlowError : "internal_error"] };
}
