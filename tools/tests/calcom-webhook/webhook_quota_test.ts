import assert from "node:assert/strict";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { WEBHOOK_MAX_BYTES_PER_DAY } from "../../../supabase/functions/calcom-webhook/webhook_quota.ts";

/** A BOOKING_CREATED body for booking `uid`, its description padded to about `padBytes`. */
function createdBody(uid: string, padBytes = 0, trigger = "BOOKING_CREATED"): string {
  const fixture = webhookFixture("BOOKING_CREATED");
  return JSON.stringify({
    ...fixture,
    triggerEvent: trigger,
    payload: { ...fixture.payload as object, uid, description: "x".repeat(padBytes) },
  });
}

async function counts(env: TestStack, connectionId: string) {
  const [row] = await env.db.sql<{ events: number; bookings: number }[]>`
    select
      (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = ${connectionId})
        as events,
      (select count(*)::int from public.calcom_bookings where calcom_connection_id = ${connectionId})
        as bookings`;
  return row;
}

async function deferrals(env: TestStack, connectionId: string) {
  const rows = await env.db.sql<{ booking_uid: string | null; trigger_event: string | null }[]>`
    select booking_uid, trigger_event from public.calcom_webhook_deferrals
    where calcom_connection_id = ${connectionId} order by booking_uid nulls last`;
  return rows.map((r) => ({ booking_uid: r.booking_uid, trigger_event: r.trigger_event }));
}

Deno.test("a connection's signed deliveries are stored within their quota", async (t) => {
  await using env = await startTestStack({
    apps: { webhook: { quota: { maxPerMinute: 3, maxDeferred: 3 } } },
    sandbox: false,
  });

  await t.step(
    "deliveries beyond the minute's quota are answered 202 and keep only the booking",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      for (const uid of ["uid-1", "uid-2", "uid-3"]) {
        const res = await env.deliver(connectionId, createdBody(uid), { secret: webhookSecret });
        assert.equal(res.status, 200);
        assert.equal((await res.json()).processed, true);
      }
      const beyond = await env.deliver(connectionId, createdBody("uid-4"), { secret: webhookSecret });
      assert.equal(beyond.status, 202);
      assert.deepEqual(await beyond.json(), {
        received: true,
        processed: false,
        event: "BOOKING_CREATED",
        eventId: null,
        deferred: true,
      });
      assert.deepEqual(await counts(env, connectionId), { events: 3, bookings: 3 });
      assert.deepEqual(await deferrals(env, connectionId), [{
        booking_uid: "uid-4",
        trigger_event: "BOOKING_CREATED",
      }]);
      env.advanceClock(60_000);
      const nextMinute = await env.deliver(connectionId, createdBody("uid-5"), { secret: webhookSecret });
      assert.equal(nextMinute.status, 200);
      assert.equal((await nextMinute.json()).processed, true);
      assert.deepEqual(await counts(env, connectionId), { events: 4, bookings: 4 });
    },
  );

  await t.step("a duplicate of a stored delivery costs no quota and is still answered as one", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const first = createdBody("uid-dup");
    assert.equal((await env.deliver(connectionId, first, { secret: webhookSecret })).status, 200);
    for (let i = 0; i < 4; i++) {
      const again = await env.deliver(connectionId, first, { secret: webhookSecret });
      assert.equal(again.status, 200);
      assert.equal((await again.json()).duplicate, true);
    }
    for (const uid of ["uid-a", "uid-b"]) {
      assert.equal(
        (await env.deliver(connectionId, createdBody(uid), { secret: webhookSecret })).status,
        200,
      );
    }
    assert.deepEqual(await counts(env, connectionId), { events: 3, bookings: 3 });
    assert.deepEqual(await deferrals(env, connectionId), []);
  });

  await t.step(
    "deferred deliveries keep one record per booking, then one that asks for everything",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      for (const uid of ["uid-1", "uid-2", "uid-3"]) {
        assert.equal(
          (await env.deliver(connectionId, createdBody(uid), { secret: webhookSecret })).status,
          200,
        );
      }
      const deliveries: [string, string][] = [
        ["uid-x", "BOOKING_CREATED"],
        ["uid-x", "BOOKING_CANCELLED"],
        ["uid-y", "BOOKING_CREATED"],
        ["uid-z", "BOOKING_CREATED"],
        ["uid-w", "BOOKING_CREATED"],
        ["uid-v", "BOOKING_REQUESTED"],
      ];
      for (const [uid, trigger] of deliveries) {
        const res = await env.deliver(connectionId, createdBody(uid, 0, trigger), { secret: webhookSecret });
        assert.equal(res.status, 202);
        assert.equal((await res.json()).deferred, true);
      }
      assert.deepEqual(await deferrals(env, connectionId), [
        { booking_uid: "uid-x", trigger_event: "BOOKING_CANCELLED" },
        { booking_uid: "uid-y", trigger_event: "BOOKING_CREATED" },
        { booking_uid: "uid-z", trigger_event: "BOOKING_CREATED" },
        { booking_uid: null, trigger_event: "BOOKING_REQUESTED" },
      ]);
      assert.deepEqual(await counts(env, connectionId), { events: 3, bookings: 3 });
    },
  );

  await t.step("20 concurrent deliveries store exactly the minute's quota", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await env.deliver(connectionId, createdBody(`uid-${i}`), { secret: webhookSecret });
        await res.body?.cancel();
        return res.status;
      }),
    );
    assert.deepEqual(statuses.toSorted(), [...Array(3).fill(200), ...Array(17).fill(202)]);
    assert.deepEqual(await counts(env, connectionId), { events: 3, bookings: 3 });
    // three uids kept, then the record that asks for everything
    assert.equal((await deferrals(env, connectionId)).length, 4);
  });

  await t.step("one connection's quota leaves another connection's deliveries alone", async () => {
    const full = await env.connection();
    const other = await env.connection();
    for (const uid of ["uid-1", "uid-2", "uid-3", "uid-4"]) {
      await (await env.deliver(full.connectionId, createdBody(uid), { secret: full.webhookSecret })).body
        ?.cancel();
    }
    const res = await env.deliver(other.connectionId, createdBody("uid-1"), { secret: other.webhookSecret });
    assert.equal(res.status, 200);
    assert.deepEqual(await counts(env, other.connectionId), { events: 1, bookings: 1 });
  });
});

Deno.test("signed deliveries of half a megabyte store at most the day's bytes", async () => {
  await using env = await startTestStack({ apps: { webhook: true }, sandbox: false });
  // start the clock just after midnight UTC, so that the deliveries share one day
  const now = Date.now();
  env.advanceClock(Math.ceil(now / 86_400_000) * 86_400_000 + 1_000 - now);
  const { connectionId, webhookSecret } = await env.connection();
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) {
    // a new minute for each, so that only the bytes bound them
    env.advanceClock(60_000);
    const res = await env.deliver(connectionId, createdBody(`uid-${i}`, 480_000), { secret: webhookSecret });
    statuses.push(res.status);
    await res.body?.cancel();
  }
  const stored = Math.floor(WEBHOOK_MAX_BYTES_PER_DAY / 480_000);
  assert.deepEqual(statuses, [...Array(stored).fill(200), ...Array(30 - stored).fill(202)]);
  const [{ bytes }] = await env.db.sql<{ bytes: number }[]>`
    select sum(octet_length(payload::text))::int as bytes from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId}`;
  assert.ok(bytes <= WEBHOOK_MAX_BYTES_PER_DAY, `${bytes} bytes stored`);
  assert.equal((await deferrals(env, connectionId)).length, 30 - stored);
  env.advanceClock(86_400_000);
  const nextDay = await env.deliver(connectionId, createdBody("uid-next-day", 480_000), {
    secret: webhookSecret,
  });
  assert.equal(nextDay.status, 200);
  assert.equal((await nextDay.json()).processed, true);
});

Deno.test("owners read their own deferrals and nobody but the functions sees the counters", async () => {
  await using env = await startTestStack({
    apps: { webhook: { quota: { maxPerMinute: 1 } } },
    sandbox: false,
  });
  const mine = await env.connection();
  const stranger = await env.connection();
  for (const uid of ["uid-1", "uid-2"]) {
    await (await env.deliver(mine.connectionId, createdBody(uid), { secret: mine.webhookSecret })).body
      ?.cancel();
  }
  const as = (userId: string) => ({
    sub: userId,
    role: "authenticated" as const,
    claims: { sub: userId, role: "authenticated", aud: "authenticated" },
  });
  const seen = (userId: string) =>
    env.deps.db.asUser(as(userId), (tx) =>
      tx<{ booking_uid: string }[]>`
      select booking_uid from public.calcom_webhook_deferrals`);
  assert.deepEqual((await seen(mine.userId)).map((r) => r.booking_uid), ["uid-2"]);
  assert.deepEqual([...await seen(stranger.userId)], []);
  await assert.rejects(
    env.deps.db.asUser(as(mine.userId), (tx) => tx`select * from public.calcom_webhook_quotas`),
    /permission denied for table calcom_webhook_quotas/,
  );
  await assert.rejects(
    env.deps.db.asUser(as(mine.userId), (tx) => tx`delete from public.calcom_webhook_deferrals`),
    /permission denied for table calcom_webhook_deferrals/,
  );
});
