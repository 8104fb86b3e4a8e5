/**
 * The database side of the sync limit and of the peer: booking rows written straight into
 * `calcom_bookings`, without the function's order guard details, hashing or bookkeeping.
 *
 * - {@linkcode upsertPage}: a page of rows in ONE statement (`jsonb_to_recordset`), the least any
 *   page-by-page sync must do, and so the limit the real sync is compared with.
 * - {@linkcode upsertOne}: one statement per booking, as the seed did (the peer).
 *
 * @module
 */
import type postgres from "postgres";
import {
  BOOKING_ROW_COLUMNS,
  type BookingRow,
} from "../../supabase/functions/_shared/bookings/booking_row.ts";

const COLUMNS = BOOKING_ROW_COLUMNS;

const NAMES = COLUMNS.map(([c]) => c);
/** `not null` columns with a default that a row may leave null. */
const DEFAULTS: Partial<Record<keyof BookingRow, string>> = { metadata: "'{}'::jsonb", absent_host: "false" };
const value = (c: string, from: string) =>
  c in DEFAULTS ? `coalesce(${from}.${c}, ${DEFAULTS[c as keyof BookingRow]})` : `${from}.${c}`;
const UPDATE = NAMES.filter((c) => c !== "booking_uid").map((c) => `${c} = excluded.${c}`).join(", ");

const PAGE_SQL = `
insert into public.calcom_bookings as t (user_id, calcom_connection_id, ${NAMES.join(", ")})
select $1::uuid, $2::uuid, ${NAMES.map((c) => value(c, "r")).join(", ")}
from jsonb_to_recordset($3::text::jsonb) as r(${COLUMNS.map(([c, type]) => `${c} ${type}`).join(", ")})
on conflict (calcom_connection_id, booking_uid) do update set ${UPDATE}
where excluded.source_updated_at >= t.source_updated_at`;

const ONE_SQL = `
insert into public.calcom_bookings as t (user_id, calcom_connection_id, ${NAMES.join(", ")})
values ($1::uuid, $2::uuid, ${
  COLUMNS.map(([c, type], i) => {
    const p = type === "jsonb" ? `$${i + 3}::text::jsonb` : `$${i + 3}::${type}`;
    return c in DEFAULTS ? `coalesce(${p}, ${DEFAULTS[c]})` : p;
  }).join(", ")
})
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

/** Upserts one booking in one statement (autocommit), as the seed did for every booking. */
export async function upsertOne(sql: postgres.Sql, owner: RowOwner, row: BookingRow): Promise<void> {
  const params = COLUMNS.map(([c, type]) => {
    const v = row[c];
    if (v === null || v === undefined) return null;
    return type === "jsonb" ? JSON.stringify(v) : v;
  });
  await sql.unsafe(
    ONE_SQL,
    [owner.userId, owner.connectionId, ...params] as postgres.ParameterOrJSON<never>[],
  );
}
