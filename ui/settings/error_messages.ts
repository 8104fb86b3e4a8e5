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

/** A booking action or a new booking, as a person names it in a sentence. */
export type BookingTask = "cancel" | "reschedule" | "confirm" | "decline" | "mark-absent" | "book";

/** A refusal of a booking call, and the form field of the new booking form it belongs to. */
export interface BookingError {
  message: string;
  field?: "attendee.name" | "attendee.email" | "attendee.timeZone" | "guests" | "reason";
}

const TASK_WORDS: Record<BookingTask, string> = {
  cancel: "cancel this booking",
  reschedule: "move this booking",
  confirm: "confirm this booking",
  decline: "decline this booking",
  "mark-absent": "record attendance",
  book: "book this time",
};

/** The API's `details.reason` of the booking routes (docs/api.md) as sentences. */
const REASON_MESSAGES: Record<string, string> = {
  already_cancelled: "This booking was already cancelled in Cal.com",
  already_rescheduled: "This booking was already moved to another time: act on the new booking instead",
  not_pending: "This booking no longer waits for confirmation: it was already confirmed or declined",
  already_ended: "This booking has already ended, so it can no longer be cancelled",
  not_started: "Attendance can only be recorded once the booking has started",
  reason_required: "Cal.com needs a reason when the host cancels: add a reason and try again",
  invalid_seat: "That seat is not part of this booking or was already cancelled",
  not_allowed: "Your Cal.com account may not do this for this booking",
  not_recurring: "This booking is not part of a recurring series: cancel just this one",
  booking_not_found: "Cal.com no longer has this booking. Sync the account to update the list",
  slot_unavailable: "That time is no longer free. Pick another time",
  seats_full: "That time has no seat left. Pick another time",
  already_booked: "This attendee already has a seat at that time",
  start_in_past: "That time has already passed. Pick a later time",
  event_type_not_found: "This event type no longer exists in Cal.com. Reload the page",
  connection_paused: "This Cal.com account is paused. Resume it to make changes",
  idempotency_key_in_progress: "The booking is still being made. Wait a moment and try again",
  idempotency_key_reused: "This booking request was already used for another booking. Start again",
};

const FIELD_ISSUES: Record<NonNullable<BookingError["field"]>, string> = {
  "attendee.name": "Enter the attendee's name",
  "attendee.email": "Enter the attendee's email address, like sam@example.org",
  "attendee.timeZone": "Pick the attendee's time zone from the list",
  guests: "Guests must be email addresses separated by commas",
  reason: "The reason must be at most 1,000 characters",
};

/** Maps the failure of a booking call to a sentence (and a field of the form, when it names one). */
export function bookingError(err: unknown, task: BookingTask): BookingError {
  if (!(err instanceof CalcomApiError)) {
    return { message: "Something went wrong in this page. Reload it and try again" };
  }
  const reason = (err.details as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === "string" && reason in REASON_MESSAGES) return { message: REASON_MESSAGES[reason] };
  if (err.code === "invalid_request") {
    for (const field of Object.keys(FIELD_ISSUES) as NonNullable<BookingError["field"]>[]) {
      const hit = err.issuesFor(field).length > 0 ||
        (field === "guests" && (err.details as { issues?: { path?: string }[] } | undefined)?.issues
          ?.some((i) => i.path?.startsWith("guests.")));
      if (hit) return { message: FIELD_ISSUES[field], field };
    }
  }
  if (reason === "calcom_rejected") {
    return { message: `Cal.com refused to ${TASK_WORDS[task]}: ${err.message}` };
  }
  if (err.code === "invalid_api_key") {
    return { message: "Cal.com refused the stored API key (expired or revoked). Connect the account again" };
  }
  if (err.code === "conflict" || err.code === "not_found") {
    return {
      message: err.code === "not_found"
        ? "This booking is no longer stored. Reload the page"
        : `Cal.com could not ${TASK_WORDS[task]} now: it changed meanwhile. Reload and try again`,
    };
  }
  return { message: humanError(err, "update").message };
}
