import assert from "node:assert/strict";
import type { Delivery } from "./webhook_deliveries.ts";
import { countErrors } from "./webhook_bench.ts";

const kinds = (...k: Delivery["kind"][]) => k.map((kind) => ({ kind }));

Deno.test("answers of 2xx for good deliveries and 401 for forged ones are no errors", () => {
  const deliveries = kinds("new", "bad_signature", "duplicate", "out_of_order");
  const result = { socketErrors: 0, requests: 4, statuses: { "200": 2, "202": 1, "401": 1 } };
  assert.equal(countErrors(result, deliveries, 0), 0);
});

Deno.test("socket errors, 5xx answers and unexplained 401s count as errors", () => {
  const deliveries = kinds("new", "new", "new", "new");
  const result = { socketErrors: 2, requests: 4, statuses: { "200": 1, "500": 2, "401": 1 } };
  assert.equal(countErrors(result, deliveries, 0), 2 + 2 + 1);
});

Deno.test("401s within the in-flight slack of the forged count are no errors", () => {
  const deliveries = kinds("new", "bad_signature", "bad_signature", "new");
  const result = { socketErrors: 0, requests: 4, statuses: { "200": 3, "401": 1 } };
  assert.equal(countErrors(result, deliveries, 1), 0);
  assert.equal(countErrors(result, deliveries, 0), 1);
});
