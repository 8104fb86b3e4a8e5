/**
 * What a connection view counts, through the real functions: stored bookings and the webhook's health
 * (newest verified delivery, and deliveries, refusals and unapplied ones in the last 24 hours by the
 * database's clock), from deliveries sent to the real webhook function.
 */
import assert from "node:assert/strict";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { ConnectionListSchema } from "../../../supabase/functions/calcom-connection/responses.ts";

const FN = "calcom-connection";

async function listed(user: StackUser) {
  const res = await invokeFunction(user.client, FN, { method: "GET" });
  assert.equal(res.status, 200);
  assert.deepEqual(
    ConnectionListSchema.parse(res.body),
    res.body,
    "the answer is what docs/openapi.json says",
  );
  return res.body.connections as { id: string; bookingCount: number; webhookHealth: unknown }[];
}

/** A BOOKING_CREATED body for a booking of its own (another uid, another body). */
function created(uid: string): string {
  const body = webhookFixture("BOOKING_CREATED");
  (body.payload as Record<string, unknown>).uid = uid;
  return JSON.stringify(body);
}

async function eventTimes(stack: TestStack, connectionId: string): Promise<Date[]> {
  const rows = await stack.db.sql<{ received_at: Date }[]>`
    select received_at from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} and verified order by received_at desc`;
  return rows.map((r) => r.received_at);
}

Deno.test("a connection view counts its bookings and its webhook deliveries of the last 24 hours", async (t) => {
  await using stack = await startTestStack({ apps: { connection: true, webhook: true }, sandbox: false });
  const dana = await stack.signUp();
  const secret = "whsec_health_0123456789abcdef";
  const busy = await stack.connection({ userId: dana.id, webhookSecret: secret });
  const quiet = await stack.connection({ userId: dana.id });
  const stranger = await stack.connection({ webhookSecret: secret });

  await t.step("a connection that received nothing shows zeros and no verified delivery", async () => {
    const views = await listed(dana);
    assert.deepEqual(views.map((v) => [v.id, v.bookingCount, v.webhookHealth]), [
      [busy.connectionId, 0, { lastVerifiedAt: null, deliveries24h: 0, refused24h: 0, notApplied24h: 0 }],
      [quiet.connectionId, 0, { lastVerifiedAt: null, deliveries24h: 0, refused24h: 0, notApplied24h: 0 }],
    ]);
  });

  await t.step("applied, refused and unapplied deliveries are each counted on their connection", async () => {
    for (const uid of ["health-a", "health-b"]) {
      const res = await stack.deliver(busy.connectionId, created(uid), { secret });
      assert.equal(res.status, 200, await res.text());
    }
    const forged = await stack.deliver(busy.connectionId, created("health-c"), {
      secret: "not-the-secret-at-all",
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    const unknown = JSON.stringify({
      ...webhookFixture("BOOKING_CREATED"),
      triggerEvent: "BOOKING_TELEPORTED",
    });
    const unapplied = await stack.deliver(busy.connectionId, unknown, { secret });
    assert.equal(unapplied.status, 200, await unapplied.text());
    // another user's connection with the same secret: nothing of it shows on Dana's
    const theirs = await stack.deliver(stranger.connectionId, created("health-d"), { secret });
    assert.equal(theirs.status, 200, await theirs.text());

    const [newest] = await eventTimes(stack, busy.connectionId);
    const views = await listed(dana);
    assert.deepEqual(views.map((v) => [v.id, v.bookingCount, v.webhookHealth]), [
      [busy.connectionId, 2, {
        lastVerifiedAt: newest.toISOString(),
        deliveries24h: 3,
        refused24h: 1,
        notApplied24h: 1,
      }],
      [quiet.connectionId, 0, { lastVerifiedAt: null, deliveries24h: 0, refused24h: 0, notApplied24h: 0 }],
    ]);
  });

  await t.step("deliveries older than 24 hours by the database's clock leave the counts", async () => {
    // Moved back from the database's now(), whatever the functions' clock said when they arrived
    await stack.db.sql`
      update public.calcom_webhook_events set received_at = now() - interval '25 hours'
      where calcom_connection_id = ${busy.connectionId}`;
    const [newest] = await eventTimes(stack, busy.connectionId);
    const [view] = await listed(dana);
    assert.equal(view.bookingCount, 2);
    assert.deepEqual(view.webhookHealth, {
      lastVerifiedAt: newest.toISOString(),
      deliveries24h: 0,
      refused24h: 0,
      notApplied24h: 0,
    });
  });
});
