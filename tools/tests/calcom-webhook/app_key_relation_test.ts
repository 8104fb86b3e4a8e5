/**
 * Webhook deliveries record how the connection's Cal.com user relates to the booking, as the sync does,
 * and later deliveries keep it.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { insertConnection } from "../../testing/sync_test_support.ts";

Deno.test("webhook deliveries record how the key's user relates to the booking", async (t) => {
  await using stack = await startTestStack({ apps: { webhook: true } });
  const { sandbox } = stack;
  const dana = sandbox.addUser({ username: "dana" });
  const erin = sandbox.addUser({ username: "erin" });
  const owner = await stack.signUp();
  const webhookSecret = `whsec_${crypto.randomUUID()}`;
  const connectionId = await insertConnection(stack, owner, dana, { webhookSecret });
  await createCalcomClient({ apiKey: dana.apiKey, baseUrl: sandbox.url }).createWebhook({
    subscriberUrl: stack.webhookUrl(connectionId),
    triggers: calcomWebhookTriggers,
    secret: webhookSecret,
    active: true,
  });
  const stored = async (uid: string) => {
    const [row] = await stack.db.sql<{ status: string; key_relation: string | null }[]>`
      select status, key_relation from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
    return row ? { status: row.status, keyRelation: row.key_relation } : undefined;
  };

  await t.step("a booking the user hosts is stored as organizer, and stays so when it changes", async () => {
    const booking = await sandbox.createBooking(dana.user.id);
    assert.deepEqual(sandbox.deliveries.map((d) => [d.trigger, d.status]), [["BOOKING_CREATED", 200]]);
    assert.deepEqual(await stored(booking.uid), { status: "ACCEPTED", keyRelation: "organizer" });

    const moved = await sandbox.rescheduleBooking(
      booking.uid,
      new Date(Date.parse(booking.start) + 86_400_000),
    );
    assert.deepEqual(await stored(moved.uid), { status: "ACCEPTED", keyRelation: "organizer" });
    assert.deepEqual(await stored(booking.uid), { status: "CANCELLED", keyRelation: "organizer" });

    await sandbox.cancelBooking(moved.uid, "Out sick");
    assert.deepEqual(await stored(moved.uid), { status: "CANCELLED", keyRelation: "organizer" });
  });

  await t.step("Cal.com sends the user nothing about a booking they only attend", async () => {
    sandbox.resetDeliveries();
    const attended = await sandbox.createBooking(erin.user.id, {
      attendee: { name: "Dana", email: dana.user.email },
    });
    assert.deepEqual(sandbox.deliveries, []);
    assert.equal(await stored(attended.uid), undefined);
  });

  await t.step(
    "a delivery about a booking another user hosts with the user attending is stored as attendee",
    async () => {
      const attended = await sandbox.createBooking(erin.user.id, { guests: [dana.user.email] });
      const built = sandbox.buildWebhook("BOOKING_CREATED", attended.uid);
      const res = await stack.deliver(connectionId, built.body, { secret: webhookSecret });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await res.json()).processed, true);
      assert.deepEqual(await stored(attended.uid), { status: "ACCEPTED", keyRelation: "attendee" });

      const other = await sandbox.createBooking(erin.user.id);
      const unrelated = sandbox.buildWebhook("BOOKING_CREATED", other.uid);
      assert.equal(
        (await stack.deliver(connectionId, unrelated.body, { secret: webhookSecret })).status,
        200,
      );
      assert.deepEqual(await stored(other.uid), { status: "ACCEPTED", keyRelation: "team" });
    },
  );
});
