/**
 * The simplest way to sync, as a baseline: a sync that asks Cal.com only for accepted and pending bookings
 * (`status=upcoming,unconfirmed`: upcoming holds accepted and non-recurring pending bookings that have not
 * ended, unconfirmed the pending ones) and upserts them one statement per booking, each its own
 * transaction. It pages with `take=250`, the most favourable page size, so the comparison isolates the
 * write strategy; what it never sees (past, cancelled, rejected bookings) is reported beside it.
 *
 * @module
 */
import type postgres from "postgres";
import { mapApiBooking } from "../../supabase/functions/_shared/bookings/map_api_booking.ts";
import { readAllPages } from "./calcom_pages.ts";
import { type RowOwner, upsertOne } from "./direct_upsert.ts";

/** What the row-at-a-time sync did. */
export interface RowAtATimeRun {
  seconds: number;
  requests: number;
  rows: number;
  rowsPerSecond: number;
  sandboxSeconds: number;
}

/** Runs the row-at-a-time sync once against `baseUrl` into `sql`'s `calcom_bookings`. */
export async function runRowAtATimeSync(
  options: { baseUrl: string; apiKey: string; sql: postgres.Sql; owner: RowOwner },
): Promise<RowAtATimeRun> {
  const started = performance.now();
  let rows = 0;
  const read = await readAllPages(
    { baseUrl: options.baseUrl, apiKey: options.apiKey, query: { status: "upcoming,unconfirmed" } },
    async (bookings) => {
      for (const booking of bookings) {
        await upsertOne(options.sql, options.owner, mapApiBooking(booking));
        rows++;
      }
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    requests: read.requests,
    rows,
    rowsPerSecond: rows / seconds,
    sandboxSeconds: read.sandboxSeconds,
  };
}
