/**
 * The columns of `public.calcom_bookings`, named once. A source row's columns come from
 * {@linkcode BookingRowSchema}; the rest are written by the store or by Postgres. Their SQL types are
 * the table's own: writers read a batch with `jsonb_populate_recordset(null::public.calcom_bookings, …)`
 * rather than a retyped list. `tools/tests/_shared/bookings/booking_columns_test.ts` compares
 * {@linkcode BOOKING_COLUMNS} with the table.
 *
 * @module
 */
import { type BookingRow, BookingRowSchema } from "./booking_row.ts";

/** The columns a source row gives, in {@linkcode BookingRowSchema}'s order. */
export const BOOKING_ROW_COLUMNS = Object.keys(BookingRowSchema.shape) as readonly (keyof BookingRow)[];

/**
 * The columns no source row gives: ids and owner, the content hash the store adds, the facts
 * `mergeBookingFacts` merges, the seat changes the webhook function records, and the bookkeeping times
 * Postgres sets.
 */
export const BOOKING_STORE_COLUMNS = [
  "id",
  "user_id",
  "calcom_connection_id",
  "source_hash",
  "meeting_started_at",
  "meeting_ended_at",
  "recording_links",
  "seat_changes",
  "created_at",
  "updated_at",
] as const;

/** A column of `public.calcom_bookings`. */
export type BookingColumn = keyof BookingRow | typeof BOOKING_STORE_COLUMNS[number];

/** Every column of `public.calcom_bookings`. */
export const BOOKING_COLUMNS: readonly BookingColumn[] = [...BOOKING_ROW_COLUMNS, ...BOOKING_STORE_COLUMNS];
