import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";

const NOW = "2025-06-01T12:00:00.000Z";

async function seeded(count: number, seed: number) {
  const sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user } = sandbox.addUser({ username: "dana" });
  const uids = sandbox.seedBookings(user.id, count, { seed });
  return { sandbox, user, uids, bookings: sandbox.bookings(user.id) };
}

Deno.test("seeding the same count with the same seed gives the same bookings", async () => {
  const a = await seeded(300, 42);
  const b = await seeded(300, 42);
  const c = await seeded(300, 43);
  await a.sandbox.close();
  await b.sandbox.close();
  await c.sandbox.close();
  assert.deepEqual(a.uids, b.uids);
  assert.deepEqual(a.bookings, b.bookings);
  assert.notDeepEqual(a.uids, c.uids);
});

Deno.test("seeding creates exactly the requested count without webhooks", async () => {
  const { sandbox, uids, bookings } = await seeded(257, 1);
  await using _ = sandbox;
  assert.equal(uids.length, 257);
  assert.equal(new Set(uids).size, 257);
  assert.equal(bookings.length, 257);
  assert.equal(sandbox.deliveries.length, 0);
});

Deno.test("seeded bookings cover every status and the recurring, seated and rescheduled variants", async () => {
  const { sandbox, bookings } = await seeded(1000, 7);
  await using _ = sandbox;
  const statuses = new Set(bookings.map((b) => b.status));
  assert.deepEqual([...statuses].sort(), ["accepted", "cancelled", "pending", "rejected"]);

  const recurring = bookings.filter((b) => b.recurringBookingUid);
  assert.ok(recurring.length >= 8, "recurring occurrences");
  const series = new Map<string, number>();
  for (const b of recurring) {
    series.set(b.recurringBookingUid!, (series.get(b.recurringBookingUid!) ?? 0) + 1);
  }
  assert.ok([...series.values()].some((n) => n > 1), "series with several occurrences");

  const seated = bookings.filter((b) => b.attendees.some((a) => "seatUid" in a));
  assert.ok(seated.length > 0, "seated bookings");
  assert.ok(seated.every((b) => !("bookingFieldsResponses" in b) && !("guests" in b)));

  const moved = bookings.filter((b) => b.rescheduledFromUid);
  assert.ok(moved.length > 0, "rescheduled bookings");
  for (const b of moved) {
    const old = bookings.find((o) => o.uid === b.rescheduledFromUid)!;
    assert.equal(old.status, "cancelled");
    assert.equal(old.rescheduledToUid, b.uid);
    assert.equal(old.icsUid, b.icsUid);
  }

  assert.ok(bookings.some((b) => b.absentHost === true), "an absent host");
  assert.ok(bookings.some((b) => b.attendees.some((a) => a.absent === true)), "an absent attendee");
  const locations = new Set(bookings.map((b) => String(b.location).slice(0, 12)));
  assert.ok(locations.size >= 4, "several location kinds");
});

Deno.test("seeded times spread over past and future with updatedAt never before createdAt nor after now", async () => {
  const { sandbox, bookings } = await seeded(1000, 9);
  await using _ = sandbox;
  const now = Date.parse(NOW);
  const starts = bookings.map((b) => Date.parse(b.start));
  assert.ok(starts.some((s) => s < now - 180 * 86_400_000));
  assert.ok(starts.some((s) => s > now + 90 * 86_400_000));
  for (const b of bookings) {
    assert.ok(b.updatedAt !== null);
    assert.ok(b.createdAt <= b.updatedAt!, `${b.uid} updated before created`);
    assert.ok(Date.parse(b.updatedAt!) <= now, `${b.uid} updated in the future`);
  }
  const updated = bookings.map((b) => b.updatedAt);
  const distinct = new Set(updated).size;
  assert.ok(distinct < updated.length, "some bookings share an updatedAt");
  assert.ok(distinct > updated.length * 0.6, "most updatedAt values are distinct");
});

Deno.test("seeding twice for one user adds more bookings without uid collisions", async () => {
  const { sandbox, user, uids } = await seeded(100, 1);
  await using _ = sandbox;
  const more = sandbox.seedBookings(user.id, 100, { seed: 1 });
  assert.equal(new Set([...uids, ...more]).size, 200);
  assert.equal(sandbox.bookings(user.id).length, 200);
});
