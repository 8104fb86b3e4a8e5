import * as assert from "node:assert/strict";
import { median, moduleGraphSize } from "./cold_start.ts";

Deno.test("median: odd, even and empty counts", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("moduleGraphSize: counts ES modules and names npm packages and node builtins", () => {
  const size = moduleGraphSize({
    modules: [
      { kind: "esm", specifier: "file:///a/index.ts", size: 100 },
      { kind: "esm", specifier: "file:///a/app.ts", size: 250 },
      { kind: "npm", specifier: "npm:/hono@4.13.19/cors" },
      { kind: "npm", specifier: "npm:/hono@4.13.19" },
      { kind: "npm", specifier: "npm:/@scope/pkg@1.0.0/sub" },
      { kind: "node", specifier: "node:crypto" },
    ],
  });
  assert.deepEqual(size, {
    modules: 2,
    bytes: 350,
    npmPackages: ["@scope/pkg@1.0.0", "hono@4.13.19"],
    nodeBuiltins: ["node:crypto"],
  });
});
