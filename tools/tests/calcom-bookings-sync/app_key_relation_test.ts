/**
 * How the key's user relates to each synced booking (organizer, attendee, team): stored by the sync,
 * kept on later writes, exposed and filtered by the stored bookings read.
 */
import assert from "node:assert/strict";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { type CalAccount, insertConnection, postSync, syncClock } from "../../testing/sync_test_support.ts";

const FN = "calcom-bookings-sync";

async function relations(stack: TestStack, connectionId: string): Promise<Map<string, string | null>> {
  const rows = await stack.deps.db.sql<{ booking_uid: string; key_relation: string | null }[]>`
    select booking_uid, key_relation from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
  return new Map(rows.map((r) => [r.booking_uid, r.key_relation]));
}

async function connect(
  stack: TestStack,
  cal: CalAccount,
): Promise<{ user: StackUser; connectionId: string }> {
  const user = await stack.signUp();
  return { user, connectionId: await insertConnection(stack, user, cal) };
}

function read(user: StackUser, query: string): Promise<FunctionResponse> {
  return invokeFunction(user.client, `${FN}?${query}`, { method: "GET" });
}

/** Walks every page of a stored read; returns the bookings in order. */
async function readAll(user: StackUser, query: string) {
  const bookings: { id: string; uid: string; keyRelation: string | null }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: FunctionResponse = await read(user, `${query}${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    bookings.push(...res.body.bookings);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { bookings, pages };
}

Deno.test("a sync records how the key's user relates to each booking", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const dana = sandbox.addUser({ username: "dana" });
  const erin = sandbox.addUser({ username: "erin" });
  const hosted = [await sandbox.createBooking(dana.user.id), await sandbox.createBooking(dana.user.id)];
  const attended = [
    await sandbox.createBooking(erin.user.id, { attendee: { name: "Dana", email: dana.user.email } }),
    await sandbox.createBooking(erin.user.id, { guests: [dana.user.email] }),
  ];
  const seeded = sandbox.seedBookings(erin.user.id, 40, { seed: 11, guestEmails: [dana.user.email] });
  const erinsOwn = await sandbox.createBooking(erin.user.id);
  const personal = await connect(stack, dana);

  const ada = sandbox.addUser({ username: "ada" });
  const max = sandbox.addUser({ username: "max" });
  const olga = sandbox.addUser({ username: "olga" });
  const team = sandbox.addTeam({ name: "Sales", admins: [ada.user.id], members: [max.user.id] });
  const adaHosts = await sandbox.createBooking(ada.user.id);
  const adaAttends = await sandbox.createBooking(olga.user.id, {
    attendee: { name: "Ada", email: ada.user.email },
  });
  const teamBookings = [
    await sandbox.createBooking(max.user.id),
    await sandbox.createBooking(max.user.id, { eventTypeId: team.eventTypeId! }),
    await sandbox.createBooking(olga.user.id, { attendee: { name: "Max", email: max.user.email } }),
  ];
  const olgasOwn = await sandbox.createBooking(olga.user.id);
  const admin = await connect(stack, ada);

  await t.step(
    "a personal key stores hosted bookings as organizer and attended ones as attendee",
    async () => {
      const res = await postSync(personal.user, { connectionId: personal.connectionId });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const stored = await relations(stack, personal.connectionId);
      const seededAttended = sandbox.bookings(dana.user.id).filter((b) => seeded.includes(b.uid));
      assert.ok(seededAttended.length >= 4, `${seededAttended.length} seeded bookings attended`);
      const expected = new Map<string, string>([
        ...hosted.map((b) => [b.uid, "organizer"] as const),
        ...[...attended, ...seededAttended].map((b) => [b.uid, "attendee"] as const),
      ]);
      assert.deepEqual(stored, expected);
      assert.ok(!stored.has(erinsOwn.uid));
    },
  );

  await t.step("a team admin's key stores members' and team bookings as team", async () => {
    const res = await postSync(admin.user, { connectionId: admin.connectionId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      await relations(stack, admin.connectionId),
      new Map([
        [adaHosts.uid, "organizer"],
        [adaAttends.uid, "attendee"],
        ...teamBookings.map((b) => [b.uid, "team"] as [string, string]),
      ]),
    );
    assert.ok(!(await relations(stack, admin.connectionId)).has(olgasOwn.uid));
  });

  await t.step("the stored read filters by relation across pages and shows each booking's", async () => {
    const attendedIds = await stack.deps.db.sql<{ id: string }[]>`
      select id from public.calcom_bookings
      where calcom_connection_id = ${personal.connectionId} and key_relation = 'attendee'
      order by start_time, id`;
    const { bookings, pages } = await readAll(personal.user, "fromDb=true&relation=attendee&limit=2");
    assert.ok(pages >= 3, `${pages} pages`);
    assert.deepEqual(bookings.map((b) => b.id), attendedIds.map((r) => r.id));
    assert.ok(bookings.every((b) => b.keyRelation === "attendee"));

    const mixed = await readAll(admin.user, "fromDb=true&relation=organizer,TEAM&limit=1");
    assert.deepEqual(
      mixed.bookings.map((b) => b.uid).sort(),
      [adaHosts.uid, ...teamBookings.map((b) => b.uid)].sort(),
    );
    const all = await readAll(admin.user, "fromDb=true&limit=50");
    assert.deepEqual(
      new Map(all.bookings.map((b) => [b.uid, b.keyRelation])),
      await relations(stack, admin.connectionId),
    );
  });

  await t.step("an unknown relation is a 400 that names the parameter", async () => {
    for (const value of ["host", "", "organizer,guest"]) {
      const res = await read(personal.user, `fromDb=true&relation=${value}`);
      assert.equal(res.status, 400, value);
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.details.issues[0].path, /^relation(\.\d+)?$/, JSON.stringify(res.body));
    }
  });

  await t.step("a later change keeps the relation, and a full sync fills in an unknown one", async () => {
    await sandbox.cancelBooking(attended[0].uid, "Conflict");
    await sandbox.cancelBooking(teamBookings[1].uid, "Conflict");
    stack.advanceClock(60_000);
    assert.equal((await postSync(personal.user, { connectionId: personal.connectionId })).status, 200);
    assert.equal((await postSync(admin.user, { connectionId: admin.connectionId })).status, 200);
    const [row] = await stack.deps.db.sql`
      select status, key_relation from public.calcom_bookings
      where calcom_connection_id = ${personal.connectionId} and booking_uid = ${attended[0].uid}`;
    assert.deepEqual({ ...row }, { status: "CANCELLED", key_relation: "attendee" });
    assert.equal((await relations(stack, admin.connectionId)).get(teamBookings[1].uid), "team");

    // as a row written before the column existed
    await stack.deps.db.sql`
      update public.calcom_bookings set key_relation = null
      where calcom_connection_id = ${personal.connectionId} and booking_uid = ${hosted[0].uid}`;
    const full = await postSync(personal.user, { connectionId: personal.connectionId, full: true });
    assert.equal(full.status, 200, JSON.stringify(full.body));
    assert.equal((await relations(stack, personal.connectionId)).get(hosted[0].uid), "organizer");
  });
});
