import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

const hook = {
  subscriberUrl: "https://proj.supabase.co/functions/v1/calcom-webhook/abc",
  triggers: ["BOOKING_CREATED", "BOOKING_CANCELLED"],
  active: true,
  secret: "s3cr3t-value",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

Deno.test("creating a webhook answers 201 with a UUID id and the secret echoed", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { ...hook, unknownField: 1 },
    headers: { "cal-api-version": "" },
  });
  assert.equal(res.status, 201);
  const data = res.json.data as Record<string, unknown>;
  assert.match(data.id as string, UUID);
  assert.deepEqual(data, {
    payloadTemplate: null,
    triggers: hook.triggers,
    id: data.id,
    subscriberUrl: hook.subscriberUrl,
    active: true,
    secret: "s3cr3t-value",
    userId: user.id,
  });
  assert.deepEqual(sandbox.webhooks(user.id), [data]);
});

Deno.test("a webhook without a secret stores null", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const { secret: _, ...noSecret } = hook;
  const res = await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: noSecret });
  assert.equal(res.status, 201);
  assert.equal((res.json.data as { secret: unknown }).secret, null);
});

Deno.test("a second webhook with the same subscriber URL is a 409 for the same user only", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const other = sandbox.addUser();
  assert.equal((await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: hook })).status, 201);
  const dup = await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: hook });
  assert.equal(dup.status, 409);
  assert.deepEqual(dup.json.error, {
    code: "ConflictException",
    message: "Webhook with this subscriber url already exists for this user",
  });
  assert.equal(
    (await calFetch(sandbox, other.apiKey, "/v2/webhooks", { method: "POST", body: hook })).status,
    201,
  );
});

Deno.test("invalid webhook bodies are 400s", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const cases: Array<[unknown, string]> = [
    [{ triggers: ["BOOKING_CREATED"], active: true }, "Bad Request Exception"],
    [{ ...hook, triggers: ["BOOKING_CONFIRMED"] }, "Bad Request Exception"],
    [{ ...hook, active: "yes" }, "Bad Request Exception"],
    [
      { ...hook, triggers: ["DELEGATION_CREDENTIAL_ERROR"] },
      "DELEGATION_CREDENTIAL_ERROR trigger is only available for organization webhooks",
    ],
    [{ ...hook, subscriberUrl: "not a url" }, "Webhook URL is not allowed: Invalid URL format"],
  ];
  for (const [body, message] of cases) {
    const res = await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual(res.json.error, { code: "BadRequestException", message });
  }
});

Deno.test("by default the sandbox applies the cloud's subscriber URL rules and messages", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const cases: Array<[string, string]> = [
    ["http://proj.example.com/functions/v1/calcom-webhook/x", "Only HTTPS URLs are allowed"],
    ["http://127.0.0.1:54321/functions/v1/calcom-webhook/x", "Only HTTPS URLs are allowed"],
    ["https://localhost/functions/v1/calcom-webhook/x", "Blocked hostname"],
    ["https://metadata.google.internal/computeMetadata", "Blocked hostname"],
    ["https://10.0.0.7/functions/v1/calcom-webhook/x", "Private IP address"],
    ["https://192.168.1.20/hook", "Private IP address"],
    ["https://[fd12::1]/hook", "Private IP address"],
    ["not a url", "Invalid URL format"],
  ];
  for (const [subscriberUrl, reason] of cases) {
    const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
      method: "POST",
      body: { ...hook, subscriberUrl },
    });
    assert.equal(res.status, 400, subscriberUrl);
    assert.deepEqual(res.json.error, {
      code: "BadRequestException",
      message: `Webhook URL is not allowed: ${reason}`,
    });
  }
  const ok = await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: hook });
  assert.equal(ok.status, 201);
});

Deno.test("in self-hosted mode http and private subscriber URLs are accepted, metadata hosts are not", async () => {
  await using sandbox = await startSandbox({ subscriberUrlRules: "self-hosted" });
  const { apiKey } = sandbox.addUser();
  for (
    const subscriberUrl of ["http://127.0.0.1:54321/functions/v1/calcom-webhook/x", "http://10.0.0.7/hook"]
  ) {
    const res = await calFetch(sandbox, apiKey, "/v2/webhooks", {
      method: "POST",
      body: { ...hook, subscriberUrl },
    });
    assert.equal(res.status, 201, subscriberUrl);
  }
  const metadata = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { ...hook, subscriberUrl: "http://169.254.169.254/latest" },
  });
  assert.equal(metadata.status, 400);
  assert.deepEqual(metadata.json.error, {
    code: "BadRequestException",
    message: "Webhook URL is not allowed: Blocked hostname",
  });
});

Deno.test("a webhook keeps the payload version it was created with, else the default", async () => {
  await using sandbox = await startSandbox({ defaultWebhookVersion: "2026-07-27" });
  const { apiKey } = sandbox.addUser();
  const version = async (body: Record<string, unknown>) => {
    const created = await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body });
    assert.equal(created.status, 201);
    const id = (created.json.data as { id: string }).id;
    return ((await calFetch(sandbox, apiKey, `/v2/webhooks/${id}`)).json.data as { version: string }).version;
  };
  assert.equal(await version({ ...hook, subscriberUrl: "https://example.com/a" }), "2026-07-27");
  assert.equal(
    await version({ ...hook, subscriberUrl: "https://example.com/b", version: "2021-10-20" }),
    "2021-10-20",
  );
  const bad = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { ...hook, subscriberUrl: "https://example.com/c", version: "2030-01-01" },
  });
  assert.equal(bad.status, 400);
});

Deno.test("the list is a plain array paged by take and skip", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  for (const n of [1, 2, 3]) {
    await calFetch(sandbox, apiKey, "/v2/webhooks", {
      method: "POST",
      body: { ...hook, subscriberUrl: `https://example.com/${n}` },
    });
  }
  const all = await calFetch(sandbox, apiKey, "/v2/webhooks");
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.json), ["status", "data"]);
  assert.deepEqual((all.json.data as Array<{ subscriberUrl: string }>).map((w) => w.subscriberUrl), [
    "https://example.com/1",
    "https://example.com/2",
    "https://example.com/3",
  ]);
  const page = await calFetch(sandbox, apiKey, "/v2/webhooks?take=1&skip=1");
  assert.deepEqual((page.json.data as Array<{ subscriberUrl: string }>).map((w) => w.subscriberUrl), [
    "https://example.com/2",
  ]);
  assert.equal((await calFetch(sandbox, apiKey, "/v2/webhooks?take=251")).status, 400);
});

Deno.test("get, patch and delete work on one's own webhook; delete answers with the deleted one", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const created = (await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: hook })).json
    .data as Record<string, unknown>;
  const id = created.id as string;

  const one = await calFetch(sandbox, apiKey, `/v2/webhooks/${id}`);
  assert.equal(one.status, 200);
  const data = one.json.data as Record<string, unknown>;
  assert.equal(data.id, id);
  assert.equal(data.secret, "s3cr3t-value");
  assert.equal(data.version, "2021-10-20");

  const patched = await calFetch(sandbox, apiKey, `/v2/webhooks/${id}`, {
    method: "PATCH",
    body: { triggers: ["BOOKING_RESCHEDULED"], active: false },
  });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.json.data, {
    ...created,
    triggers: ["BOOKING_RESCHEDULED"],
    active: false,
  });

  const deleted = await calFetch(sandbox, apiKey, `/v2/webhooks/${id}`, { method: "DELETE" });
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.json.data, patched.json.data);
  assert.deepEqual(sandbox.webhooks(user.id), []);
  const gone = await calFetch(sandbox, apiKey, `/v2/webhooks/${id}`);
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.json.error, { code: "NotFoundException", message: `Webhook (${id}) not found` });
});

Deno.test("someone else's webhook is a 403 from the owner guard", async () => {
  await using sandbox = await startSandbox();
  const owner = sandbox.addUser();
  const stranger = sandbox.addUser();
  const id = ((await calFetch(sandbox, owner.apiKey, "/v2/webhooks", { method: "POST", body: hook })).json
    .data as { id: string }).id;
  for (const method of ["GET", "PATCH", "DELETE"]) {
    const res = await calFetch(sandbox, stranger.apiKey, `/v2/webhooks/${id}`, {
      method,
      body: method === "PATCH" ? { active: false } : undefined,
    });
    assert.equal(res.status, 403, method);
    assert.deepEqual(res.json.error, {
      code: "ForbiddenException",
      message:
        `IsUserWebhookGuard - user with id=(${stranger.user.id}) is not the owner of webhook with id=(${id})`,
    });
  }
  assert.equal(sandbox.webhooks(owner.user.id).length, 1);
});

Deno.test("patching onto another webhook's subscriber URL is a 409", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  await calFetch(sandbox, apiKey, "/v2/webhooks", { method: "POST", body: hook });
  const second = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    method: "POST",
    body: { ...hook, subscriberUrl: "https://example.com/other" },
  });
  const res = await calFetch(sandbox, apiKey, `/v2/webhooks/${(second.json.data as { id: string }).id}`, {
    method: "PATCH",
    body: { subscriberUrl: hook.subscriberUrl },
  });
  assert.equal(res.status, 409);
});
