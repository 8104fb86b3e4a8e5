import assert from "node:assert/strict";
import { type DevWebhookResult, withDevWebhookRegistration } from "./dev_webhooks.ts";

/** A stand-in connection function answering like the real one when the functions URL is local. */
function connectionFunction(status = 201) {
  return (_request: Request) =>
    Response.json({
      success: true,
      message: "Connected Cal.com account dev-host; webhook not registered: the functions URL is local",
      connection: { id: "c1", webhookRegistered: false, webhookError: "Not registered: local address" },
    }, { status });
}

function post(body: unknown) {
  return new Request("http://x/calcom-connection", { method: "POST", body: JSON.stringify(body) });
}

Deno.test("after a successful connect the dev server registers the webhook and the answer says so", async () => {
  const calls: string[] = [];
  const lines: string[] = [];
  const handler = withDevWebhookRegistration(
    connectionFunction(),
    (id): Promise<DevWebhookResult> => {
      calls.push(id);
      return Promise.resolve({
        status: "registered",
        webhookId: "w1",
        url: "http://127.0.0.1/fn/calcom-webhook/c1",
      });
    },
    (line) => lines.push(line),
  );
  const res = await handler(post({ apiKey: "cal_test_x" }));
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("x-dev-webhook"), "registered-by-dev-server");
  const body = await res.json();
  assert.deepEqual(body.connection, { id: "c1", webhookRegistered: true, webhookError: null });
  assert.match(body.message, /the dev server registered it with the Cal\.com sandbox instead\)$/);
  assert.deepEqual(calls, ["c1"]);
  assert.deepEqual(lines, [
    "dev: registered the sandbox webhook http://127.0.0.1/fn/calcom-webhook/c1 (the function skips local URLs)",
  ]);
});

Deno.test("a connect that asks to skip the webhook, a failed connect and a GET are passed through untouched", async () => {
  const calls: string[] = [];
  const register = (id: string): Promise<DevWebhookResult> => {
    calls.push(id);
    return Promise.resolve({ status: "already-registered" });
  };
  const skip = await withDevWebhookRegistration(connectionFunction(), register, () => {})(
    post({ apiKey: "cal_test_x", registerWebhook: false }),
  );
  assert.equal((await skip.json()).connection.webhookRegistered, false);
  const failed = await withDevWebhookRegistration(connectionFunction(400), register, () => {})(post({}));
  assert.equal(failed.status, 400);
  const get = await withDevWebhookRegistration(connectionFunction(200), register, () => {})(
    new Request("http://x/calcom-connection"),
  );
  assert.equal((await get.json()).connection.webhookRegistered, false);
  assert.deepEqual(calls, []);
});

Deno.test("a webhook the sandbox refuses is logged and the function's answer is kept", async () => {
  const lines: string[] = [];
  const handler = withDevWebhookRegistration(
    connectionFunction(),
    () => Promise.resolve({ status: "failed", error: "Cal.com did not register the webhook: 400" }),
    (line) => lines.push(line),
  );
  const res = await handler(post({ apiKey: "cal_test_x" }));
  assert.equal(res.headers.get("x-dev-webhook"), null);
  assert.equal((await res.json()).connection.webhookRegistered, false);
  assert.deepEqual(lines, [
    "dev: could not register the sandbox webhook: Cal.com did not register the webhook: 400",
  ]);
});

Deno.test("an OAuth callback that connected an account registers its webhook; a failed one does not", async () => {
  const calls: string[] = [];
  const lines: string[] = [];
  const register = (id: string): Promise<DevWebhookResult> => {
    calls.push(id);
    return Promise.resolve({
      status: "registered",
      webhookId: "w2",
      url: `http://127.0.0.1/fn/calcom-webhook/${id}`,
    });
  };
  const callback = (location: string) => (_request: Request) =>
    new Response(null, { status: 302, headers: { location } });
  const request = new Request("http://x/calcom-connection/oauth/callback?code=c&state=s");
  const connected = await withDevWebhookRegistration(
    callback("http://127.0.0.1:54321/?calcom_status=connected&calcom_connection_id=c2"),
    register,
    (line) => lines.push(line),
  )(request);
  assert.equal(connected.status, 302);
  assert.equal(
    connected.headers.get("location"),
    "http://127.0.0.1:54321/?calcom_status=connected&calcom_connection_id=c2",
  );
  const denied = await withDevWebhookRegistration(
    callback("http://127.0.0.1:54321/?calcom_status=error&calcom_error=access_denied"),
    register,
    (line) => lines.push(line),
  )(request);
  assert.equal(denied.status, 302);
  assert.deepEqual(calls, ["c2"]);
  assert.deepEqual(lines, [
    "dev: registered the sandbox webhook http://127.0.0.1/fn/calcom-webhook/c2 (the function skips local URLs)",
  ]);
});
