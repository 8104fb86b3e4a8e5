/**
 * What a person reads when a call fails: the API's error codes turned into sentences that say what
 * happened and what to do, never a raw body.
 *
 * @module
 */
import { CalcomApiError } from "../client/calcom_supabase_client.ts";

/** Where the failure happened; some codes mean different things in different places. */
export type ErrorContext = "connect" | "oauth" | "sync" | "load" | "update" | "disconnect" | "copy";

/** A message for the person, and the form field it belongs to when there is one. */
export interface HumanError {
  message: string;
  field?: "apiKey" | "label" | "webhookSecret";
}

const FIELD_MESSAGES: Record<NonNullable<HumanError["field"]>, string> = {
  apiKey: "This is not a Cal.com API key. Copy the whole key: it starts with cal_live_ or cal_test_",
  label: "The label must be 1 to 100 characters of text",
  webhookSecret: "The webhook secret must be 16 to 256 characters, without spaces",
};

/** Maps any failure (a {@linkcode CalcomApiError} or anything thrown) to a {@linkcode HumanError}. */
export function humanError(err: unknown, context: ErrorContext): HumanError {
  if (!(err instanceof CalcomApiError)) {
    return { message: "Something went wrong in this page. Reload it and try again" };
  }
  switch (err.code) {
    case "invalid_request": {
      if (context === "oauth") {
        return {
          message: "This page is not an allowed return address for Continue with Cal.com. Ask the " +
            "administrator to add it to CALCOM_OAUTH_RETURN_URLS, or connect with an API key",
        };
      }
      for (const field of ["apiKey", "label", "webhookSecret"] as const) {
        if (err.issuesFor(field).length > 0) return { message: FIELD_MESSAGES[field], field };
      }
      return { message: "The request was refused as invalid. Reload the page and try again" };
    }
    case "invalid_api_key":
      return context === "connect"
        ? {
          message: "Cal.com refused this API key. It may be mistyped, expired or revoked: create a new one " +
            "in Cal.com under Settings → Developer → API keys",
          field: "apiKey",
        }
        : err.message.startsWith("Reconnect Cal.com")
        ? {
          message: "Cal.com no longer accepts this app's access to the account, so it was paused. " +
            "Click Reconnect Cal.com to allow it again",
        }
        : {
          message: "Cal.com refused the stored API key (expired or revoked), so the account was paused. " +
            "Connect it again with a new key",
        };
    case "calcom_unavailable":
      return {
        message: context === "sync"
          ? "Cal.com could not be reached. Try again in a few minutes: the sync continues where it stopped"
          : "Cal.com could not be reached. Try again in a few minutes",
      };
    case "network_error":
      return { message: "The server could not be reached. Check your connection and try again" };
    case "unauthorized":
      return { message: "Your session has expired. Sign in again" };
    case "conflict":
      return {
        message: context === "sync"
          ? "A sync of this account is already running. Wait for it to finish"
          : "Someone changed this account at the same time. Try again",
      };
    case "not_found":
      return { message: "This Cal.com account is no longer connected. Reload the page" };
    case "insufficient_scope":
      return {
        message: "This account's Cal.com access does not allow that. Reconnect Cal.com to allow it",
      };
    case "oauth_not_configured":
      return { message: "Continue with Cal.com is not available here. Connect with an API key instead" };
    case "method_not_allowed":
      return { message: "This server does not support that action yet" };
    default:
      return { message: `Something went wrong on the server (${err.code}). Try again later` };
  }
}
