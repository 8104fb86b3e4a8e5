/**
 * Bodies for any webhook trigger without a state change: the booking triggers the sandbox also sends
 * on its own, and the ones it never sends by itself (PING, BOOKING_PAID, BOOKING_PAYMENT_INITIATED,
 * RECORDING_READY, RECORDING_TRANSCRIPTION_GENERATED, FORM_SUBMITTED(_NO_EVENT), INSTANT_MEETING,
 * OOO_CREATED, AFTER_HOSTS/GUESTS_CAL_VIDEO_NO_SHOW, …), each in its documented shape (contract §9).
 *
 * @module
 */

import { isStateTrigger, type WebhookEvent } from "./booking_operations.ts";
import { CalError } from "./errors.ts";
import { attendeeRows, eventBody, formatTime, utcOffsetMinutes } from "./payloads.ts";
import type { BookingRecord, Store } from "./store.ts";

/** Extras for `buildWebhookBody`. */
export interface BuildWebhookOptions {
  /** Keys merged into the payload (or into the top level of a flattened MEETING_* body). */
  payload?: Record<string, unknown>;
  /** FORM_SUBMITTED*: answers by field label (default: a "Company size" answer). */
  formResponses?: Record<string, string>;
  /** MEETING_*: the flattened row (default, legacy scheduler) or the nested envelope (corrections §4). */
  meetingForm?: "flattened" | "nested";
  /** AFTER_HOSTS_CAL_VIDEO_NO_SHOW: the absent host (default the organizer); one delivery per host. */
  hostEmail?: string;
  /**
   * Cal Video no-show automations: `"bookingIdOnly"` is the factory builder's `{bookingId, webhook}`
   * (no `bookingUid`); `"withGuests"` adds the older `guests` key to the guests' variant.
   */
  noShowVariant?: "bookingIdOnly" | "withGuests";
}

const needsBooking = (trigger: string) => new CalError(400, `Trigger ${trigger} needs a booking`);

function organizerLite(store: Store, b: BookingRecord) {
  const user = store.users.get(b.userId);
  return user
    ? {
      email: user.email,
      name: user.name,
      timeZone: user.timeZone,
      language: { locale: user.locale },
      utcOffset: utcOffsetMinutes(user.timeZone, b.startTime),
    }
    : {};
}

function recordingPayload(store: Store, b: BookingRecord): Record<string, unknown> {
  return {
    type: b.title,
    title: b.title,
    startTime: formatTime(b.startTime, "millis"),
    endTime: formatTime(b.endTime, "millis"),
    organizer: organizerLite(store, b),
    attendees: b.attendees.map((a) => ({
      id: a.id,
      name: a.name,
      email: a.email,
      timeZone: a.timeZone,
      language: { locale: a.locale },
      utcOffset: utcOffsetMinutes(a.timeZone, b.startTime),
    })),
    uid: b.uid,
    customReplyToEmail: null,
  };
}

function noShowAfterCallPayload(
  store: Store,
  b: BookingRecord,
  hosts: boolean,
  options: BuildWebhookOptions,
): Record<string, unknown> {
  const user = store.users.get(b.userId);
  const hostEmail = options.hostEmail ?? user?.email;
  const webhook = {
    id: "00000000-0000-4000-8000-000000000000",
    subscriberUrl: "https://example.invalid/webhook",
    appId: null,
    time: 5,
    timeUnit: "MINUTE",
    eventTriggers: [hosts ? "AFTER_HOSTS_CAL_VIDEO_NO_SHOW" : "AFTER_GUESTS_CAL_VIDEO_NO_SHOW"],
    payloadTemplate: null,
  };
  if (options.noShowVariant === "bookingIdOnly") return { bookingId: b.id, webhook };
  const deadline = new Date(b.startTime + 5 * 60_000).toISOString().replace("T", " ").replace(
    /\.\d{3}Z$/,
    " +00:00",
  );
  return {
    title: b.title,
    bookingId: b.id,
    bookingUid: b.uid,
    startTime: formatTime(b.startTime, "millis"),
    endTime: formatTime(b.endTime, "millis"),
    // triggerNoShow/common.ts: the booking's attendees (hosts who attend included), no `guests` key
    attendees: attendeeRows(b),
    participants: [],
    ...(hosts ? { hostEmail } : {}),
    ...(!hosts && options.noShowVariant === "withGuests" ? { guests: attendeeRows(b) } : {}),
    eventType: { id: b.eventTypeId, teamId: null, parentId: null, calVideoSettings: null },
    webhook,
    message: hosts
      ? `Host with email ${hostEmail} didn't join the call or didn't join before ${deadline}`
      : `Guest didn't join the call or didn't join before ${deadline}`,
  };
}

/**
 * The body object Cal.com would send for `trigger` about `booking` (when the trigger is about one),
 * with `createdAt` = `now`. Throws a 400 CalError for an unknown trigger or a missing booking.
 */
export function buildWebhookBody(
  store: Store,
  trigger: string,
  booking: BookingRecord | undefined,
  now: number,
  options: BuildWebhookOptions = {},
): Record<string, unknown> {
  const createdAt = formatTime(now, "millis");
  const envelope = (payload: Record<string, unknown>) => ({
    triggerEvent: trigger,
    createdAt,
    payload: { ...payload, ...options.payload },
  });

  if (isStateTrigger(trigger)) {
    if (!booking) throw needsBooking(trigger);
    const event: WebhookEvent = { trigger, userId: booking.userId, booking };
    if (trigger === "BOOKING_RESCHEDULED" && booking.fromReschedule) {
      event.previous = store.bookingsByUid.get(booking.fromReschedule);
    }
    if (trigger === "MEETING_STARTED" || trigger === "MEETING_ENDED") event.meetingForm = options.meetingForm;
    const body = eventBody(store, event, now);
    if (body.payload === undefined) return { ...body, ...options.payload };
    return { ...body, payload: { ...(body.payload as Record<string, unknown>), ...options.payload } };
  }

  switch (trigger) {
    case "PING":
      return envelope({
        type: "Test",
        title: "Test trigger event",
        description: "",
        startTime: createdAt,
        endTime: createdAt,
        attendees: [{
          email: "jdoe@example.com",
          name: "John Doe",
          timeZone: "Europe/London",
          language: { locale: "en" },
          utcOffset: utcOffsetMinutes("Europe/London", now),
        }],
        organizer: {
          name: "Cal",
          email: "no-reply@cal.com",
          timeZone: "Europe/London",
          language: { locale: "en" },
          utcOffset: utcOffsetMinutes("Europe/London", now),
        },
      });
    case "BOOKING_PAID":
    case "BOOKING_PAYMENT_INITIATED": {
      if (!booking) throw needsBooking(trigger);
      const base = eventBody(store, { trigger: "BOOKING_CREATED", userId: booking.userId, booking }, now);
      const payload = { ...(base.payload as Record<string, unknown>) };
      payload.startTime = formatTime(booking.startTime, "millis");
      payload.endTime = formatTime(booking.endTime, "millis");
      payload.paymentId = 7701;
      if (trigger === "BOOKING_PAID") {
        payload.metadata = {
          identifier: "cal.com",
          bookingId: booking.id,
          eventTypeId: booking.eventTypeId,
          bookerEmail: booking.attendees[0]?.email,
          eventTitle: payload.eventTitle,
          externalId: "pi_sandbox",
        };
      }
      // Cal.com's builder hard-codes ACCEPTED for both payment triggers.
      payload.status = "ACCEPTED";
      return envelope(payload);
    }
    case "RECORDING_READY":
      if (!booking) throw needsBooking(trigger);
      return envelope({
        ...recordingPayload(store, booking),
        downloadLink: `https://app.cal.com/api/video/recording?token=sandbox-${booking.uid}`,
      });
    case "RECORDING_TRANSCRIPTION_GENERATED": {
      if (!booking) throw needsBooking(trigger);
      const link = (format: string) =>
        `https://app.cal.com/api/video/transcript.${format}?token=sandbox-${booking.uid}`;
      return envelope({
        ...recordingPayload(store, booking),
        downloadLinks: {
          transcription: ["json", "srt", "txt", "vtt"].map((format) => ({ format, link: link(format) })),
          recording: `https://app.cal.com/api/video/recording?token=sandbox-${booking.uid}`,
        },
      });
    }
    case "FORM_SUBMITTED":
    case "FORM_SUBMITTED_NO_EVENT": {
      const answers = options.formResponses ?? { "Company size": "51-200" };
      const responses = Object.fromEntries(
        Object.entries(answers).map(([label, value]) => [label, { value, response: value }]),
      );
      const payload: Record<string, unknown> = {
        formId: "6c1b9f6e-2a9d-4b57-9a55-5b0e3c1a7e21",
        formName: "Sales intake",
        teamId: null,
        responses,
      };
      if (trigger === "FORM_SUBMITTED_NO_EVENT") {
        Object.assign(payload, {
          redirect: { type: "customPageMessage", value: "Thanks" },
          responseId: 4242,
        });
      }
      // Each answer is duplicated at the root for backward compatibility.
      return { ...answers, triggerEvent: trigger, createdAt, payload: { ...payload, ...options.payload } };
    }
    case "INSTANT_MEETING":
      return envelope({
        triggerEvent: "INSTANT_MEETING",
        uid: booking?.uid ?? "Ht5nJ2pX8aQ1vC3rZ7wL0s",
        responses: { name: "Sam Guest", email: "sam@example.org", notes: "", guests: [] },
        connectAndJoinUrl: "https://app.cal.com/connect-and-join?token=sandbox",
        eventTypeId: booking?.eventTypeId ?? 9500,
        eventTypeTitle: "Talk now",
        customInputs: {},
      });
    case "OOO_CREATED": {
      const user = booking ? store.users.get(booking.userId) : [...store.users.values()][0];
      return envelope({
        oooEntry: {
          id: 311,
          start: new Date(now + 30 * 86_400_000).toISOString().slice(0, 10) + "T00:00:00+00:00",
          end: new Date(now + 34 * 86_400_000).toISOString().slice(0, 10) + "T23:59:59+00:00",
          createdAt,
          updatedAt: createdAt,
          notes: null,
          reason: { emoji: "🏝️", reason: "ooo_reasons_vacation" },
          reasonId: 1,
          user: user
            ? {
              id: user.id,
              name: user.name,
              username: user.username,
              email: user.email,
              timeZone: user.timeZone,
            }
            : null,
          toUser: null,
          uuid: "0b7c2a5e-4f0f-4e7b-9d8e-6a1c2b3d4e5f",
        },
      });
    }
    case "AFTER_HOSTS_CAL_VIDEO_NO_SHOW":
    case "AFTER_GUESTS_CAL_VIDEO_NO_SHOW": {
      if (!booking) throw needsBooking(trigger);
      const hosts = trigger === "AFTER_HOSTS_CAL_VIDEO_NO_SHOW";
      return envelope(noShowAfterCallPayload(store, booking, hosts, options));
    }
    case "BOOKING_LOCATION_UPDATED":
    case "BOOKING_REASSIGNED": {
      // Booking payloads like BOOKING_CREATED's (corrections §5 lists the triggers; shape INF)
      if (!booking) throw needsBooking(trigger);
      const base = eventBody(store, { trigger: "BOOKING_CREATED", userId: booking.userId, booking }, now);
      return envelope({ ...(base.payload as Record<string, unknown>) });
    }
    case "INSTANT_MEETING_ACCEPTED":
      return envelope({
        uid: booking?.uid ?? "Ht5nJ2pX8aQ1vC3rZ7wL0s",
        eventTypeId: booking?.eventTypeId ?? 9500,
        title: booking?.title ?? "Talk now",
      });
    case "CALENDAR_ENTRY_REJECTED":
    case "DELEGATION_CREDENTIAL_SECRET_ROTATION_FAILED":
    case "DELEGATION_CREDENTIAL_ROTATION_REQUIRED":
    case "DELEGATION_CREDENTIAL_SECRET_ROTATED":
      return envelope({ message: `Sandbox ${trigger.toLowerCase()}` });
    case "DELEGATION_CREDENTIAL_ERROR":
      return envelope({
        error: { type: "CredentialError", message: "Delegation credential is invalid" },
        credential: {
          id: 1,
          type: "google_calendar",
          appId: "google-calendar",
          delegationCredentialId: "dc1",
        },
        user: { id: booking?.userId ?? 0, email: "user@example.com", organizationId: 1 },
      });
    case "WRONG_ASSIGNMENT_REPORT":
    case "ROUTING_FORM_FALLBACK_HIT":
      return envelope(booking ? { booking: { uid: booking.uid, id: booking.id, title: booking.title } } : {});
    default:
      throw new CalError(400, `Unknown webhook trigger ${trigger}`);
  }
}
