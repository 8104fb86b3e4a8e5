import * as assert from "node:assert/strict";
import { median, moduleGraphSize, staticGraph } from "./cold_start.ts";

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

Deno.test("staticGraph: follows static imports and redirects, not dynamic or type-only ones", () => {
  const graph = staticGraph({
    roots: ["file:///a/index.ts"],
    redirects: { "npm:hono@4": "npm:/hono@4" },
    modules: [
      {
        kind: "esm",
        specifier: "file:///a/index.ts",
        size: 1,
        dependencies: [
          { code: { specifier: "file:///a/app.ts" } },
          { code: { specifier: "file:///a/lazy.ts" }, isDynamic: true },
          {},
        ],
      },
      {
        kind: "esm",
        specifier: "file:///a/app.ts",
        size: 2,
        dependencies: [{ code: { specifier: "npm:hono@4" } }],
      },
      { kind: "esm", specifier: "file:///a/lazy.ts", size: 4 },
      { kind: "npm", specifier: "npm:/hono@4" },
    ],
  });
  assert.deepEqual(graph.modules.map((m) => m.specifier), [
    "file:///a/index.ts",
    "file:///a/app.ts",
    "npm:/hono@4",
  ]);
});
