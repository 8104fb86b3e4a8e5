import assert from "node:assert/strict";
import { zValidator } from "@hono/zod-validator";
import type { Hono } from "hono";
import { z } from "zod";
import { apiError, type AppEnv, createFunctionApp, jsonBody, rejectInvalid } from "./http.ts";
import { lazyImport } from "./lazy_import.ts";
import { lazyRoutes } from "./lazy_routes.ts";
import { createMemoryLogger } from "./log.ts";

/** What a lazily loaded module would register: a middleware, a validator and handlers. */
function registerItems(into: Hono<AppEnv>) {
  const Body = z.object({ name: z.string().min(1) });
  into.post(
    "/items/:id/rename",
    async (c, next) => {
      c.set("user", { sub: "u-1", role: "authenticated", claims: {} });
      await next();
    },
    jsonBody(),
    zValidator("json", Body, rejectInvalid),
    (c) => c.json({ id: c.req.param("id"), name: c.req.valid("json").name, user: c.var.user.sub }),
  );
  into.get("/items/:id", (c) => {
    if (c.req.param("id") === "gone") throw apiError(404, "not_found", "No such item");
    return c.json({ id: c.req.param("id") });
  });
}

function demo(load: (into: Hono<AppEnv>) => Promise<void>) {
  const { log, lines } = createMemoryLogger();
  const app = createFunctionApp("demo", { log });
  lazyRoutes(app, [
    { method: "POST", path: "/items/:id/rename" },
    { method: "GET", path: "/items/:id" },
  ], load);
  app.get("/", (c) => c.json({ ok: true }));
  return { app, lines };
}

const rename = (name: unknown) =>
  new Request("http://fn/demo/items/42/rename", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });

Deno.test("lazy routes are listed at once and loaded by their first request only", async () => {
  let loads = 0;
  const { app } = demo((into) => {
    loads++;
    registerItems(into);
    return Promise.resolve();
  });
  assert.deepEqual(
    app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`),
    ["POST /demo/items/:id/rename", "GET /demo/items/:id", "GET /demo"],
  );
  assert.equal((await app.request("/demo")).status, 200);
  assert.equal(loads, 0);
  const [a, b] = await Promise.all([app.request(rename("pen")), app.request("/demo/items/7")]);
  assert.deepEqual(await a.json(), { id: "42", name: "pen", user: "u-1" });
  assert.deepEqual(await b.json(), { id: "7" });
  assert.equal((await app.request("/demo/items/8")).status, 200);
  assert.equal(loads, 1);
});

Deno.test("lazy routes answer in the app's context: its validation, error handler and request log", async () => {
  const { app, lines } = demo((into) => Promise.resolve(registerItems(into)));
  const invalid = await app.request(rename(""));
  assert.equal(invalid.status, 400);
  assert.equal((await invalid.json()).error.code, "invalid_request");
  const gone = await app.request("/demo/items/gone");
  assert.equal(gone.status, 404);
  assert.deepEqual((await gone.json()).error, { code: "not_found", message: "No such item" });
  assert.equal((await app.request(rename("cup"))).status, 200);
  // the app's request log sees the user the loaded middleware set
  const logged = lines.map((line) => JSON.parse(line)).filter((l) => l.msg === "request");
  assert.deepEqual(logged.map((l) => [l.status, l.userId]), [[400, "u-1"], [404, undefined], [200, "u-1"]]);
});

Deno.test("a failed load answers a 500 and is tried again by the next request", async () => {
  let attempts = 0;
  const { app } = demo((into) => {
    if (++attempts === 1) return Promise.reject(new Error("cannot import"));
    registerItems(into);
    return Promise.resolve();
  });
  const failed = await app.request("/demo/items/1");
  assert.equal(failed.status, 500);
  assert.equal((await failed.json()).error.code, "internal_error");
  assert.equal((await app.request("/demo/items/1")).status, 200);
  assert.equal(attempts, 2);
});

Deno.test("a module that registers other routes than the listed ones is refused", async () => {
  const { app, lines } = demo((into) => {
    registerItems(into);
    into.delete("/items/:id", (c) => c.json({}));
    return Promise.resolve();
  });
  const res = await app.request("/demo/items/1");
  assert.equal(res.status, 500);
  assert.match(lines.join("\n"), /Lazily loaded routes differ from the ones listed/);
});

Deno.test("lazyImport imports once, and again after a failure", async () => {
  let calls = 0;
  const load = lazyImport(() =>
    ++calls === 1 ? Promise.reject(new Error("offline")) : Promise.resolve(calls)
  );
  await assert.rejects(load(), /offline/);
  assert.equal(await load(), 2);
  assert.equal(await load(), 2);
  assert.equal(calls, 2);
});
