/**
 * What a reconciliation compares between a mirrored booking and Cal.com's: the fields that changes
 * without a new `updatedAt` touch (attendees and their no-show marks, docs/calcom-contract.md §10.1) and
 * those a missed webhook leaves stale (status, times, title, the host's no-show mark). The rest of a row
 * (raw payload, spelling of a location) differs between sources for the same state and is not compared,
 * so a row a webhook wrote is not rewritten only because the API words it differently.
 *
 * @module
 */
import type { BookingRow } from "../_shared/bookings/booking_row.ts";

/** The stored columns compared, as the database returns them. */
export interface MirroredFields {
  status: string;
  title: string;
  start_time: Date;
  end_time: Date;
  attendees: unknown;
  absent_host: boolean;
}

/** The columns {@linkcode MirroredFields} reads, for the query. */
export const MIRRORED_FIELDS = [
  "status",
  "title",
  "start_time",
  "end_time",
  "attendees",
  "absent_host",
] as const;

/** The comparable form of attendees: by lowercase email, with name and no-show mark. */
function attendeeKeys(attendees: unknown): string[] {
  if (!Array.isArray(attendees)) return [];
  return attendees.map((a: Record<string, unknown>) =>
    JSON.stringify([
      typeof a.email === "string" ? a.email.toLowerCase() : null,
      a.name ?? null,
      a.absent === true,
    ])
  ).sort();
}

/**
 * The fields in which Cal.com's booking (mapped to a row) differs from the mirrored one; empty when
 * they agree. The host's no-show mark is compared only when Cal.com gives it.
 */
export function differingFields(mirrored: MirroredFields, cal: BookingRow): string[] {
  const differs: string[] = [];
  if (mirrored.status !== cal.status) differs.push("status");
  if (mirrored.title !== cal.title) differs.push("title");
  if (mirrored.start_time.toISOString() !== cal.start_time) differs.push("start_time");
  if (mirrored.end_time.toISOString() !== cal.end_time) differs.push("end_time");
  const stored = attendeeKeys(mirrored.attendees);
  const given = attendeeKeys(cal.attendees);
  if (stored.length !== given.length || stored.some((key, i) => key !== given[i])) differs.push("attendees");
  if (cal.absent_host !== null && mirrored.absent_host !== cal.absent_host) differs.push("absent_host");
  return differs;
}
