import assert from "node:assert/strict";
import { parseWrkOutput } from "./wrk.ts";

const OUTPUT = `Running 2s test @ http://127.0.0.1:1234
  1 threads and 16 connections
WRK_RESULT {"durationUs":2000000,"requests":3000,"sent":3016,"lines":5000,` +
  `"errors":{"connect":0,"read":1,"write":0,"status":40,"timeout":2},` +
  `"latencyUs":{"mean":5300.5,"max":40000,"p50":5000,"p90":8000,"p99":12500,"p999":30000},` +
  `"statuses":{"200":2960,"401":40}}
`;

Deno.test("wrk output gives throughput, latency in milliseconds, socket errors and statuses", () => {
  const result = parseWrkOutput(OUTPUT);
  assert.equal(result.durationS, 2);
  assert.equal(result.requests, 3000);
  assert.equal(result.requestsPerSecond, 1500);
  assert.deepEqual(result.latencyMs, { mean: 5.301, max: 40, p50: 5, p90: 8, p99: 12.5, p999: 30 });
  assert.equal(result.socketErrors, 3);
  assert.deepEqual(result.statuses, { "200": 2960, "401": 40 });
  assert.equal(result.sent, 3016);
  assert.equal(result.lines, 5000);
});

Deno.test("wrk output without the script's result line is an error", () => {
  assert.throws(() => parseWrkOutput("Running 2s test\n"), /no WRK_RESULT line/);
});
