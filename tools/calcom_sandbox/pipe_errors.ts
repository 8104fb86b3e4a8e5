/**
 * The 400s of Cal.com's own input pipes (`CreateBookingInputPipe`, `GetSlotsInputPipe`, …), which run
 * class-validator with `forbidNonWhitelisted` and answer `BadRequestException(formatErrors(errors))`:
 * unknown properties are refused, not stripped, and the message lists each failing property as
 * `"<prop> property is wrong,<constraint messages> <children>"`, joined with `", "`
 * (write-endpoints §1.4). Nested children are rendered the same way after their parent (the exact
 * spacing of nested messages is UNCONFIRMED).
 *
 * @module
 */

import { CalError } from "./errors.ts";

/** One failing property, as class-validator reports it. */
export interface PropertyError {
  property: string;
  constraints: string[];
  children?: PropertyError[];
}

/** Renders `errors` the way the pipes' `formatErrors` does. */
export function formatPipeErrors(errors: PropertyError[]): string {
  return errors.map((e) =>
    `${e.property} property is wrong,${e.constraints.join(", ")} ${formatPipeErrors(e.children ?? [])}`
  ).join(", ");
}

/** The pipe's 400: `error.message` is the formatted text itself (not "Bad Request Exception"). */
export function pipeError(errors: PropertyError[]): CalError {
  return new CalError(400, formatPipeErrors(errors));
}

/** Errors for every key of `input` not in `allowed` ("property <p> should not exist"). */
export function unknownProperties(input: Iterable<string>, allowed: readonly string[]): PropertyError[] {
  return [...new Set(input)].filter((key) => !allowed.includes(key)).map((property) => ({
    property,
    constraints: [`property ${property} should not exist`],
  }));
}

/** class-validator's `@IsDateString()`: an ISO 8601 date or date-time that names a real instant. */
export function isIsoDateString(value: unknown, strict = false): value is string {
  if (typeof value !== "string") return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/.exec(
    value,
  );
  if (!m) return false;
  if (strict) {
    // validator.js's strict mode checks the calendar date (no 30 February).
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  }
  return !Number.isNaN(Date.parse(m[4] && !m[10] ? `${value}Z` : value));
}

/** class-validator's `@IsTimeZone()`: an IANA zone name the runtime knows. */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== "string" || value === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
