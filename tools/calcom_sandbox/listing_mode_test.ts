import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { teamAdminListing } from "./listing_mode.ts";
import { calFetch } from "./test_support.ts";

async function seeded(count: number) {
  const sandbox = await startSandbox({ seed: 3 });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, count, { seed: 3 });
  const page = async (query: string) => {
    const res = await calFetch(sandbox, apiKey, `/v2/bookings?sortUpdatedAt=asc&${query}`);
    assert.equal(res.status, 200, res.text);
    return {
      uids: (res.json.data as { uid: string }[]).map((b) => b.uid),
      pagination: res.json.pagination as { totalItems: number | null; hasNextPage: boolean },
    };
  };
  return { sandbox, user, page };
}

Deno.test("a team admin's listing has no count, says no next page on a full page and drops hidden bookings", async () => {
  const { sandbox, user, page } = await seeded(30);
  await using _ = sandbox;
  const all = (await page("take=250")).uids;
  const hidden = all.filter((_, i) => i % 3 === 0);
  sandbox.setListingMode(teamAdminListing(hidden));
  const first = await page("take=10");
  assert.equal(first.pagination.totalItems, null);
  assert.equal(first.pagination.hasNextPage, false);
  // take + 1 rows fetched, hidden ones dropped after the limit: a short page while more exist
  assert.deepEqual(first.uids, all.slice(0, 11).filter((u) => !hidden.includes(u)).slice(0, 10));
  assert.ok(first.uids.length < 10);
  const full = await page("take=2&skip=1"); // rows 1, 2 and 3; 3 is hidden
  assert.deepEqual(full.uids, all.slice(1, 3));
  assert.equal(full.pagination.hasNextPage, false, "false on a full page");
  assert.equal(sandbox.bookings(user.id).length, 30, "the sandbox's own view is unchanged");
});

Deno.test("an estimated count is off by its factor, and hasNextPage follows the estimate", async () => {
  const { sandbox, page } = await seeded(100);
  await using _ = sandbox;
  sandbox.setListingMode({ totals: "estimate", estimateFactor: 0.5 });
  const first = await page("take=60");
  assert.deepEqual([first.uids.length, first.pagination.totalItems, first.pagination.hasNextPage], [
    60,
    50,
    false,
  ]);
});

Deno.test("without an id tie-break, bookings sharing the sort key come in another order per request", async () => {
  const { sandbox, user, page } = await seeded(0);
  await using _ = sandbox;
  // the occurrences of a recurring series share createdAt and updatedAt
  for (let i = 0; i < 3; i++) await sandbox.createRecurringBooking(user.id);
  const orders = async (n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add((await page("take=250")).uids.join(","));
    return [...seen];
  };
  const fixed = await orders(3);
  assert.equal(fixed.length, 1, "with the tie-break the order is fixed");
  sandbox.setListingMode({ tieBreak: "none" });
  const shuffled = await orders(8);
  assert.ok(shuffled.length > 1, "without it, ties come in another order");
  for (const order of shuffled) assert.deepEqual(order.split(",").sort(), fixed[0].split(",").sort());
});
