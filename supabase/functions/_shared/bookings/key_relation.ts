/**
 * How the connection's Cal.com user relates to a booking its key can read. A personal API key lists the
 * bookings its user organises and those they attend (matched by email); a team or organisation admin's
 * key also lists every member's bookings and the bookings of the team's event types
 * (docs/calcom-contract.md, "Scope of a key").
 *
 * @module
 */
import type { BookingRow } from "./booking_row.ts";

/** The relations `calcom_bookings.key_relation` accepts. */
export const KEY_RELATIONS = ["organizer", "attendee", "team"] as const;

/**
 * `organizer`: the key's user hosts the booking; `attendee`: they only attend it; `team`: neither, the
 * key reads it through a team or organisation they administer.
 */
export type KeyRelation = typeof KEY_RELATIONS[number];

/** The Cal.com user a connection's key belongs to (`calcom_connections.calcom_user_id`, `calcom_email`). */
export interface KeyUser {
  id: number;
  /** Null when the connection never learnt it: attendance cannot be told then. */
  email: string | null;
}

function sameEmail(a: string | null | undefined, b: string | null): boolean {
  return !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The relation of `user` to the booking a row describes, from the organizer and attendees the source
 * gave: the organizer by Cal.com user id (by email when the source has no id), an attendee by email, as
 * Cal.com matches them. Null when the source cannot tell: it names no organizer (a deleted Cal.com
 * user), or the key's email is unknown and the user does not organise it. The store keeps the relation
 * a row holds when a write brings null.
 */
export function keyRelationOf(
  row: Pick<BookingRow, "organizer_id" | "organizer_email" | "attendees">,
  user: KeyUser,
): KeyRelation | null {
  const organizer = row.organizer_id !== null
    ? row.organizer_id === user.id
    : sameEmail(row.organizer_email, user.email);
  if (organizer) return "organizer";
  if (row.attendees.some((a) => sameEmail(a.email, user.email))) return "attendee";
  const organizerKnown = row.organizer_id !== null || row.organizer_email !== null;
  return organizerKnown && user.email !== null ? "team" : null;
}

/** `row` with its {@linkcode keyRelationOf} in `key_relation` (left out when unknown). */
export function withKeyRelation<R extends BookingRow>(row: R, user: KeyUser): R {
  const relation = keyRelationOf(row, user);
  return relation === null ? row : { ...row, key_relation: relation };
}
