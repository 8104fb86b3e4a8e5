/**
 * The database side of the sync limit and of the row-at-a-time sync: booking rows written straight into
 * `calcom_bookings`, without the function's order guard details, hashing or bookkeeping.
 *
 * - {@linkcode upsertPage}: a page of rows in ONE statement (`jsonb_populate_recordset`), the least any
 *   page-by-page sync must do, and so the limit the real sync is compared with.
 * - {@linkcode upsertOne}: one statement per booking, as the row-at-a-time sync does.
 *
 * @module
 */
import type postgres from "postgres";
import type { BookingRow } from "../../supabase/functions/_shared/bookings/booking_row.ts";
import { BOOKING_ROW_COLUMNS } from "../../supabase/functions/_shared/bookings/booking_columns.ts";

const NAMES = BOOKING_ROW_COLUMNS;
/** `not null` columns with a default that a row may leave null. */
const DEFAULTS: Partial<Record<keyof BookingRow, string>> = { metadata: "'{}'::jsonb", absent_host: "false" };
const value = (c: string, from: string) =>
  c in DEFAULTS ? `coalesce(${from}.${c}, ${DEFAULTS[c as keyof BookingRow]})` : `${from}.${c}`;
const UPDATE = NAMES.filter((c) => c !== "booking_uid").map((c) => `${c} = excluded.${c}`).join(", ");

const PAGE_SQL = `
insert into public.calcom_bookings as t (user_id, calcom_connection_id, ${NAMES.join(", ")})
select $1::uuid, $2::uuid, ${NAMES.map((c) => value(c, "r")).join(", ")}
from jsonb_populate_recordset(null::public.calcom_bookings, $3::text::jsonb) as r
on conflict (calcom_connection_id, booking_uid) do update set ${UPDATE}
where excluded.source_updated_at >= t.source_updated_at`;

// One row read as the table's type too: the column types are written once, in the table.
const ONE_SQL = `
insert into public.calcom_bookings as t (user_id, calcom_connection_id, ${NAMES.join(", ")})
select $1::uuid, $2::uuid, ${NAMES.map((c) => value(c, "r")).join(", ")}
from jsonb_populate_record(null::public.calcom_bookings, $3::text::jsonb) as r
on conflict (calcom_connection_id, booking_uid) do update set ${UPDATE}`;

/** Whose rows they are. */
export interface RowOwner {
  userId: string;
  connectionId: string;
}

/** Upserts a page of rows in one statement (one round trip, one implicit transaction). */
export async function upsertPage(
  sql: postgres.Sql,
  owner: RowOwner,
  rows: readonly BookingRow[],
): Promise<void> {
  await sql.unsafe(PAGE_SQL, [owner.userId, owner.connectionId, JSON.stringify(rows)]);
}

/** Upserts one booking in one statement (autocommit), as the row-at-a-time sync does for every booking. */
export async function upsertOne(sql: postgres.Sql, owner: RowOwner, row: BookingRow): Promise<void> {
  await sql.unsafe(ONE_SQL, [owner.userId, owner.connectionId, JSON.stringify(row)]);
}
