import assert from "node:assert/strict";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { devLogSink, formatFunctionLog } from "./dev_log.ts";

Deno.test("a function's warning is shortened to fn, level, message and fields; secrets stay redacted", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: devLogSink((line) => lines.push(line)) }).child({
    fn: "calcom-connection",
  });
  log.warn("webhook not registered", {
    connectionId: "c1",
    reason: "Cal.com said no",
    apiKey: "cal_live_abcdefgh",
  });
  assert.deepEqual(lines, [
    'calcom-connection warn webhook not registered connectionId=c1 reason="Cal.com said no" apiKey=[redacted]',
  ]);
});

Deno.test("a function's per-request line is dropped: the gateway already logs each request", () => {
  const line = JSON.stringify({
    time: "t",
    level: "info",
    msg: "request",
    fn: "calcom-webhook",
    status: 200,
  });
  assert.equal(formatFunctionLog(line, "info"), undefined);
});

Deno.test("a line that is not JSON is passed through as it is", () => {
  assert.equal(formatFunctionLog("plain text", "info"), "plain text");
});
