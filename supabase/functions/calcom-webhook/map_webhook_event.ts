/**
 * Turns a parsed Cal.com webhook body into a plan: the booking writes it stands for, as data. Pure; the
 * webhook function runs the plan with the booking store. What each trigger does is in `docs/api.md`.
 *
 * @module
 */
import { z } from "zod";
import type { BookingAttendeeRow, BookingRow, BookingStatus } from "../_shared/bookings/booking_row.ts";
import type { BookingFacts, BookingStatusChange } from "../_shared/bookings/booking_store.ts";
import { capBookingRow } from "../_shared/bookings/booking_caps.ts";
import {
  isMeetingLink,
  nonEmpty,
  toBookingStatus,
  UNKNOWN_SOURCE_TIME,
} from "../_shared/bookings/map_api_booking.ts";
import {
  type BookingPayload,
  BookingPayloadSchema,
  CalVideoNoShowPayloadSchema,
  isKnownTrigger,
  type MeetingBooking,
  MeetingBookingSchema,
  NON_BOOKING_TRIGGERS,
  NoShowPayloadSchema,
  RecordingPayloadSchema,
  SourceTimeSchema,
  WebhookEnvelopeSchema,
} from "./webhook_payloads.ts";
import type { SeatChange } from "./apply_seat_change.ts";
import { isSeatedPayload, planSeatedBooking } from "./plan_seated_booking.ts";

/** One booking write. */
export type BookingOp =
  | { kind: "upsert"; row: BookingRow }
  | { kind: "status"; change: BookingStatusChange }
  /** A seated booking's attendees change (`plan_seated_booking.ts`). */
  | { kind: "seats"; change: SeatChange }
  /** Facts for the booking `uid`, or, when a payload names none, the booking whose id is `bookingId`. */
  | { kind: "facts"; uid: string | null; bookingId?: number; facts: BookingFacts };

/** What a webhook body means for the mirror. */
export type WebhookPlan =
  /** Writes to make (possibly none, e.g. a no-show automation without guests). */
  | { kind: "apply"; trigger: string; bookingUid: string | null; ops: BookingOp[] }
  /** A trigger that does not describe a booking (PING, forms, out of office…): acknowledged only. */
  | { kind: "ignored"; trigger: string }
  /** A trigger this code does not know: kept unprocessed, so it can be replayed once it does. */
  | { kind: "unknown"; trigger: string };

/** A body that does not match its trigger's schema; the message names fields, never values. */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookPayloadError";
  }
}

const IGNORED = new Set<string>(NON_BOOKING_TRIGGERS);

/** Status a booking trigger stands for when its payload does not say. */
const DEFAULT_STATUS: Record<string, BookingStatus> = {
  BOOKING_CREATED: "ACCEPTED",
  BOOKING_REQUESTED: "PENDING",
  BOOKING_RESCHEDULED: "ACCEPTED",
  // only accepted bookings get a new location or host (corrections §5)
  BOOKING_LOCATION_UPDATED: "ACCEPTED",
  BOOKING_REASSIGNED: "ACCEPTED",
};

/**
 * The status a booking trigger stands for. Payment triggers hard-code ACCEPTED in the payload (contract
 * §9.6), but Cal.com creates a paid booking unconfirmed until it is paid, and keeps it unconfirmed after
 * payment when the event type requires confirmation: the status is derived from that instead.
 */
function statusOf(trigger: string, p: BookingPayload): BookingStatus {
  switch (trigger) {
    case "BOOKING_CANCELLED":
      return "CANCELLED";
    case "BOOKING_REJECTED":
      return "REJECTED";
    case "BOOKING_PAYMENT_INITIATED":
      return "PENDING";
    case "BOOKING_PAID":
      return p.requiresConfirmation === true ? "PENDING" : "ACCEPTED";
    default:
      return p.status ? toBookingStatus(p.status) : DEFAULT_STATUS[trigger];
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new WebhookPayloadError(`Invalid ${what}: ${issues.join("; ")}`);
}

/** Form answers as flat values: `{ name: { label, value } }` becomes `{ name: value }`, as in API v2. */
function flattenResponses(
  responses: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null {
  if (!responses) return null;
  return Object.fromEntries(
    Object.entries(responses).map(([key, answer]) => [
      key,
      answer !== null && typeof answer === "object" && "value" in answer
        ? (answer as { value: unknown }).value
        : answer,
    ]),
  );
}

type WebhookAttendee = NonNullable<BookingPayload["attendees"]>[number];

function mapAttendee(a: WebhookAttendee): BookingAttendeeRow {
  const language = typeof a.language === "string" ? a.language : a.language?.locale;
  const row: BookingAttendeeRow = {
    name: a.name ?? null,
    email: a.email ?? null,
    timeZone: a.timeZone ?? null,
    language: language ?? a.locale ?? null,
    phoneNumber: a.phoneNumber ?? null,
  };
  // Only meeting bodies (DB rows) say whether an attendee showed up; elsewhere the stored flag stays
  if (typeof a.noShow === "boolean") row.absent = a.noShow;
  return row;
}

type CommonBooking = BookingPayload | MeetingBooking;

/** Columns both payload shapes describe the same way. */
function commonColumns(p: CommonBooking) {
  // Like API v2's `location`: the video link when there is one (contract §2.4, §11)
  const videoCallUrl = nonEmpty(
    typeof p.metadata?.videoCallUrl === "string" ? p.metadata.videoCallUrl : p.videoCallData?.url,
  );
  const location = videoCallUrl ?? p.location ?? null;
  const { videoCallUrl: _, ...metadata } = p.metadata ?? {};
  return {
    event_type_id: p.eventTypeId ?? null,
    event_type_slug: p.type ?? null,
    event_type_title: p.eventTitle ?? null,
    title: p.title ?? "",
    description: p.description ?? p.additionalNotes ?? null,
    start_time: p.startTime,
    end_time: p.endTime,
    attendees: (p.attendees ?? []).map(mapAttendee),
    location,
    meeting_url: videoCallUrl ?? (isMeetingLink(location) ? location : null),
    custom_inputs: flattenResponses(p.responses),
    metadata: p.metadata ? metadata : null,
    cancellation_reason: nonEmpty(p.cancellationReason),
    rejection_reason: nonEmpty(p.rejectionReason),
    ical_uid: p.iCalUID ?? null,
    recurring_booking_uid: p.recurringEventId ?? null,
  };
}

function bookingRow(
  trigger: string,
  p: BookingPayload,
  status: BookingStatus,
  sourceUpdatedAt: string,
): BookingRow {
  const columns = commonColumns(p);
  return capBookingRow({
    ...columns,
    booking_id: p.bookingId,
    booking_uid: p.uid,
    status,
    organizer_id: p.organizer?.id ?? null,
    organizer_name: p.organizer?.name ?? null,
    organizer_email: p.organizer?.email ?? null,
    organizer_username: p.organizer?.username ?? null,
    organizer_timezone: p.organizer?.timeZone ?? null,
    // Payment triggers put payment details in `metadata`, not the booking's metadata (contract §9.7)
    metadata: trigger === "BOOKING_PAID" || trigger === "BOOKING_PAYMENT_INITIATED" ? null : columns.metadata,
    rescheduled_from_uid: p.rescheduleUid ?? null,
    rescheduled_to_uid: null,
    absent_host: null,
    calcom_created_at: null,
    source_updated_at: sourceUpdatedAt,
    raw: p,
  });
}

function envelopeTime(createdAt: unknown, trigger: string): string {
  return parse(SourceTimeSchema, createdAt, `${trigger} createdAt`);
}

function planBooking(trigger: string, payload: unknown, createdAt: unknown): BookingOp[] {
  const p = parse(BookingPayloadSchema, payload, `${trigger} payload`);
  const sourceTime = envelopeTime(createdAt, trigger);
  const row = bookingRow(trigger, p, statusOf(trigger, p), sourceTime);
  if (isSeatedPayload(p)) {
    const seats = planSeatedBooking(trigger, p, row, sourceTime);
    if (seats) return seats.map((change) => ({ kind: "seats", change }));
  }
  const ops: BookingOp[] = [{ kind: "upsert", row }];
  const isReschedule = trigger === "BOOKING_RESCHEDULED" || trigger === "BOOKING_REQUESTED";
  if (isReschedule && p.rescheduleUid) {
    // Cal.com sends no BOOKING_CANCELLED for the booking a reschedule replaces (contract §10)
    const canCreate = p.rescheduleId != null && p.rescheduleStartTime && p.rescheduleEndTime;
    ops.push({
      kind: "status",
      change: {
        uid: p.rescheduleUid,
        status: "CANCELLED",
        sourceUpdatedAt: sourceTime,
        rescheduledToUid: p.uid,
        insertRow: canCreate
          ? capBookingRow({
            ...row,
            booking_id: p.rescheduleId!,
            booking_uid: p.rescheduleUid,
            start_time: p.rescheduleStartTime!,
            end_time: p.rescheduleEndTime!,
            status: "CANCELLED",
            // the new booking's video room is not the old one's
            location: p.location ?? null,
            meeting_url: null,
            metadata: null,
            rescheduled_from_uid: null,
            rescheduled_to_uid: p.uid,
            raw: null,
          })
          : undefined,
      },
    });
  }
  return ops;
}

/**
 * `MEETING_*`: the booking it carries is a state like any other, with the booking's `updatedAt` as its
 * source time (the flattened body has no delivery time, and was serialised when the trigger was
 * scheduled); the meeting time is when Cal.com fired it: the envelope's `createdAt` in the nested shape,
 * else the scheduled time (`startTime`/`endTime`).
 */
function planMeeting(trigger: string, body: Record<string, unknown>): BookingOp[] {
  const nested = body.payload !== null && typeof body.payload === "object";
  const m = parse(MeetingBookingSchema, nested ? body.payload : body, `${trigger} booking`);
  const fired = nested && body.createdAt !== undefined ? envelopeTime(body.createdAt, trigger) : undefined;
  const sourceTime = m.updatedAt ?? fired ?? m.createdAt ?? UNKNOWN_SOURCE_TIME;
  const organizer = m.user ?? m.organizer;
  const row: BookingRow = capBookingRow({
    ...commonColumns(m),
    booking_id: (m.id ?? m.bookingId)!,
    booking_uid: m.uid,
    // Cal.com schedules meeting triggers for accepted bookings only
    status: m.status ? toBookingStatus(m.status) : "ACCEPTED",
    organizer_id: m.userId ?? organizer?.id ?? null,
    organizer_name: organizer?.name ?? null,
    organizer_email: organizer?.email ?? null,
    organizer_username: organizer?.username ?? null,
    organizer_timezone: organizer?.timeZone ?? null,
    rescheduled_from_uid: m.fromReschedule ?? null,
    rescheduled_to_uid: null,
    absent_host: m.noShowHost ?? null,
    calcom_created_at: nested ? null : m.createdAt ?? null,
    source_updated_at: sourceTime,
    raw: nested ? body.payload : body,
  });
  const facts: BookingFacts = trigger === "MEETING_STARTED"
    ? { meetingStartedAt: fired ?? m.startTime }
    : { meetingEndedAt: fired ?? m.endTime };
  return [{ kind: "upsert", row }, { kind: "facts", uid: m.uid, facts }];
}

function planRecording(trigger: string, payload: unknown): BookingOp[] {
  const p = parse(RecordingPayloadSchema, payload, `${trigger} payload`);
  const links: Record<string, unknown> = {};
  const recording = p.downloadLink ?? p.downloadLinks?.recording;
  if (recording) links.recording = recording;
  if (p.downloadLinks?.transcription) links.transcription = p.downloadLinks.transcription;
  if (Object.keys(links).length === 0) return [];
  return [{ kind: "facts", uid: p.uid, facts: { recordingLinks: links } }];
}

function planNoShow(trigger: string, payload: unknown): BookingOp[] {
  const p = parse(NoShowPayloadSchema, payload, `${trigger} payload`);
  const facts: BookingFacts = {
    attendeeAbsences: p.attendees?.length
      ? p.attendees.map((a) => ({ email: a.email, absent: a.noShow }))
      : null,
    absentHost: p.noShowHost ?? p.absentHost ?? null,
  };
  return [{ kind: "facts", uid: p.bookingUid, facts }];
}

/**
 * Cal Video no-show automations (corrections §4). The hosts' one names one absent host per delivery: the
 * organizer's absence is `absent_host`, another host's marks that attendee; without `hostEmail` (the
 * `bookingId`-only variant) the organizer is meant. The guests' one fires only when no guest joined: every
 * attendee but the hosts is absent, read from `guests`, else from `attendees` without the organizer.
 */
function planCalVideoNoShow(trigger: string, payload: unknown): BookingOp[] {
  const p = parse(CalVideoNoShowPayloadSchema, payload, `${trigger} payload`);
  const target = { uid: p.bookingUid ?? null, ...(p.bookingId != null ? { bookingId: p.bookingId } : {}) };
  if (trigger === "AFTER_HOSTS_CAL_VIDEO_NO_SHOW") {
    const host = nonEmpty(p.hostEmail);
    const facts: BookingFacts = host
      ? {
        hostAbsence: { email: host },
        attendeeAbsences: [{ email: host, absent: true }],
        exceptOrganizer: true,
      }
      : { absentHost: true };
    return [{ kind: "facts", ...target, facts }];
  }
  const people = p.guests ?? p.attendees ?? [];
  const host = nonEmpty(p.hostEmail)?.toLowerCase();
  const emails = people.map((g) => g.email).filter((e): e is string => !!e && e.toLowerCase() !== host);
  if (emails.length === 0) return [];
  return [{
    kind: "facts",
    ...target,
    facts: { attendeeAbsences: emails.map((email) => ({ email, absent: true })), exceptOrganizer: true },
  }];
}

function uidOf(ops: BookingOp[]): string | null {
  const first = ops[0];
  if (!first) return null;
  return first.kind === "upsert"
    ? first.row.booking_uid
    : first.kind === "status" || first.kind === "seats"
    ? first.change.uid
    : first.uid;
}

/**
 * Maps a parsed webhook body (the whole body: envelope, or flattened meeting booking) to its plan.
 *
 * @throws {WebhookPayloadError} when the body does not match its trigger's schema
 */
export function mapWebhookEvent(body: unknown): WebhookPlan {
  const envelope = parse(WebhookEnvelopeSchema, body, "webhook body");
  const trigger = envelope.triggerEvent;
  if (!isKnownTrigger(trigger)) return { kind: "unknown", trigger };
  if (IGNORED.has(trigger)) return { kind: "ignored", trigger };
  let ops: BookingOp[];
  switch (trigger) {
    case "MEETING_STARTED":
    case "MEETING_ENDED":
      ops = planMeeting(trigger, envelope);
      break;
    case "RECORDING_READY":
    case "RECORDING_TRANSCRIPTION_GENERATED":
      ops = planRecording(trigger, envelope.payload);
      break;
    case "BOOKING_NO_SHOW_UPDATED":
      ops = planNoShow(trigger, envelope.payload);
      break;
    case "AFTER_HOSTS_CAL_VIDEO_NO_SHOW":
    case "AFTER_GUESTS_CAL_VIDEO_NO_SHOW":
      ops = planCalVideoNoShow(trigger, envelope.payload);
      break;
    default:
      ops = planBooking(trigger, envelope.payload, envelope.createdAt);
  }
  return { kind: "apply", trigger, bookingUid: uidOf(ops), ops };
}
