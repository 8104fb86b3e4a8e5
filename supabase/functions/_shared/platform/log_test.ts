import assert from "node:assert/strict";
import { createLogger, createMemoryLogger, redact, scrub } from "./log.ts";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl";

Deno.test("each line is one JSON object with time, level, message and fields", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (line) => lines.push(line), now: () => new Date("2030-01-02T03:04:05Z") })
    .child({ fn: "calcom-connection" });
  log.info("request", { status: 200, path: "/calcom-connection" });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /\n/);
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2030-01-02T03:04:05.000Z",
    level: "info",
    msg: "request",
    fn: "calcom-connection",
    status: 200,
    path: "/calcom-connection",
  });
});

Deno.test("secret-named fields are redacted at any depth", () => {
  assert.deepEqual(
    redact({
      apiKey: "anything",
      webhookSecret: "anything",
      headers: { authorization: "anything", Cookie: "anything", "x-client-info": "supabase-js" },
      nested: [{ password: "anything", token: "anything", count: 3 }],
    }),
    {
      apiKey: "[redacted]",
      webhookSecret: "[redacted]",
      headers: { authorization: "[redacted]", Cookie: "[redacted]", "x-client-info": "supabase-js" },
      nested: [{ password: "[redacted]", token: "[redacted]", count: 3 }],
    },
  );
});

Deno.test("secret-shaped text is scrubbed from messages and values", () => {
  assert.equal(scrub("key cal_live_0123456789abcdef was rejected"), "key cal_[redacted] was rejected");
  assert.equal(scrub(`token ${JWT} expired`), "token [jwt [redacted]] expired");
  assert.equal(scrub("Authorization: Bearer abc.def"), "Authorization: Bearer [redacted]");
  assert.equal(scrub("sb_secret_abcdef123"), "sb_secret_[redacted]");
  assert.equal(scrub("postgres://postgres:pw@db:5432/x"), "postgres://postgres:[redacted]@db:5432/x");
  assert.equal(scrub("calendar cal_ x"), "calendar cal_ x");
});

Deno.test("errors are logged as name, message and code with secrets scrubbed", () => {
  const { log, lines } = createMemoryLogger();
  const err = Object.assign(new Error("Cal.com said cal_test_secretvalue123 is invalid"), { code: "E1" });
  log.error(`failed for cal_test_secretvalue123`, { error: err });
  const line = JSON.parse(lines[0]);
  assert.equal(line.msg, "failed for cal_[redacted]");
  assert.deepEqual(line.error, {
    name: "Error",
    message: "Cal.com said cal_[redacted] is invalid",
    code: "E1",
  });
  assert.doesNotMatch(lines[0], /secretvalue/);
});

Deno.test("undefined fields are left out and dates are ISO strings", () => {
  assert.deepEqual(redact({ a: undefined, at: new Date("2030-01-01T00:00:00Z") }), {
    at: "2030-01-01T00:00:00.000Z",
  });
});
