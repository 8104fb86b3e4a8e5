/**
 * GET /calcom-bookings-sync?fromDb=true: pages bounded by bytes as well as rows, over rows written
 * straight into the table with fields far past the caps (rows stored before caps existed).
 */
import assert from "node:assert/strict";
import { READ_PAGE_MAX_BYTES } from "../../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { connectedUser, syncClock } from "../../testing/sync_test_support.ts";

const MB = 1024 * 1024;

Deno.test("byte-bounded pages return every stored booking once, each page within budget and one row", async () => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { user, connectionId } = await connectedUser(stack);
  // 12 rows of ~1 MB, one of 5 MB (past the whole budget), and small rows between them
  const sizes = [...Array(12).fill(MB), 5 * MB, ...Array(30).fill(100)];
  const largest = 5 * MB;
  await stack.deps.db.sql.begin(async (tx) => {
    for (const [i, size] of sizes.entries()) {
      const start = new Date(Date.UTC(2026, 0, 1) + ((i * 7) % sizes.length) * 3_600_000).toISOString();
      await tx`
        insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid, title,
          description, start_time, end_time, status, attendees, metadata, source_updated_at)
        values (${user.id}, ${connectionId}, ${i + 1}, ${`big-${i}`}, ${"t"}, ${"d".repeat(size)},
          ${start}, ${start}, 'ACCEPTED',
          ${tx.json([{ name: "n".repeat(Math.floor(size / 4)), email: "g@example.com" }])},
          ${tx.json({ note: "m".repeat(Math.floor(size / 4)) })}, ${start})`;
    }
  });

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: FunctionResponse = await invokeFunction(
      user.client,
      `calcom-bookings-sync?fromDb=true&limit=250${cursor ? `&cursor=${cursor}` : ""}`,
      { method: "GET" },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 200));
    const bytes = new TextEncoder().encode(JSON.stringify(res.body)).length;
    assert.ok(res.body.bookings.length >= 1, "a page holds at least one row");
    // every row but the last was added while the page was under budget
    const before = new TextEncoder().encode(JSON.stringify(res.body.bookings.slice(0, -1))).length;
    assert.ok(before < READ_PAGE_MAX_BYTES, `page ${pages} is ${before} bytes before its last row`);
    assert.ok(bytes < READ_PAGE_MAX_BYTES + largest * 1.6, `page ${pages} is ${bytes} bytes`);
    seen.push(...res.body.bookings.map((b: { uid: string }) => b.uid));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);

  const expected = await stack.deps.db.sql<{ booking_uid: string }[]>`
    select booking_uid from public.calcom_bookings where user_id = ${user.id} order by start_time, id`;
  assert.deepEqual(seen, expected.map((r) => r.booking_uid), "every booking once, in order");
  // ~20 MB in 4 MB pages: several pages, though the 43 rows fit one page by count
  assert.ok(pages >= 5, `${pages} pages`);
});
