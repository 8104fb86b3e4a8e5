/**
 * calcom-connection and the subscriber URL rules of Cal.com's cloud and of a self-hosted Cal.com: a URL the
 * cloud would refuse is refused here first, with what to set; a self-hosted Cal.com takes http URLs; every
 * webhook is registered with its payload version pinned.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";

/** A stack whose functions believe Cal.com is its cloud (api.cal.com) while their calls reach the sandbox. */
async function cloudStack(publicFunctionsUrl: string) {
  let sandboxUrl = "";
  const stack = await startTestStack({
    apps: { connection: true },
    sandbox: { subscriberUrlRules: "cloud" },
    env: { CALCOM_API_URL: "https://api.cal.com", PUBLIC_FUNCTIONS_URL: publicFunctionsUrl },
    deps: () => ({
      calcom: (apiKey, options) => createCalcomClient({ ...options, apiKey, baseUrl: sandboxUrl }),
    }),
  });
  sandboxUrl = stack.sandbox.url;
  return stack;
}

Deno.test("with Cal.com's cloud an http functions URL is refused before calling Cal.com, and the connect succeeds", async () => {
  await using stack = await cloudStack("http://proj.example.com/functions/v1");
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  const res = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  assert.equal(res.status, 201);
  assert.equal(res.body.connection.webhookRegistered, false);
  assert.equal(
    res.body.connection.webhookError,
    "Not registered: Cal.com's cloud accepts only HTTPS webhook URLs, and the functions URL is " +
      "http://proj.example.com/functions/v1 (set PUBLIC_FUNCTIONS_URL to the functions' public https:// URL)",
  );
  assert.match(
    res.body.message,
    /webhook not registered: the functions URL is not one Cal\.com's cloud accepts$/,
  );
  assert.deepEqual(stack.sandbox.requests.filter((r) => r.path.startsWith("/v2/webhooks")), []);
  assert.deepEqual(stack.sandbox.webhooks(cal.user.id), []);
});

Deno.test("with Cal.com's cloud a private https functions URL is refused with the reason", async () => {
  await using stack = await cloudStack("https://10.0.0.5/functions/v1");
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  const res = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  assert.equal(res.status, 201);
  assert.equal(res.body.connection.webhookRegistered, false);
  assert.match(
    res.body.connection.webhookError,
    /^Not registered: Cal\.com's cloud refuses webhook URLs on localhost and private addresses, .*PUBLIC_FUNCTIONS_URL/,
  );
  assert.deepEqual(stack.sandbox.requests.filter((r) => r.path.startsWith("/v2/webhooks")), []);
});

Deno.test("with Cal.com's cloud a public https functions URL is registered", async () => {
  await using stack = await cloudStack("https://proj.example.com/functions/v1");
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  const res = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  assert.equal(res.status, 201);
  assert.equal(res.body.connection.webhookRegistered, true);
  assert.equal(stack.sandbox.webhooks(cal.user.id).length, 1);
});

Deno.test("a self-hosted Cal.com takes an http functions URL, and the webhook's payload version is pinned", async () => {
  await using stack = await startTestStack({
    apps: { connection: true },
    // a Cal.com whose default payload version is newer than the one the webhook function reads
    sandbox: { subscriberUrlRules: "self-hosted", defaultWebhookVersion: "2026-07-27" },
    env: { PUBLIC_FUNCTIONS_URL: "http://calcom-functions.example.org/functions/v1" },
  });
  const user = await stack.signUp();
  const cal = stack.sandbox.addUser();
  const res = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  assert.equal(res.status, 201);
  assert.equal(res.body.connection.webhookRegistered, true);
  assert.equal(res.body.connection.webhookError, null);
  const [hook] = stack.sandbox.webhooks(cal.user.id) as { id: string; triggers: string[] }[];
  assert.ok(hook.triggers.includes("BOOKING_LOCATION_UPDATED"));
  assert.ok(hook.triggers.includes("BOOKING_REASSIGNED"));
  const got = await fetch(`${stack.sandbox.url}/v2/webhooks/${hook.id}`, {
    headers: { authorization: `Bearer ${cal.apiKey}` },
  });
  assert.equal((await got.json()).data.version, "2021-10-20");
});
