/**
 * Seated event types through the webhook function (corrections §1): the sandbox books, cancels and
 * reschedules single seats the way Cal.com does, and the mirror adds, removes and moves that attendee
 * only, in any delivery order.
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import { signAnonKey, signTestJwt } from "../../testing/jwt.ts";
import { startTestStack } from "../../testing/test_stack.ts";

type Attendee = { name: string; email: string };

Deno.test("seat changes in Cal.com change only that attendee of the mirrored booking", async (t) => {
  await using env = await startTestStack({ apps: { webhook: true } });
  const { sandbox } = env;
  const { user, apiKey } = sandbox.addUser({ name: "Dana Host" });
  const { connectionId, userId, webhookSecret } = await env.connection();
  await createCalcomClient({ apiKey, baseUrl: sandbox.url }).createWebhook({
    subscriberUrl: env.webhookUrl(connectionId),
    triggers: calcomWebhookTriggers,
    secret: webhookSecret,
    active: true,
  });
  const seated = sandbox.eventTypes(user.id).find((e) => e.seatsPerTimeSlot !== null)!;
  let day = 0;
  const slot = () => new Date(Date.parse("2031-01-06T10:00:00Z") + day++ * 86_400_000).toISOString();
  const book = (name: string, start: string) =>
    sandbox.createBooking(user.id, {
      eventTypeId: seated.id,
      start,
      attendee: { name, email: `${name.toLowerCase()}@example.org` },
    });
  const seatOf = (uid: string, name: string) =>
    (sandbox.booking(uid)!.attendees as (Attendee & { seatUid: string })[]).find((a) => a.name === name)!
      .seatUid;
  const mirrored = async (uid: string, connection = connectionId) => {
    const [row] = await env.db.sql`
      select status, attendees from public.calcom_bookings
      where calcom_connection_id = ${connection} and booking_uid = ${uid}`;
    return row && { status: row.status, names: row.attendees.map((a: Attendee) => a.name) };
  };
  const allDelivered = () => assert.deepEqual(sandbox.deliveries.filter((d) => d.status !== 200), []);

  await t.step("a new seat adds its booker to the attendees", async () => {
    const start = slot();
    const first = await book("Ana", start);
    sandbox.advanceTime(1_000);
    await book("Ben", start);
    assert.deepEqual(await mirrored(first.uid), { status: "ACCEPTED", names: ["Ana", "Ben"] });
    allDelivered();
  });

  await t.step("one seat cancelled removes that attendee; the booking stays accepted", async () => {
    const start = slot();
    const b = await book("Ana", start);
    await book("Ben", start);
    sandbox.advanceTime(1_000);
    await sandbox.cancelBooking(b.uid, "Cannot come", { seatUid: seatOf(b.uid, "Ben") });
    assert.equal(JSON.parse(sandbox.deliveries.at(-1)!.body).payload.status, "CANCELLED");
    assert.deepEqual(await mirrored(b.uid), { status: "ACCEPTED", names: ["Ana"] });
  });

  await t.step("the last seat cancelled cancels the booking and keeps its attendee", async () => {
    const b = await book("Ana", slot());
    sandbox.advanceTime(1_000);
    await sandbox.cancelBooking(b.uid, "Nobody left", { seatUid: seatOf(b.uid, "Ana") });
    assert.deepEqual(await mirrored(b.uid), { status: "CANCELLED", names: ["Ana"] });
  });

  await t.step(
    "a seat rescheduled moves that attendee; the seat uid is never taken for a booking",
    async () => {
      const from = slot();
      const to = slot();
      const b = await book("Ana", from);
      await book("Ben", from);
      const later = await book("Cy", to);
      sandbox.advanceTime(1_000);
      const benSeat = seatOf(b.uid, "Ben");
      await sandbox.rescheduleBooking(b.uid, to, { seatUid: benSeat });
      assert.equal(JSON.parse(sandbox.deliveries.at(-1)!.body).payload.rescheduleUid, benSeat);
      assert.deepEqual(await mirrored(b.uid), { status: "ACCEPTED", names: ["Ana"] });
      assert.deepEqual(await mirrored(later.uid), { status: "ACCEPTED", names: ["Cy", "Ben"] });
      assert.equal(await mirrored(benSeat), undefined);
      allDelivered();
    },
  );

  await t.step(
    "a seat rescheduled to an empty slot creates that booking and empties the old one",
    async () => {
      const b = await book("Ana", slot());
      sandbox.advanceTime(1_000);
      const moved = await sandbox.rescheduleBooking(b.uid, slot(), { seatUid: seatOf(b.uid, "Ana") });
      assert.deepEqual(await mirrored(moved.uid), { status: "ACCEPTED", names: ["Ana"] });
      assert.deepEqual(await mirrored(b.uid), { status: "CANCELLED", names: ["Ana"] });
    },
  );

  await t.step("replayed and reordered seat deliveries end where Cal.com is", async () => {
    const start = slot();
    sandbox.resetDeliveries();
    const b = await book("Ana", start);
    sandbox.advanceTime(1_000);
    await book("Ben", start);
    sandbox.advanceTime(1_000);
    await sandbox.cancelBooking(b.uid, undefined, { seatUid: seatOf(b.uid, "Ben") });
    sandbox.advanceTime(1_000);
    await book("Cy", start);
    const bodies = sandbox.deliveries.map((d) => d.body);
    assert.equal(bodies.length, 4);
    assert.deepEqual(await mirrored(b.uid), { status: "ACCEPTED", names: ["Ana", "Cy"] });

    // the same deliveries again, to this connection: each is a duplicate and writes nothing
    for (const body of bodies) {
      assert.equal((await env.deliver(connectionId, body, { secret: webhookSecret })).status, 200);
    }
    assert.deepEqual(await mirrored(b.uid), { status: "ACCEPTED", names: ["Ana", "Cy"] });

    // to a second connection, newest first: Ben's cancel comes before his booking
    const other = await env.connection({ userId });
    for (const body of [...bodies].reverse()) {
      assert.equal(
        (await env.deliver(other.connectionId, body, { secret: other.webhookSecret })).status,
        200,
      );
    }
    const supabase = createClient(env.server.supabaseUrl, await signAnonKey(), {
      auth: { persistSession: false, autoRefreshToken: false },
    });
    const { error } = await supabase.functions.invoke(`calcom-webhook/${other.connectionId}/replay`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await signTestJwt({ sub: userId })}` },
    });
    assert.equal(error, null);
    const names = (await mirrored(b.uid, other.connectionId)).names.sort();
    assert.deepEqual(names, ["Ana", "Cy"]);
  });
});
