import assert from "node:assert/strict";
import { HTTPException } from "hono/http-exception";
import { webhookFixture } from "../../testing/fixtures/webhooks/mod.ts";
import { goneAsNotFound } from "../../../supabase/functions/calcom-webhook/receive_delivery.ts";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";

Deno.test("a write refused because its connection was just deleted answers 404", async () => {
  const refused = Promise.reject(Object.assign(new Error("insert violates foreign key"), { code: "23503" }));
  await assert.rejects(goneAsNotFound(refused), (err: unknown) => {
    assert.ok(err instanceof HTTPException);
    assert.equal(err.status, 404);
    return true;
  });
});

Deno.test("other write failures pass through unchanged", async () => {
  const failure = Object.assign(new Error("deadlock detected"), { code: "40P01" });
  await assert.rejects(goneAsNotFound(Promise.reject(failure)), (err: unknown) => err === failure);
  assert.equal(await goneAsNotFound(Promise.resolve(7)), 7);
});

/** A BOOKING_CREATED body with its own title, so each delivery is a new event. */
function createdBody(title: string): string {
  const fixture = webhookFixture("BOOKING_CREATED");
  return JSON.stringify({ ...fixture, payload: { ...fixture.payload as object, title } });
}

async function eventRows(env: TestStack, connectionId: string) {
  return await env.db.sql<{ processed: boolean; error_message: string | null }[]>`
    select processed, error_message from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} order by received_at, id`;
}

Deno.test("deliveries reuse a connection read, and see a pause or a new secret at once", async (t) => {
  await using env = await startTestStack({ apps: { webhook: true }, sandbox: false });

  await t.step(
    "a connection paused after a delivery is not processed from the next delivery on",
    async () => {
      const { connectionId, webhookSecret } = await env.connection();
      const first = await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret });
      assert.equal(first.status, 200);
      assert.equal((await first.json()).processed, true);
      // as the connection function pauses it: the owner's update of is_active
      await env.db.sql`update public.calcom_connections set is_active = false where id = ${connectionId}`;
      const paused = await env.deliver(connectionId, createdBody("two"), { secret: webhookSecret });
      assert.equal(paused.status, 200);
      const receipt = await paused.json();
      assert.deepEqual([receipt.received, receipt.processed, receipt.event], [
        true,
        false,
        "BOOKING_CREATED",
      ]);
      const rows = await eventRows(env, connectionId);
      assert.deepEqual(rows.map((r) => r.processed), [true, false]);
      assert.match(rows[1].error_message ?? "", /paused/);
      const [{ title }] = await env.db.sql<{ title: string }[]>`
      select title from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
      assert.equal(title, "one");
    },
  );

  await t.step("a connection resumed after a paused delivery is processed from the next one on", async () => {
    const { connectionId, webhookSecret } = await env.connection({ isActive: false });
    const paused = await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret });
    assert.equal((await paused.json()).processed, false);
    await env.db.sql`update public.calcom_connections set is_active = true where id = ${connectionId}`;
    const resumed = await env.deliver(connectionId, createdBody("two"), { secret: webhookSecret });
    assert.equal(resumed.status, 200);
    assert.equal((await resumed.json()).processed, true);
    assert.deepEqual((await eventRows(env, connectionId)).map((r) => r.processed), [false, true]);
  });

  await t.step("a replaced webhook secret refuses the old one at the very next delivery", async () => {
    const { connectionId, userId, webhookSecret } = await env.connection();
    const first = await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret });
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const newSecret = `whsec_${crypto.randomUUID()}`;
    await env.db.sql`
      update public.calcom_connections
      set webhook_secret_encrypted = ${await env.deps.secrets.encrypt(
      newSecret,
      connectionSecret("webhook_secret_encrypted", { id: connectionId, userId }),
    )}
      where id = ${connectionId}`;
    const old = await env.deliver(connectionId, createdBody("two"), { secret: webhookSecret });
    assert.equal(old.status, 401);
    assert.equal((await old.json()).error.details.reason, "signature_mismatch");
    const renewed = await env.deliver(connectionId, createdBody("three"), { secret: newSecret });
    assert.equal(renewed.status, 200);
    assert.equal((await renewed.json()).processed, true);
    const rows = await env.db.sql<{ verified: boolean; processed: boolean }[]>`
      select verified, processed from public.calcom_webhook_events
      where calcom_connection_id = ${connectionId} order by received_at, id`;
    assert.deepEqual(rows.map((r) => [r.verified, r.processed]), [[true, true], [false, false], [
      true,
      true,
    ]]);
    const [{ title }] = await env.db.sql<{ title: string }[]>`
      select title from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
    assert.equal(title, "three");
  });

  await t.step("a connection deleted after a delivery answers 404 at once and stores nothing", async () => {
    const { connectionId, webhookSecret } = await env.connection();
    assert.equal(
      (await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret })).status,
      200,
    );
    await env.db.sql`delete from public.calcom_connections where id = ${connectionId}`;
    for (const title of ["two", "three"]) {
      const res = await env.deliver(connectionId, createdBody(title), { secret: webhookSecret });
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), {
        success: false,
        error: { code: "not_found", message: "No Cal.com connection with this id" },
      });
    }
    assert.equal((await eventRows(env, connectionId)).length, 0);
  });

  await t.step("a new webhook secret verifies at once although the old one was read", async () => {
    const { connectionId, userId, webhookSecret } = await env.connection();
    assert.equal(
      (await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret })).status,
      200,
    );
    const newSecret = `whsec_${crypto.randomUUID()}`;
    const binding = connectionSecret("webhook_secret_encrypted", { id: connectionId, userId });
    await env.db.sql`
      update public.calcom_connections
      set webhook_secret_encrypted = ${await env.deps.secrets.encrypt(newSecret, binding)}
      where id = ${connectionId}`;
    const renewed = await env.deliver(connectionId, createdBody("two"), { secret: newSecret });
    assert.equal(renewed.status, 200);
    assert.equal((await renewed.json()).processed, true);
    const old = await env.deliver(connectionId, createdBody("three"), { secret: webhookSecret });
    assert.equal(old.status, 401);
    assert.equal((await old.json()).error.details.reason, "signature_mismatch");
    const rows = await env.db.sql<{ verified: boolean; processed: boolean }[]>`
      select verified, processed from public.calcom_webhook_events
      where calcom_connection_id = ${connectionId} order by received_at, id`;
    assert.deepEqual(rows.map((r) => [r.verified, r.processed]), [[true, true], [true, true], [
      false,
      false,
    ]]);
  });
});

Deno.test("forged deliveries cost one statement each and leave the connection read in place", async () => {
  await using env = await startTestStack({ apps: { webhook: { unverifiedPerHour: 2 } }, sandbox: false });
  const { connectionId, webhookSecret } = await env.connection();
  const decrypt = env.deps.secrets.decrypt;
  let decrypts = 0;
  env.deps.secrets.decrypt = (...args) => {
    decrypts++;
    return decrypt(...args);
  };
  assert.equal((await env.deliver(connectionId, createdBody("one"), { secret: webhookSecret })).status, 200);
  for (const title of ["forged 1", "forged 2", "forged 3"]) {
    const res = await env.deliver(connectionId, createdBody(title), { secret: "whsec_not_the_secret" });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error.details.reason, "signature_mismatch");
  }
  assert.equal((await env.deliver(connectionId, createdBody("two"), { secret: webhookSecret })).status, 200);
  // the connection was read and decrypted once, for the first delivery
  assert.equal(decrypts, 1);
  const rows = await env.db.sql<{ verified: boolean; verification_error: string | null }[]>`
    select verified, verification_error from public.calcom_webhook_events
    where calcom_connection_id = ${connectionId} order by received_at, id`;
  // two forged ones logged (the bound), the third answered but not logged
  assert.deepEqual(rows.map((r) => [r.verified, r.verification_error]), [
    [true, null],
    [false, "signature_mismatch"],
    [false, "signature_mismatch"],
    [true, null],
  ]);
});
