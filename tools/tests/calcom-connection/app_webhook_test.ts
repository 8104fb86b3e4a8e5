/**
 * calcom-connection with a public functions URL: the webhook is registered with the Cal.com sandbox,
 * reused or replaced on reconnect, and removed on disconnect.
 */
import assert from "node:assert/strict";
import { createCalcomClient } from "../../../supabase/functions/_shared/calcom/client.ts";
import { calcomWebhookTriggers } from "../../../supabase/functions/_shared/calcom/webhook_triggers.ts";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { tablesContaining } from "../../testing/database_scan.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";
const PUBLIC_URL = "https://proj.example.com/functions/v1";

Deno.test("calcom-connection registers, reuses and removes Cal.com webhooks for a public functions URL", async (t) => {
  await using stack = await startTestStack({
    apps: { connection: true },
    env: { PUBLIC_FUNCTIONS_URL: PUBLIC_URL },
  });
  const { sandbox } = stack;
  const responses: string[] = [];
  const keys: string[] = [];
  const call = async (
    user: StackUser,
    options: Parameters<typeof invokeFunction>[2] & { query?: string },
  ) => {
    const res = await invokeFunction(user.client, `${FN}${options.query ?? ""}`, options);
    responses.push(JSON.stringify(res.body));
    return res;
  };
  const connect = (user: StackUser, body: Record<string, unknown>) => call(user, { method: "POST", body });
  const addCalUser = () => {
    const added = sandbox.addUser();
    keys.push(added.apiKey);
    return added;
  };
  const storedSecret = async (id: string) => {
    const [row] = await stack.deps.db.sql`
      select user_id, webhook_secret_encrypted, calcom_webhook_id, calcom_webhook_error
      from public.calcom_connections where id = ${id}`;
    return {
      secret: await stack.deps.secrets.decrypt(
        row.webhook_secret_encrypted,
        connectionSecret("webhook_secret_encrypted", { id, userId: row.user_id }),
      ),
      webhookId: row.calcom_webhook_id as string | null,
      error: row.calcom_webhook_error as string | null,
    };
  };

  await t.step("a public functions URL registers the webhook with our secret and every trigger", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const res = await connect(user, { apiKey: cal.apiKey });
    assert.equal(res.status, 201);
    const id = res.body.connection.id;
    assert.equal(res.body.webhookUrl, `${PUBLIC_URL}/calcom-webhook/${id}`);
    assert.equal(res.body.connection.webhookRegistered, true);
    assert.equal(res.body.connection.webhookError, null);
    assert.match(res.body.message, /webhook registered$/);

    const stored = await storedSecret(id);
    const hooks = sandbox.webhooks(cal.user.id);
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].id, stored.webhookId);
    assert.equal(hooks[0].subscriberUrl, res.body.webhookUrl);
    assert.equal(hooks[0].active, true);
    assert.equal(hooks[0].secret, stored.secret);
    assert.deepEqual(hooks[0].triggers, [...calcomWebhookTriggers]);
  });

  await t.step("reconnecting reuses the webhook registered before", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const first = await connect(user, { apiKey: cal.apiKey });
    const before = await storedSecret(first.body.connection.id);
    const again = await connect(user, { apiKey: cal.apiKey });
    assert.equal(again.status, 200);
    assert.equal(again.body.connection.webhookRegistered, true);
    const after = await storedSecret(first.body.connection.id);
    assert.equal(after.webhookId, before.webhookId);
    assert.equal(after.secret, before.secret);
    assert.equal(sandbox.webhooks(cal.user.id).length, 1);
  });

  await t.step("a webhook at our URL with another secret is replaced by one with ours", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const first = await connect(user, { apiKey: cal.apiKey, registerWebhook: false });
    const url = first.body.webhookUrl;
    const manual = await createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url }).createWebhook({
      subscriberUrl: url,
      triggers: ["BOOKING_CREATED"],
      secret: "someone-elses-secret-value",
      active: true,
    });

    const res = await connect(user, { apiKey: cal.apiKey });
    assert.equal(res.status, 200);
    assert.equal(res.body.connection.webhookRegistered, true);
    const stored = await storedSecret(first.body.connection.id);
    const hooks = sandbox.webhooks(cal.user.id);
    assert.equal(hooks.length, 1);
    assert.notEqual(hooks[0].id, manual.id);
    assert.equal(hooks[0].id, stored.webhookId);
    assert.equal(hooks[0].secret, stored.secret);
    assert.deepEqual(hooks[0].triggers, [...calcomWebhookTriggers]);
  });

  await t.step("a given webhook secret is used, and a matching webhook made by hand is reused", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const secret = "a-hand-picked-secret-0123456789";
    const first = await connect(user, { apiKey: cal.apiKey, webhookSecret: secret, registerWebhook: false });
    assert.equal(first.body.connection.webhookRegistered, false);
    assert.equal(first.body.connection.webhookError, null);
    assert.deepEqual(sandbox.webhooks(cal.user.id), []);
    const manual = await createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url }).createWebhook({
      subscriberUrl: first.body.webhookUrl,
      triggers: calcomWebhookTriggers,
      secret,
      active: true,
    });

    const res = await connect(user, { apiKey: cal.apiKey, webhookSecret: secret });
    assert.equal(res.status, 200);
    const stored = await storedSecret(first.body.connection.id);
    assert.equal(stored.secret, secret);
    assert.equal(stored.webhookId, manual.id);
    assert.equal(sandbox.webhooks(cal.user.id).length, 1);
    assert.ok(!responses.some((r) => r.includes(secret)));
  });

  await t.step(
    "a failed registration still connects and reports webhookRegistered false with the reason",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      sandbox.setFaults({ errorRate: 1, path: "/v2/webhooks" });
      try {
        const res = await connect(user, { apiKey: cal.apiKey });
        assert.equal(res.status, 201);
        assert.equal(res.body.success, true);
        assert.equal(res.body.connection.webhookRegistered, false);
        assert.match(res.body.connection.webhookError, /^Cal\.com did not register the webhook: /);
        assert.match(res.body.message, /the webhook could not be registered/);
        const stored = await storedSecret(res.body.connection.id);
        assert.equal(stored.webhookId, null);
        assert.equal(stored.error, res.body.connection.webhookError);
      } finally {
        sandbox.setFaults({});
      }
      assert.deepEqual(sandbox.webhooks(cal.user.id), []);
    },
  );

  await t.step("a Cal.com error that echoes the request body leaks the webhook secret nowhere", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    // Quote and backslash come back JSON-escaped in the echo, not as they were sent
    const secret = 'echo"me\\back-0123456789';
    sandbox.setFaults({ errorRate: 1, path: "/v2/webhooks", echoRequestBody: true });
    try {
      const res = await connect(user, { apiKey: cal.apiKey, webhookSecret: secret });
      assert.equal(res.status, 201);
      assert.match(
        res.body.connection.webhookError,
        /^Cal\.com did not register the webhook: .*Invalid request body/,
      );
      assert.match(res.body.connection.webhookError, /\[redacted\]/);
    } finally {
      sandbox.setFaults({});
    }
    assert.ok(stack.logs.some((line) => line.includes("webhook not registered")));
    for (
      const form of [secret, JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret))]
    ) {
      assert.ok(!stack.logs.some((line) => line.includes(form)), `secret in a log line as ${form}`);
      assert.ok(!responses.some((r) => r.includes(form)), `secret in a response as ${form}`);
    }
    assert.deepEqual(await tablesContaining(stack.deps.db.sql, "back-0123456789"), []);
  });

  await t.step(
    "rotateWebhookSecret replaces the secret in the database and in Cal.com's webhook",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      const first = await connect(user, { apiKey: cal.apiKey });
      const id = first.body.connection.id;
      const before = await storedSecret(id);
      const res = await connect(user, { apiKey: cal.apiKey, rotateWebhookSecret: true });
      assert.equal(res.status, 200);
      assert.equal(res.body.connection.webhookRegistered, true);
      assert.match(res.body.message, /webhook registered$/);
      const after = await storedSecret(id);
      assert.notEqual(after.secret, before.secret);
      assert.match(after.secret, /^[0-9a-f]{64}$/);
      const hooks = sandbox.webhooks(cal.user.id);
      assert.equal(hooks.length, 1);
      assert.equal(hooks[0].id, after.webhookId);
      assert.equal(hooks[0].secret, after.secret);
      assert.ok(!responses.some((r) => r.includes(after.secret) || r.includes(before.secret)));
    },
  );

  await t.step("DELETE removes the webhook in Cal.com, then the connection", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const created = await connect(user, { apiKey: cal.apiKey });
    assert.equal(sandbox.webhooks(cal.user.id).length, 1);
    const res = await call(user, { method: "DELETE", query: `?id=${created.body.connection.id}` });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      success: true,
      message: `Disconnected Cal.com account ${cal.user.username}`,
    });
    assert.deepEqual(sandbox.webhooks(cal.user.id), []);
    const rows = await stack.deps.db.sql`select 1 from public.calcom_connections where user_id = ${user.id}`;
    assert.equal(rows.length, 0);
  });

  await t.step(
    "DELETE of a connection whose webhook is already gone at Cal.com succeeds quietly",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      await connect(user, { apiKey: cal.apiKey });
      const client = createCalcomClient({ apiKey: cal.apiKey, baseUrl: sandbox.url });
      for (const hook of await client.listWebhooks()) await client.deleteWebhook(hook.id);
      const res = await call(user, { method: "DELETE" });
      assert.equal(res.status, 200);
      assert.equal(res.body.message, `Disconnected Cal.com account ${cal.user.username}`);
    },
  );

  await t.step("DELETE disconnects even when the webhook cannot be removed, and says so", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    await connect(user, { apiKey: cal.apiKey });
    sandbox.setFaults({ errorRate: 1, path: "/v2/webhooks" });
    try {
      const res = await call(user, { method: "DELETE" });
      assert.equal(res.status, 200);
      assert.match(res.body.message, /its Cal\.com webhook could not be removed: delete it in Cal\.com/);
    } finally {
      sandbox.setFaults({});
    }
    const rows = await stack.deps.db.sql`select 1 from public.calcom_connections where user_id = ${user.id}`;
    assert.equal(rows.length, 0);
    assert.equal(sandbox.webhooks(cal.user.id).length, 1);
    const warning = stack.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "webhook not removed");
    assert.ok(warning);
    assert.equal(warning.level, "warn");
    assert.equal(warning.error.name, "CalcomError");
  });

  await t.step("no API key or webhook secret appears in the database, a response or a log line", async () => {
    const secrets = [...keys];
    for (const cal of keys) {
      const client = createCalcomClient({ apiKey: cal, baseUrl: sandbox.url });
      for (const hook of await client.listWebhooks()) if (hook.secret) secrets.push(hook.secret);
    }
    assert.ok(secrets.length > keys.length);
    for (const secret of secrets) {
      assert.deepEqual(await tablesContaining(stack.deps.db.sql, secret), [], "secret in the database");
      assert.ok(!responses.some((r) => r.includes(secret)), "secret in a response");
      assert.ok(!stack.logs.some((line) => line.includes(secret)), "secret in a log line");
    }
  });
});
