/**
 * GET /calcom-bookings-sync: stored bookings under RLS with filters and keyset pagination, and the
 * the read-after-sync answer without `fromDb`.
 */
import assert from "node:assert/strict";
import { toBookingView } from "../../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import { ReadPageSchema } from "../../../supabase/functions/calcom-bookings-sync/responses.ts";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import {
  bookingRequests,
  connectedUser,
  insertConnection,
  postSync,
  syncClock,
} from "../../testing/sync_test_support.ts";

const FN = "calcom-bookings-sync";

function read(user: StackUser, query: string): Promise<FunctionResponse> {
  return invokeFunction(user.client, `${FN}?${query}`, { method: "GET" });
}

/** Walks every page of a read; returns the booking ids in order and the pages' sizes. */
async function readAll(user: StackUser, query: string) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const res: FunctionResponse = await read(user, `${query}${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.source, "database");
    assert.equal(res.body.count, res.body.bookings.length);
    assert.deepEqual(ReadPageSchema.parse(res.body), res.body, "the page is what docs/openapi.json says");
    ids.push(...res.body.bookings.map((b: { id: string }) => b.id));
    sizes.push(res.body.count);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { ids, sizes };
}

async function expectedIds(stack: TestStack, userId: string, where: string, params: unknown[] = []) {
  const rows = await stack.deps.db.sql.unsafe<{ id: string }[]>(
    `select id from public.calcom_bookings where user_id = $1 ${where} order by start_time, id`,
    [userId, ...params] as never[],
  );
  return rows.map((r) => r.id);
}

Deno.test("calcom-bookings-sync reads stored bookings", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const sync = (user: StackUser, connectionId: string) => postSync(user, { connectionId });

  const { user, connectionId: first } = await connectedUser(stack, 300, 31);
  const otherCal = sandbox.addUser();
  sandbox.seedBookings(otherCal.user.id, 120, { seed: 32 });
  const second = await insertConnection(stack, user, otherCal);
  assert.equal((await sync(user, first)).status, 200);
  assert.equal((await sync(user, second)).status, 200);
  const stranger = await connectedUser(stack, 80, 33);
  assert.equal((await sync(stranger.user, stranger.connectionId)).status, 200);

  await t.step("walking every page returns each of the caller's bookings once, in start order", async () => {
    const { ids, sizes } = await readAll(user, "fromDb=true&limit=37");
    assert.deepEqual(ids, await expectedIds(stack, user.id, ""));
    assert.equal(ids.length, 420);
    assert.ok(sizes.slice(0, -1).every((n) => n === 37));
  });

  // The sandbox seeds bookings around its own clock, so the filters' dates are taken from that clock.
  const daysFromSeed = (days: number) => new Date(sandbox.now().getTime() + days * 86_400_000);
  const afterStart = daysFromSeed(30).toISOString();
  const olderAfterStart = daysFromSeed(-90).toISOString();
  // The same instant written at +01:00, to show offsets other than Z are honoured.
  const beforeEndPlusOne = new Date(daysFromSeed(-60).getTime() + 3_600_000).toISOString().slice(0, 19) +
    "+01:00";
  const filters: [string, string, unknown[]][] = [
    ["status=accepted,PENDING", "and status = any($2::text[])", [["ACCEPTED", "PENDING"]]],
    ["status=cancelled", "and status = 'CANCELLED'", []],
    [`afterStart=${afterStart}`, "and start_time >= $2", [afterStart]],
    [`beforeEnd=${encodeURIComponent(beforeEndPlusOne)}`, "and end_time <= $2", [beforeEndPlusOne]],
    [`connectionId=${second}`, "and calcom_connection_id = $2", [second]],
    [
      `connectionId=${first}&status=accepted&afterStart=${olderAfterStart}`,
      "and calcom_connection_id = $2 and status = 'ACCEPTED' and start_time >= $3",
      [first, olderAfterStart],
    ],
  ];
  for (const [query, where, params] of filters) {
    await t.step(`the filter ${decodeURIComponent(query)} narrows every page`, async () => {
      const { ids } = await readAll(user, `fromDb=true&limit=50&${query}`);
      const expected = await expectedIds(stack, user.id, where, params);
      assert.ok(expected.length > 0, "the filter matches something");
      assert.deepEqual(ids, expected);
    });
  }

  await t.step("a page has the documented shape, 50 bookings by default", async () => {
    const res = await read(user, "fromDb=true");
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["success", "source", "bookings", "count", "nextCursor"]);
    assert.equal(res.body.count, 50);
    const [row] = await stack.deps.db.sql`select * from public.calcom_bookings where id = ${
      res.body.bookings[0].id
    }`;
    assert.deepEqual(res.body.bookings[0], JSON.parse(JSON.stringify(toBookingView(row as never))));
    assert.equal(res.body.bookings[0].uid, row.booking_uid);
    assert.equal(res.body.bookings[0].status, row.status);
  });

  await t.step("another user's bookings are never read, and their connection is not found", async () => {
    const { ids } = await readAll(stranger.user, "fromDb=true&limit=250");
    assert.deepEqual(ids, await expectedIds(stack, stranger.user.id, ""));
    assert.equal(ids.length, 80);
    const res = await read(stranger.user, `fromDb=true&connectionId=${first}`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, "not_found");
  });

  await t.step("invalid parameters are answered 400", async () => {
    for (
      const [query, path] of [
        ["fromDb=true&limit=0", "limit"],
        ["fromDb=true&limit=251", "limit"],
        ["fromDb=true&limit=ten", "limit"],
        ["fromDb=true&status=booked", "status"],
        ["fromDb=true&afterStart=tomorrow", "afterStart"],
        ["fromDb=true&beforeEnd=2025-01-01", "beforeEnd"],
        ["fromDb=true&connectionId=42", "connectionId"],
        ["fromDb=maybe", "fromDb"],
        ["fromDb=true&cursor=bm90LWEtY3Vyc29y", "cursor"],
      ]
    ) {
      const res = await read(user, query);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.details.issues[0].path, new RegExp(`^${path}`), query);
    }
  });

  await t.step("without fromDb the read syncs first, then pages without syncing again", async () => {
    const fresh = await connectedUser(stack, 60, 34);
    const res = await read(fresh.user, "limit=25");
    assert.equal(res.status, 200);
    assert.equal(res.body.source, "api");
    assert.equal(res.body.count, 25);
    assert.equal(res.body.fetched, 60);
    assert.equal(res.body.status, "succeeded");
    assert.ok(res.body.syncRunId);
    assert.ok(res.body.nextCursor);
    const requests = bookingRequests(stack, fresh.cal.apiKey).length;
    const next = await read(fresh.user, `limit=25&cursor=${res.body.nextCursor}`);
    assert.equal(next.status, 200);
    assert.equal(next.body.source, "database");
    assert.equal(bookingRequests(stack, fresh.cal.apiKey).length, requests);
    assert.notEqual(next.body.bookings[0].id, res.body.bookings[0].id);
  });

  await t.step("without fromDb a caller with several connections must name one", async () => {
    const res = await read(user, "limit=5");
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_request");
    const named = await read(user, `limit=5&connectionId=${second}`);
    assert.equal(named.status, 200);
    assert.equal(named.body.source, "api");
    assert.ok(named.body.bookings.every((b: { connectionId: string }) => b.connectionId === second));
  });
});
