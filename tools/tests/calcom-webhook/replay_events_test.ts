import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { signAnonKey, signTestJwt } from "../../testing/jwt.ts";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";

const A_UID = "k3QmZ8pTqR2vYw1nLx7cAb";

async function replayAs(env: TestStack, userId: string, connectionId: string) {
  const supabase = createClient(env.server.supabaseUrl, await signAnonKey(), {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const { data, error } = await supabase.functions.invoke(`calcom-webhook/${connectionId}/replay`, {
    method: "POST",
    headers: { Authorization: `Bearer ${await signTestJwt({ sub: userId })}` },
  });
  assert.equal(error, null);
  return data;
}

async function events(env: TestStack, connectionId: string) {
  return await env.db.sql`
    select * from public.calcom_webhook_events where calcom_connection_id = ${connectionId}
    order by received_at, created_at`;
}

async function booking(env: TestStack, connectionId: string, uid: string) {
  const [row] = await env.db.sql`
    select * from public.calcom_bookings where calcom_connection_id = ${connectionId} and booking_uid = ${uid}`;
  return row;
}

Deno.test("calcom-webhook replay", async (t) => {
  await using env = await startTestStack({ apps: { webhook: true }, sandbox: false });
  const deliver = async (connectionId: string, secret: string, body: unknown) => {
    const res = await env.deliver(connectionId, JSON.stringify(body), { secret });
    assert.equal(res.status, 200);
    return await res.json();
  };

  await t.step("replay re-processes a failed event once its cause is fixed", async () => {
    const { connectionId, userId, webhookSecret } = await env.connection();
    const early = await deliver(connectionId, webhookSecret, webhookFixture("RECORDING_READY"));
    assert.equal(early.processed, false);
    const [failed] = await events(env, connectionId);
    assert.match(failed.error_message, /^Booking k3QmZ8pTqR2vYw1nLx7cAb is not mirrored yet/);

    // the cause goes away: the booking arrives
    await deliver(connectionId, webhookSecret, webhookFixture("BOOKING_CREATED"));
    assert.deepEqual(await replayAs(env, userId, connectionId), {
      success: true,
      replayed: 1,
      processed: 1,
      failed: 0,
      remaining: 0,
    });
    const [replayed] = await events(env, connectionId);
    assert.deepEqual([replayed.id, replayed.processed, replayed.error_message, replayed.attempts], [
      failed.id,
      true,
      null,
      2,
    ]);
    assert.ok(replayed.processed_at instanceof Date);
    assert.deepEqual((await booking(env, connectionId, A_UID)).recording_links, {
      recording: "https://app.cal.com/api/video/recording?token=rec-token-1",
    });
  });

  await t.step(
    "events of a paused connection are applied by a replay after it resumes, in received order",
    async () => {
      const { connectionId, userId, webhookSecret } = await env.connection({ isActive: false });
      const created = await deliver(connectionId, webhookSecret, webhookFixture("BOOKING_CREATED"));
      assert.equal(created.processed, false);
      for (const at of ["2025-03-10T14:00:05.000Z", "2025-03-10T14:00:09.000Z"]) {
        const started = webhookFixture("MEETING_STARTED.nested");
        started.createdAt = at;
        await deliver(connectionId, webhookSecret, started);
      }
      assert.equal(await booking(env, connectionId, A_UID), undefined);
      assert.ok((await events(env, connectionId)).every((e) => /paused/.test(e.error_message)));

      await env.db.sql`update public.calcom_connections set is_active = true where id = ${connectionId}`;
      assert.deepEqual(await replayAs(env, userId, connectionId), {
        success: true,
        replayed: 3,
        processed: 3,
        failed: 0,
        remaining: 0,
      });
      const b = await booking(env, connectionId, A_UID);
      assert.equal(b.status, "ACCEPTED");
      // facts merge in the order the events were received: the later delivery's time stays
      assert.equal(b.meeting_started_at.toISOString(), "2025-03-10T14:00:09.000Z");
    },
  );

  await t.step(
    "an event that still fails stays unprocessed, counted as failed and as an attempt",
    async () => {
      const { connectionId, userId, webhookSecret } = await env.connection();
      await deliver(connectionId, webhookSecret, { triggerEvent: "BOOKING_TELEPORTED", payload: {} });
      assert.deepEqual(await replayAs(env, userId, connectionId), {
        success: true,
        replayed: 1,
        processed: 0,
        failed: 1,
        remaining: 1,
      });
      const [event] = await events(env, connectionId);
      assert.deepEqual([event.processed, event.attempts], [false, 2]);
      assert.match(event.error_message, /^Unknown trigger BOOKING_TELEPORTED/);
    },
  );

  await t.step("unverified and already processed events are never replayed", async () => {
    const { connectionId, userId, webhookSecret } = await env.connection();
    await deliver(connectionId, webhookSecret, webhookFixture("BOOKING_CREATED"));
    const forged = await env.deliver(connectionId, JSON.stringify(webhookFixture("BOOKING_CANCELLED")), {
      secret: "forged",
    });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
    assert.deepEqual(await replayAs(env, userId, connectionId), {
      success: true,
      replayed: 0,
      processed: 0,
      failed: 0,
      remaining: 0,
    });
    assert.deepEqual((await events(env, connectionId)).map((e) => [e.verified, e.attempts]), [[true, 1], [
      false,
      1,
    ]]);
  });

  await t.step("only the connection's owner may replay: no token is 401, another user's is 404", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    await deliver(connectionId, webhookSecret, { triggerEvent: "BOOKING_TELEPORTED", payload: {} });
    const url = `${env.webhookUrl(connectionId)}/replay`;
    const anonymous = await fetch(url, { method: "POST" });
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, "unauthorized");
    const anon = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${await signAnonKey()}` },
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    const stranger = (await env.connection()).userId;
    const res = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${await signTestJwt({ sub: stranger })}` },
    });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      success: false,
      error: { code: "not_found", message: "No Cal.com connection with this id" },
    });
    assert.deepEqual((await events(env, connectionId)).map((e) => e.attempts), [1]);
  });
});
