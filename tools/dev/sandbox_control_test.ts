import assert from "node:assert/strict";
import { startSandbox } from "../calcom_sandbox/mod.ts";
import { createSandboxControl } from "./sandbox_control.ts";

/** A real HTTP receiver standing in for the webhook function: records what arrives, answers 200. */
function startReceiver() {
  const received: { path: string; trigger: string; signature: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    received.push({
      path: new URL(req.url).pathname,
      trigger: body.triggerEvent,
      signature: req.headers.get("x-cal-signature-256"),
    });
    return Response.json({ received: true });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, received, close: () => server.shutdown() };
}

async function setUp() {
  const sandbox = await startSandbox({ seed: 1, subscriberUrlRules: "self-hosted" });
  const { user, apiKey } = sandbox.addUser({ username: "dev" });
  sandbox.seedBookings(user.id, 20, { seed: 1 });
  const receiver = startReceiver();
  const created = await fetch(`${sandbox.url}/v2/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      subscriberUrl: `${receiver.url}/calcom-webhook/c1`,
      triggers: ["BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED"],
      active: true,
      secret: "whsec-dev",
    }),
  });
  assert.equal(created.status, 201);
  await created.body?.cancel();
  const app = createSandboxControl({ sandbox, userId: user.id, apiKey });
  return {
    sandbox,
    user,
    apiKey,
    receiver,
    app,
    async [Symbol.asyncDispose]() {
      await receiver.close();
      await sandbox.close();
    },
  };
}

function post(path: string, body?: unknown): RequestInit & { path: string } {
  return {
    path,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

Deno.test("the control overview shows the sandbox URL, the dev key and the registered webhook", async () => {
  await using t = await setUp();
  const res = await t.app.request("/_dev/sandbox");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.url, t.sandbox.url);
  assert.equal(body.apiKey, t.apiKey);
  assert.equal(body.bookings, t.sandbox.bookings(t.user.id).length);
  assert.deepEqual(body.webhooks.map((w: { subscriberUrl: string }) => w.subscriberUrl), [
    `${t.receiver.url}/calcom-webhook/c1`,
  ]);
  assert.equal(JSON.stringify(body).includes("whsec-dev"), false);
});

Deno.test("cancelling through the control cancels in the sandbox and delivers the signed webhook first", async () => {
  await using t = await setUp();
  const list = await (await t.app.request("/_dev/sandbox/bookings?status=accepted&limit=5")).json();
  assert.equal(list.bookings.length, 5);
  const uid = list.bookings[0].uid;

  const { path, ...init } = post(`/_dev/sandbox/bookings/${uid}/cancel`, { reason: "Travel plans changed" });
  const res = await t.app.request(path, init);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.booking.uid, uid);
  assert.equal(body.booking.status, "cancelled");
  assert.deepEqual(body.deliveries, [
    { trigger: "BOOKING_CANCELLED", url: `${t.receiver.url}/calcom-webhook/c1`, status: 200 },
  ]);
  assert.equal(t.sandbox.booking(uid)?.status, "cancelled");
  assert.equal(t.receiver.received.length, 1);
  assert.equal(t.receiver.received[0].trigger, "BOOKING_CANCELLED");
  assert.match(t.receiver.received[0].signature ?? "", /^[0-9a-f]{64}$/);
});

Deno.test("creating and rescheduling through the control deliver BOOKING_CREATED and BOOKING_RESCHEDULED", async () => {
  await using t = await setUp();
  const start = new Date(Date.now() + 3 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const create = post("/_dev/sandbox/bookings", { start: start.toISOString(), title: "Intro call" });
  const created = await (await t.app.request(create.path, create)).json();
  assert.equal(created.booking.start, start.toISOString());
  assert.deepEqual(created.deliveries.map((d: { trigger: string }) => d.trigger), ["BOOKING_CREATED"]);

  const later = new Date(start.getTime() + 86_400_000).toISOString();
  const reschedule = post(`/_dev/sandbox/bookings/${created.booking.uid}/reschedule`, { start: later });
  const res = await t.app.request(reschedule.path, reschedule);
  assert.equal(res.status, 200);
  const moved = await res.json();
  assert.notEqual(moved.booking.uid, created.booking.uid);
  assert.deepEqual(moved.deliveries.map((d: { trigger: string }) => d.trigger), ["BOOKING_RESCHEDULED"]);
  assert.equal(t.sandbox.booking(created.booking.uid)?.status, "cancelled");

  const deliveries = await (await t.app.request("/_dev/sandbox/deliveries")).json();
  assert.deepEqual(deliveries.deliveries.map((d: { trigger: string }) => d.trigger), [
    "BOOKING_CREATED",
    "BOOKING_RESCHEDULED",
  ]);
});

Deno.test("an unknown booking uid keeps the sandbox's Cal.com status, and a bad body is a 400", async () => {
  await using t = await setUp();
  const cancel = post("/_dev/sandbox/bookings/no-such-uid/cancel");
  const res = await t.app.request(cancel.path, cancel);
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.success, false);
  assert.equal(body.error.code, "calcom_error");

  const bad = post(`/_dev/sandbox/bookings/x/reschedule`, { start: "tomorrow" });
  const badRes = await t.app.request(bad.path, bad);
  assert.equal(badRes.status, 400);
  assert.equal((await badRes.json()).error.code, "invalid_request");
  assert.equal(t.receiver.received.length, 0);
});
