import assert from "node:assert/strict";
import { apiKeyHint, ConnectRequestSchema, generateWebhookSecret } from "./connect_request.ts";

function messages(input: unknown): string[] {
  const result = ConnectRequestSchema.safeParse(input);
  assert.equal(result.success, false);
  return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

Deno.test("a well-formed connect request passes, the key trimmed", () => {
  const parsed = ConnectRequestSchema.parse({
    apiKey: "  cal_live_0123456789abcdef0123456789abcdef \n",
    label: " Work ",
    webhookSecret: "a-secret-of-sixteen+",
    registerWebhook: false,
    unknown: "ignored",
  });
  assert.deepEqual(parsed, {
    apiKey: "cal_live_0123456789abcdef0123456789abcdef",
    label: "Work",
    webhookSecret: "a-secret-of-sixteen+",
    registerWebhook: false,
  });
});

Deno.test("malformed API keys are refused without repeating them", () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /apiKey: API key is required/],
    [42, /apiKey: API key is required/],
    ["", /must start with cal_/],
    ["sk_live_hunter2hunter2", /must start with cal_/],
    ["cal_short", /8 to 250 letters/],
    ["cal_hunter2 hunter2 with spaces", /8 to 250 letters/],
    ["cal_hunter2hunter2\u00e9", /8 to 250 letters/],
    [`cal_${"a".repeat(251)}`, /8 to 250 letters/],
  ];
  for (const [apiKey, why] of cases) {
    const found = messages({ apiKey });
    assert.match(found.join("\n"), why, String(apiKey));
    assert.equal(found.length, 1, found.join("\n"));
    assert.doesNotMatch(found.join("\n"), /hunter2/);
  }
});

Deno.test("labels, secrets and the register flag are checked", () => {
  const apiKey = "cal_0123456789abcdef";
  assert.match(messages({ apiKey, label: "   " }).join(), /label: Label must not be empty/);
  assert.match(messages({ apiKey, label: "x".repeat(101) }).join(), /at most 100/);
  assert.match(
    messages({ apiKey, webhookSecret: "short" }).join(),
    /webhookSecret: Webhook secret must be 16/,
  );
  assert.match(messages({ apiKey, webhookSecret: "sixteen chars but spaces" }).join(), /without spaces/);
  assert.match(messages({ apiKey, registerWebhook: "no" }).join(), /registerWebhook/);
});

Deno.test("rotating the webhook secret excludes a given secret and skipping registration", () => {
  const apiKey = "cal_live_0123456789abcdef";
  assert.equal(ConnectRequestSchema.parse({ apiKey, rotateWebhookSecret: true }).rotateWebhookSecret, true);
  assert.deepEqual(messages({ apiKey, rotateWebhookSecret: true, webhookSecret: "a-secret-of-sixteen+" }), [
    "rotateWebhookSecret: Rotating generates the webhook secret: leave out webhookSecret",
  ]);
  assert.deepEqual(messages({ apiKey, rotateWebhookSecret: true, registerWebhook: false }), [
    "rotateWebhookSecret: Rotating updates the webhook in Cal.com: registerWebhook cannot be false",
  ]);
  assert.ok(
    messages({ apiKey, rotateWebhookSecret: "yes" }).some((m) => m.startsWith("rotateWebhookSecret: ")),
  );
});

Deno.test("the hint is the key's last four characters", () => {
  assert.equal(apiKeyHint("cal_live_0123456789abcdef"), "cdef");
});

Deno.test("generated webhook secrets are 32 random bytes in hex", () => {
  const a = generateWebhookSecret();
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.notEqual(a, generateWebhookSecret());
});
