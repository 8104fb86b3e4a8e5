/**
 * The sync against the ways Cal.com pages beyond a personal key (contract notes, "Listing"): a team
 * admin's key (no counts, `take + 1` fetches, bookings dropped after the limit so pages come back short),
 * planner estimates too low or too high, and ties without an `id` tie-break. In each, a full run stores
 * every booking the key can see, an incremental run after changes stores them, and a run stopped after
 * every page resumes to the same result.
 */
import assert from "node:assert/strict";
import { type ListingMode, teamAdminListing } from "../../calcom_sandbox/mod.ts";
import type { FunctionResponse } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { connectedUser, postSync, syncClock } from "../../testing/sync_test_support.ts";

async function syncToTheEnd(
  user: StackUser,
  body: Record<string, unknown> = {},
): Promise<FunctionResponse[]> {
  const responses: FunctionResponse[] = [];
  for (let i = 0; i < 60; i++) {
    const res = await postSync(user, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    responses.push(res);
    if (res.body.status === "succeeded") return responses;
  }
  throw new Error("No successful run after 60 calls");
}

async function mirrored(stack: TestStack, connectionId: string): Promise<Map<string, string>> {
  const rows = await stack.deps.db.sql<{ booking_uid: string; status: string }[]>`
    select booking_uid, status from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
  return new Map(rows.map((r) => [r.booking_uid, r.status]));
}

const modes: { name: string; mode: (uids: string[]) => ListingMode }[] = [
  {
    name: "a team admin's key (null totals, take + 1 fetches, short pages)",
    mode: (uids) => teamAdminListing(uids.filter((_, i) => i % 4 === 0)),
  },
  { name: "a count estimated too low", mode: () => ({ totals: "estimate", estimateFactor: 0.6 }) },
  { name: "a count estimated too high", mode: () => ({ totals: "estimate", estimateFactor: 1.7 }) },
  { name: "no id tie-break", mode: () => ({ tieBreak: "none" }) },
];

for (const deadlineMs of [undefined, 1]) {
  Deno.test(
    `the sync stores every visible booking whatever the listing mode${
      deadlineMs ? ", resuming after each page" : ""
    }`,
    async (t) => {
      await using stack = await startTestStack({
        apps: { sync: deadlineMs ? { deadlineMs } : true },
        clock: syncClock,
      });
      const { sandbox } = stack;
      for (const { name, mode } of modes) {
        await t.step(name, async () => {
          const { user, cal, connectionId } = await connectedUser(stack, 620, 5);
          const uids = sandbox.bookings(cal.user.id).map((b) => b.uid).sort();
          const listing = mode(uids);
          const visible = () => sandbox.bookings(cal.user.id).filter((b) => !listing.hiddenUids?.has(b.uid));
          sandbox.setListingMode(listing);
          try {
            const full = await syncToTheEnd(user);
            assert.equal(full.at(-1)!.body.mode, "full");
            const stored = await mirrored(stack, connectionId);
            assert.deepEqual([...stored.keys()].sort(), visible().map((b) => b.uid).sort(), "full run");

            // Changes after the watermark: cancellations (updatedAt moves) and new bookings.
            sandbox.advanceTime(60_000);
            // Cal.com cancels only bookings that have not ended.
            const changed = visible()
              .filter((b) => b.status === "accepted" && Date.parse(b.end) > sandbox.now().getTime())
              .slice(0, 30);
            for (const b of changed) await sandbox.cancelBooking(b.uid, "changed");
            const created = [];
            for (let i = 0; i < 5; i++) created.push(await sandbox.createBooking(cal.user.id));
            const next = await syncToTheEnd(user);
            assert.equal(next.at(-1)!.body.mode, "incremental");
            const after = await mirrored(stack, connectionId);
            for (const b of changed) assert.equal(after.get(b.uid), "CANCELLED", `cancelled ${b.uid}`);
            for (const b of created.filter((c) => !listing.hiddenUids?.has(c.uid))) {
              assert.ok(after.has(b.uid), `created ${b.uid}`);
            }
            assert.equal(after.size, visible().length, "nothing the key cannot see");
          } finally {
            sandbox.setListingMode({});
          }
        });
      }
    },
  );
}

Deno.test("a sync narrowed to upcoming follows Cal.com's one-hour bound; an unnarrowed one does not", async () => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const { user, cal, connectionId } = await connectedUser(stack);
  sandbox.setNow("2030-03-01T08:00:00.000Z");
  const threeHours = { lengthInMinutes: 180 };
  const early = await sandbox.createBooking(cal.user.id, { start: "2030-03-01T09:00:00Z", ...threeHours });
  const late = await sandbox.createBooking(cal.user.id, { start: "2030-03-01T10:30:00Z", ...threeHours });
  sandbox.setNow("2030-03-01T11:00:00.000Z"); // both run; `early` began two hours ago
  const narrowed = await postSync(user, { status: "upcoming" });
  assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
  assert.deepEqual([...(await mirrored(stack, connectionId)).keys()], [late.uid]);
  const everything = await postSync(user);
  assert.equal(everything.body.status, "succeeded");
  assert.deepEqual([...(await mirrored(stack, connectionId)).keys()].sort(), [early.uid, late.uid].sort());
});
