import * as assert from "node:assert/strict";
import { BookingRowSchema } from "../../supabase/functions/_shared/bookings/booking_row.ts";
import { seededBookingRow } from "./reads_bench.ts";

Deno.test("seededBookingRow: valid rows, unique uids, start times shared by three", () => {
  const rows = Array.from({ length: 7 }, (_, i) => seededBookingRow(i));
  for (const row of rows) BookingRowSchema.parse(row);
  assert.equal(new Set(rows.map((r) => r.booking_uid)).size, 7);
  assert.equal(rows[0].start_time, rows[2].start_time);
  assert.notEqual(rows[2].start_time, rows[3].start_time);
});
