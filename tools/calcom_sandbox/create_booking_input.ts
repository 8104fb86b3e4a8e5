/**
 * The body of `POST /v2/bookings` as `CreateBookingInputPipe` checks it (write-endpoints §1.4, §2.1):
 * "Body is required" / "Body should be an object", the variant chosen by the body's keys (recurring
 * when `recurrenceCount` is present, instant when `instant === true`, else the plain one), unknown
 * properties refused, each property's constraint, the attendee's contact rule and the event-type
 * identification rule, all reported in one message like the pipe's `formatErrors`.
 *
 * @module
 */

import { CalError } from "./errors.ts";
import {
  isIsoDateString,
  isTimeZone,
  pipeError,
  type PropertyError,
  unknownProperties,
} from "./pipe_errors.ts";

/** A location as the API takes it: a string (not checked against the event type) or an object. */
export type LocationInput =
  | string
  | { type: "integration"; integration: string }
  | { type: "address" | "link" | "phone" | "organizersDefaultApp" }
  | { type: "attendeeAddress"; address: string }
  | { type: "attendeeDefined"; location: string }
  | { type: "attendeePhone"; phone: string };

/** A body that passed the pipe. */
export interface CreateBookingInput {
  start: string;
  attendee: { name: string; timeZone: string; email?: string; phoneNumber?: string; language?: string };
  eventTypeId?: number;
  eventTypeSlug?: string;
  username?: string;
  teamSlug?: string;
  organizationSlug?: string;
  guests?: string[];
  meetingUrl?: string;
  location?: LocationInput;
  metadata?: Record<string, string>;
  bookingFieldsResponses?: Record<string, unknown>;
  lengthInMinutes?: number;
  emailVerificationCode?: string;
  recurrenceCount?: number;
  instant?: boolean;
}

const PLAIN_KEYS = [
  "start",
  "attendee",
  "eventTypeId",
  "eventTypeSlug",
  "username",
  "teamSlug",
  "organizationSlug",
  "guests",
  "meetingUrl",
  "location",
  "metadata",
  "bookingFieldsResponses",
  "lengthInMinutes",
  "routing",
  "emailVerificationCode",
] as const;

const ATTENDEE_KEYS = ["name", "timeZone", "email", "phoneNumber", "language"] as const;

/** `attendee.language` values (SPEC enum). */
const LANGUAGES = new Set(
  ("ar ca de es eu he id ja lv pl ro sr th vi az cs el es-419 fi hr it km nl pt ru sv tr zh-CN bg da en et " +
    "fr hu iw ko no pt-BR sk ta uk zh-TW bn").split(" "),
);

const LOCATION_FIELDS: Record<string, string | null> = {
  integration: "integration",
  address: null,
  link: null,
  phone: null,
  organizersDefaultApp: null,
  attendeeAddress: "address",
  attendeeDefined: "location",
  attendeePhone: "phone",
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isEmail = (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);

function attendeeErrors(attendee: unknown): PropertyError[] {
  if (attendee === undefined || attendee === null) {
    return [{ property: "attendee", constraints: ["attendee should not be null or undefined"] }];
  }
  if (!isObject(attendee)) {
    return [{
      property: "attendee",
      constraints: ["nested property attendee must be either object or array"],
    }];
  }
  const children: PropertyError[] = unknownProperties(Object.keys(attendee), ATTENDEE_KEYS);
  if (!isString(attendee.name)) children.push({ property: "name", constraints: ["name must be a string"] });
  if (!isTimeZone(attendee.timeZone)) {
    children.push({ property: "timeZone", constraints: ["timeZone must be a valid IANA time-zone"] });
  }
  const { email, phoneNumber, language } = attendee;
  if (email !== undefined && (!isString(email) || (email !== "" && !isEmail(email)))) {
    children.push({ property: "email", constraints: ["Invalid email format"] });
  }
  if (phoneNumber !== undefined && (!isString(phoneNumber) || !/^\+[1-9]\d{6,14}$/.test(phoneNumber))) {
    children.push({
      property: "phoneNumber",
      constraints: ["Invalid phone number format. Please use international format."],
    });
  }
  if (!email && !phoneNumber) {
    children.push({
      property: "attendee",
      constraints: ["Attendee must have at least one contact method (email or phone number)"],
    });
  }
  if (language !== undefined && !(isString(language) && LANGUAGES.has(language))) {
    children.push({
      property: "language",
      constraints: ["language must be one of the following values: en, …"],
    });
  }
  return children.length ? [{ property: "attendee", constraints: [], children }] : [];
}

function locationErrors(location: unknown): PropertyError[] {
  if (location === undefined || isString(location)) return [];
  const field = isObject(location) && isString(location.type) ? LOCATION_FIELDS[location.type] : undefined;
  const ok = isObject(location) && field !== undefined && (field === null || isString(location[field]));
  return ok ? [] : [{ property: "location", constraints: ["location must be a valid booking location"] }];
}

function metadataErrors(metadata: unknown): PropertyError[] {
  if (metadata === undefined) return [];
  const ok = isObject(metadata) && Object.keys(metadata).length <= 50 &&
    Object.entries(metadata).every(([k, v]) => k.length <= 40 && (!isString(v) || v.length <= 500));
  return ok ? [] : [{
    property: "metadata",
    constraints: [
      "Metadata must have at most 50 keys, each key up to 40 characters, and string values up to 500 characters.",
    ],
  }];
}

/**
 * Checks a create body like Cal.com's pipe.
 *
 * @throws {CalError} 400 with the pipe's message
 */
export function parseCreateBookingInput(body: unknown): CreateBookingInput {
  if (body === undefined) throw new CalError(400, "Body is required");
  if (!isObject(body)) throw new CalError(400, "Body should be an object");
  const recurring = "recurrenceCount" in body;
  const instant = !recurring && body.instant === true;
  const allowed = [...PLAIN_KEYS, ...(recurring ? ["recurrenceCount"] : []), ...(instant ? ["instant"] : [])];
  const errors = unknownProperties(Object.keys(body), allowed);
  if (!isIsoDateString(body.start)) {
    errors.push({ property: "start", constraints: ["start must be a valid ISO 8601 date string"] });
  }
  errors.push(...attendeeErrors(body.attendee));
  const int = (key: string, min?: number) => {
    const v = body[key];
    if (v === undefined) return;
    const constraints = [];
    if (!Number.isInteger(v)) constraints.push(`${key} must be an integer number`);
    if (min !== undefined && !(typeof v === "number" && v >= min)) {
      constraints.push(`${key} must not be less than ${min}`);
    }
    if (constraints.length) errors.push({ property: key, constraints });
  };
  int("eventTypeId");
  int("lengthInMinutes", 1);
  if (recurring) int("recurrenceCount", 1);
  for (const key of ["eventTypeSlug", "username", "teamSlug", "organizationSlug", "emailVerificationCode"]) {
    if (body[key] !== undefined && !isString(body[key])) {
      errors.push({ property: key, constraints: [`${key} must be a string`] });
    }
  }
  if (body.guests !== undefined && !(Array.isArray(body.guests) && body.guests.every(isString))) {
    errors.push({ property: "guests", constraints: ["each value in guests must be a string"] });
  }
  if (body.meetingUrl !== undefined && !(isString(body.meetingUrl) && URL.canParse(body.meetingUrl))) {
    errors.push({ property: "meetingUrl", constraints: ["meetingUrl must be a URL address"] });
  }
  if (body.bookingFieldsResponses !== undefined && !isObject(body.bookingFieldsResponses)) {
    errors.push({
      property: "bookingFieldsResponses",
      constraints: ["bookingFieldsResponses must be an object"],
    });
  }
  errors.push(...locationErrors(body.location), ...metadataErrors(body.metadata));
  const identified = body.eventTypeId !== undefined ||
    (body.eventTypeSlug !== undefined && (body.username !== undefined || body.teamSlug !== undefined));
  if (!identified) {
    errors.push({
      property: "eventTypeId",
      constraints: [
        "Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided",
      ],
    });
  }
  if (errors.length) throw pipeError(errors);
  return body as unknown as CreateBookingInput;
}
