import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch, startReceiver } from "./test_support.ts";

type Listed = { uid: string; hosts: { id: number }[] };

async function listedUids(sandbox: Awaited<ReturnType<typeof startSandbox>>, apiKey: string) {
  const res = await calFetch(sandbox, apiKey, "/v2/bookings?take=250");
  assert.equal(res.status, 200, res.text);
  return (res.json.data as Listed[]).map((b) => b.uid).sort();
}

Deno.test("a personal key lists the bookings its user hosts and those they only attend", async () => {
  await using sandbox = await startSandbox({ seed: 3 });
  const dana = sandbox.addUser({ username: "dana" });
  const erin = sandbox.addUser({ username: "erin" });
  const hosted = await sandbox.createBooking(dana.user.id);
  const attended = await sandbox.createBooking(erin.user.id, {
    attendee: { name: "Dana", email: dana.user.email },
  });
  const asGuest = await sandbox.createBooking(erin.user.id, { guests: [dana.user.email] });
  const erinsOwn = await sandbox.createBooking(erin.user.id);

  assert.deepEqual(await listedUids(sandbox, dana.apiKey), [hosted.uid, attended.uid, asGuest.uid].sort());
  const res = await calFetch(sandbox, dana.apiKey, `/v2/bookings?bookingUid=${attended.uid}`);
  assert.equal((res.json.data as Listed[])[0].hosts[0].id, erin.user.id, "the first host is the organizer");
  assert.ok(!(await listedUids(sandbox, dana.apiKey)).includes(erinsOwn.uid));
});

Deno.test("a team admin's key lists members' bookings, bookings members attend and team bookings", async () => {
  await using sandbox = await startSandbox({ seed: 4 });
  const admin = sandbox.addUser({ username: "ada" });
  const member = sandbox.addUser({ username: "max" });
  const outsider = sandbox.addUser({ username: "olga" });
  const before = await sandbox.createBooking(member.user.id);
  const team = sandbox.addTeam({ name: "Sales", admins: [admin.user.id], members: [member.user.id] });
  assert.notEqual(team.eventTypeId, null);

  const membersOwn = await sandbox.createBooking(member.user.id);
  const teamBooking = await sandbox.createBooking(member.user.id, { eventTypeId: team.eventTypeId! });
  const memberAttends = await sandbox.createBooking(outsider.user.id, {
    attendee: { name: "Max", email: member.user.email },
  });
  const outsidersOwn = await sandbox.createBooking(outsider.user.id);

  assert.deepEqual(
    await listedUids(sandbox, admin.apiKey),
    [before.uid, membersOwn.uid, teamBooking.uid, memberAttends.uid].sort(),
    "bookings made before the team existed are listed too",
  );
  assert.deepEqual(
    await listedUids(sandbox, member.apiKey),
    [before.uid, membersOwn.uid, teamBooking.uid, memberAttends.uid].sort(),
    "a member lists only what they host or attend",
  );
  assert.ok(!(await listedUids(sandbox, admin.apiKey)).includes(outsidersOwn.uid));
  assert.equal(sandbox.booking(teamBooking.uid)?.hosts[0].id, member.user.id);

  await sandbox.cancelBooking(membersOwn.uid, "Conflict");
  assert.ok((await listedUids(sandbox, admin.apiKey)).includes(membersOwn.uid), "a change keeps it listed");

  sandbox.setMembership(team.id, outsider.user.id, "MEMBER");
  assert.ok(
    (await listedUids(sandbox, admin.apiKey)).includes(outsidersOwn.uid),
    "a member who joins later brings their bookings into the admin's list",
  );
});

Deno.test("an organisation admin's key lists every member's bookings", async () => {
  await using sandbox = await startSandbox({ seed: 5 });
  const owner = sandbox.addUser({ username: "orla" });
  const member = sandbox.addUser({ username: "milo" });
  const org = sandbox.addTeam({ organization: true, members: [member.user.id] });
  assert.equal(org.eventTypeId, null);
  sandbox.setMembership(org.id, owner.user.id, "OWNER");
  const booking = await sandbox.createBooking(member.user.id);
  assert.deepEqual(await listedUids(sandbox, owner.apiKey), [booking.uid]);
});

Deno.test("user webhooks get no team event type's bookings and nothing of a booking their user attends", async () => {
  await using sandbox = await startSandbox({ seed: 6, subscriberUrlRules: "self-hosted" });
  await using receiver = startReceiver();
  const admin = sandbox.addUser({ username: "ada" });
  const member = sandbox.addUser({ username: "max" });
  for (const { apiKey } of [admin, member]) {
    const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
      method: "POST",
      body: {
        subscriberUrl: `${receiver.url}/${apiKey.slice(-6)}`,
        triggers: ["BOOKING_CREATED"],
        active: true,
      },
    });
    assert.equal(res.status, 201, res.text);
  }
  const team = sandbox.addTeam({ admins: [admin.user.id], members: [member.user.id] });
  await sandbox.createBooking(member.user.id, { eventTypeId: team.eventTypeId! });
  await sandbox.createBooking(member.user.id, { attendee: { name: "Ada", email: admin.user.email } });
  const own = await sandbox.createBooking(member.user.id);

  assert.deepEqual(sandbox.deliveries.map((d) => d.url), [
    `${receiver.url}/${member.apiKey.slice(-6)}`,
    `${receiver.url}/${member.apiKey.slice(-6)}`,
  ], "only the organizer's webhook, and only for their own event types");
  assert.ok(sandbox.deliveries[1].body.includes(own.uid));
});

Deno.test("seeding with guest emails makes their users attend a share of the bookings", async () => {
  await using sandbox = await startSandbox({ seed: 7 });
  const host = sandbox.addUser({ username: "hana" });
  const guest = sandbox.addUser({ username: "gus" });
  const plain = sandbox.addUser({ username: "pia" });
  const seeded = sandbox.seedBookings(host.user.id, 200, { seed: 9, guestEmails: [guest.user.email] });
  const same = sandbox.seedBookings(plain.user.id, 200, { seed: 9 });
  const attended = await listedUids(sandbox, guest.apiKey);
  assert.ok(attended.length > 20 && attended.length < 100, `${attended.length} attended`);
  assert.ok(attended.every((uid) => seeded.includes(uid)));
  assert.deepEqual(
    sandbox.bookings(host.user.id).map((b) => [b.start, b.status]),
    sandbox.bookings(plain.user.id).map((b) => [b.start, b.status]),
    "guests change nothing else about the data",
  );
  assert.equal(same.length, 200);
});
