/**
 * calcom-connection against a misbehaving Cal.com (issue #14): listings that never end, answers of any
 * size and redirects to another origin all end the request quickly with a clear answer, and nothing is
 * sent anywhere but Cal.com.
 */
import assert from "node:assert/strict";
import { connectDeadlineMs } from "../../../supabase/functions/calcom-connection/app.ts";
import { createCalcomClient, maxWebhookPages } from "../../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import { maxResponseBytes } from "../../../supabase/functions/_shared/calcom/read_capped.ts";
import { startReceiver } from "../../calcom_sandbox/test_support.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";

Deno.test("calcom-connection ends every Cal.com conversation within its bounds", async (t) => {
  await using stack = await startTestStack({
    apps: { connection: true },
    env: { PUBLIC_FUNCTIONS_URL: "https://proj.example.com/functions/v1" },
    // No throttling, so only the client's own bounds can end a runaway conversation.
    sandbox: { rateLimit: { limit: 1_000_000 } },
  });
  const { sandbox } = stack;
  const connect = async (body: Record<string, unknown>, user?: StackUser) =>
    await invokeFunction((user ?? await stack.signUp()).client, FN, { method: "POST", body });
  /** A connect with the sandbox's faults set to `faults` for its duration. */
  const connectUnder = async (
    faults: Parameters<typeof sandbox.setFaults>[0],
    body: Record<string, unknown>,
  ) => {
    sandbox.setFaults(faults);
    try {
      return await connect(body);
    } finally {
      sandbox.setFaults({});
    }
  };
  const requestsTo = (method: string, path: string) =>
    sandbox.requests.filter((r) => r.method === method && r.path === path).length;

  /**
   * A connection whose Cal.com user has 250 unrelated webhooks, then one at our URL made by hand:
   * Cal.com lists ours on page 2, and creating ours again conflicts.
   */
  const userWithOurWebhookOnPage2 = async () => {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    const first = await connect({ apiKey: cal.apiKey, registerWebhook: false }, user);
    sandbox.seedWebhooks(cal.user.id, 250);
    const ours = await createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url }).createWebhook({
      subscriberUrl: first.body.webhookUrl,
      triggers: calcomWebhookTriggers,
      secret: "a-webhook-secret-set-by-hand-0123",
      active: true,
    });
    return { user, cal, ours };
  };

  await t.step("a webhook listed on the second page is found and replaced", async () => {
    const { user, cal, ours } = await userWithOurWebhookOnPage2();
    sandbox.resetRequests();
    const res = await connect({ apiKey: cal.apiKey }, user);
    assert.equal(res.status, 200);
    assert.equal(res.body.connection.webhookRegistered, true);
    assert.equal(requestsTo("GET", "/v2/webhooks"), 2);
    const hooks = sandbox.webhooks(cal.user.id);
    assert.equal(hooks.length, 251);
    assert.ok(!hooks.some((h) => h.id === ours.id));
  });

  await t.step(
    "when creating the webhook conflicts and Cal.com answers full pages for ever, listing stops at the page limit",
    async () => {
      const { user, cal, ours } = await userWithOurWebhookOnPage2();
      sandbox.resetRequests();
      sandbox.setFaults({ ignoreSkip: true, path: "/v2/webhooks" });
      try {
        const res = await connect({ apiKey: cal.apiKey }, user);
        assert.equal(res.status, 200);
        assert.equal(res.body.connection.webhookRegistered, false);
        assert.equal(
          res.body.connection.webhookError,
          `Cal.com did not register the webhook: Cal.com GET /v2/webhooks answered ${maxWebhookPages} full ` +
            "pages of 250: stopped listing",
        );
      } finally {
        sandbox.setFaults({});
      }
      assert.equal(requestsTo("POST", "/v2/webhooks"), 1);
      assert.equal(requestsTo("GET", "/v2/webhooks"), maxWebhookPages);
      assert.ok(sandbox.webhooks(cal.user.id).some((h) => h.id === ours.id), "nothing was deleted");
    },
  );

  await t.step("an answer over 16 MB is cut off and answered 502 calcom_unavailable", async () => {
    const cal = sandbox.addUser();
    const size = 4 * maxResponseBytes;
    sandbox.resetRequests();
    const res = await connectUnder({ oversizedBodyBytes: size, path: "/v2/me" }, { apiKey: cal.apiKey });
    assert.equal(res.status, 502);
    assert.deepEqual(res.body, {
      success: false,
      error: {
        code: "calcom_unavailable",
        message: "Cannot check the API key: Cal.com GET /v2/me: the answer exceeded 16 MB and was not read",
      },
    });
    assert.equal(requestsTo("GET", "/v2/me"), 1);
    const sent = sandbox.requests[0].bytesSent!;
    // A client reading to the end would have taken all of it; socket buffers hold some beyond the cap.
    assert.ok(sent < size, `${sent} bytes sent of ${size}`);
  });

  await t.step("a redirect to another origin is not followed and the key check answers 502", async () => {
    await using elsewhere = startReceiver();
    const cal = sandbox.addUser();
    sandbox.resetRequests();
    const res = await connectUnder({ redirectTo: new URL(elsewhere.url).origin, path: "/v2/me" }, {
      apiKey: cal.apiKey,
    });
    assert.equal(res.status, 502);
    assert.deepEqual(res.body, {
      success: false,
      error: {
        code: "calcom_unavailable",
        message:
          "Cannot check the API key: Cal.com GET /v2/me answered 307 (a redirect): redirects are not followed",
      },
    });
    assert.deepEqual(elsewhere.received, []);
    assert.equal(requestsTo("GET", "/v2/me"), 1);
  });

  await t.step("a redirect of the webhook's creation sends its secret nowhere and is reported", async () => {
    await using elsewhere = startReceiver();
    const cal = sandbox.addUser();
    sandbox.resetRequests();
    const res = await connectUnder({ redirectTo: new URL(elsewhere.url).origin, path: "/v2/webhooks" }, {
      apiKey: cal.apiKey,
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.connection.webhookRegistered, false);
    assert.equal(
      res.body.connection.webhookError,
      "Cal.com did not register the webhook: Cal.com POST /v2/webhooks answered 307 (a redirect): " +
        "redirects are not followed",
    );
    assert.deepEqual(elsewhere.received, []);
    assert.equal(requestsTo("POST", "/v2/webhooks"), 1);
    assert.deepEqual(sandbox.webhooks(cal.user.id), []);
  });
});

Deno.test("a connect request's Cal.com calls share one deadline fixed when the request arrived", async () => {
  const leftMs = 600;
  await using stack = await startTestStack({
    apps: { connection: true },
    env: { PUBLIC_FUNCTIONS_URL: "https://proj.example.com/functions/v1" },
    sandbox: { rateLimit: { limit: 1_000_000 } },
    // The app's clock says the request arrived long ago: only `leftMs` of its deadline remain.
    deps: () => ({ now: () => new Date(Date.now() - connectDeadlineMs + leftMs) }),
  });
  const { sandbox } = stack;
  const user = await stack.signUp();
  const cal = sandbox.addUser();
  const first = await invokeFunction(user.client, FN, {
    method: "POST",
    body: { apiKey: cal.apiKey, registerWebhook: false },
  });
  assert.equal(first.status, 201);
  sandbox.seedWebhooks(cal.user.id, 250);
  await createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url }).createWebhook({
    subscriberUrl: first.body.webhookUrl,
    triggers: calcomWebhookTriggers,
    active: true,
  });
  sandbox.resetRequests();
  // Each call alone is far within its own 20 s; together they pass the request's deadline.
  sandbox.setFaults({ ignoreSkip: true, latencyMs: 150, path: "/v2/webhooks" });
  const started = Date.now();
  let res;
  try {
    res = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  } finally {
    sandbox.setFaults({});
  }
  assert.equal(res.status, 200);
  assert.equal(res.body.connection.webhookRegistered, false);
  assert.match(res.body.connection.webhookError, /^Cal\.com did not register the webhook: .*deadline/);
  const pages = sandbox.requests.filter((r) => r.method === "GET" && r.path === "/v2/webhooks").length;
  assert.ok(pages >= 1 && pages < maxWebhookPages, `${pages} pages`);
  assert.ok(Date.now() - started < 20 * 150, "ended before the page limit could end it");
});
