import assert from "node:assert/strict";
import { zValidator } from "@hono/zod-validator";
import { z } from "zod";
import { apiError, createFunctionApp, jsonBody, rejectInvalid } from "./http.ts";
import { createMemoryLogger } from "./log.ts";

function testApp(options: { maxBodyBytes?: number } = {}) {
  const { log, lines } = createMemoryLogger();
  const app = createFunctionApp("demo", { log, ...options });
  app.get("/", (c) => c.json({ ok: true, requestId: c.var.requestId }));
  const Body = z.object({ name: z.string().min(1), count: z.number().int().optional() });
  app.post("/", jsonBody(), zValidator("json", Body, rejectInvalid), (c) => c.json(c.req.valid("json")));
  const Query = z.object({ limit: z.coerce.number().int().max(10) });
  app.get("/query", zValidator("query", Query, rejectInvalid), (c) => c.json(c.req.valid("query")));
  app.get("/teapot", () => {
    throw apiError(409, "conflict", "Already there", { id: 1 });
  });
  app.get("/crash", () => {
    throw new Error("connection to postgres://postgres:hunter2@db failed for cal_live_abcdef123456");
  });
  return { app, lines };
}

async function envelope(res: Response) {
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  return await res.json();
}

Deno.test("routes answer under the function's name, with or without a trailing slash", async () => {
  const { app } = testApp();
  for (const path of ["/demo", "/demo/"]) {
    const res = await app.request(path);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).ok, true);
  }
});

Deno.test("every response carries a request id, the caller's when it is sane", async () => {
  const { app } = testApp();
  const mine = await app.request("/demo", { headers: { "x-request-id": "req-123" } });
  assert.equal(mine.headers.get("x-request-id"), "req-123");
  assert.equal((await mine.json()).requestId, "req-123");
  const weird = await app.request("/demo", { headers: { "x-request-id": "<script>" } });
  assert.match(weird.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  const failed = await app.request("/demo/teapot");
  assert.match(failed.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("a CORS preflight is answered with the headers supabase-js sends", async () => {
  const { app } = testApp();
  const res = await app.request("/demo", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
    },
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(",");
  for (
    const h of ["authorization", "x-client-info", "apikey", "content-type", "x-region", "idempotency-key"]
  ) {
    assert.ok(allowed.includes(h), h);
  }
  assert.deepEqual((res.headers.get("access-control-allow-methods") ?? "").split(","), [
    "GET",
    "POST",
    "PATCH",
    "DELETE",
    "OPTIONS",
  ]);
});

Deno.test("error responses carry CORS headers too, so browsers can read them", async () => {
  const { app } = testApp();
  const res = await app.request("/demo/teapot", { headers: { origin: "https://app.example.com" } });
  assert.equal(res.status, 409);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.equal(res.headers.get("access-control-expose-headers"), "x-request-id,idempotent-replayed");
});

Deno.test("thrown api errors become the JSON envelope with their status", async () => {
  const { app } = testApp();
  const res = await app.request("/demo/teapot");
  assert.equal(res.status, 409);
  assert.deepEqual(await envelope(res), {
    success: false,
    error: { code: "conflict", message: "Already there", details: { id: 1 } },
  });
});

Deno.test("malformed JSON is a 400 invalid_request", async () => {
  const { app } = testApp();
  const res = await app.request("/demo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(res.status, 400);
  assert.deepEqual(await envelope(res), {
    success: false,
    error: { code: "invalid_request", message: "Request body is not valid JSON" },
  });
});

Deno.test("a body the schema rejects is a 400 naming the fields", async () => {
  const { app } = testApp();
  const res = await app.request("/demo", { method: "POST", body: JSON.stringify({ name: "", count: 1.5 }) });
  assert.equal(res.status, 400);
  const body = await envelope(res);
  assert.equal(body.error.code, "invalid_request");
  assert.equal(body.error.message, "Invalid request body");
  assert.deepEqual(body.error.details.issues.map((i: { path: string }) => i.path), ["name", "count"]);
});

Deno.test("JSON sent as text/plain is read, and an empty body counts as {}", async () => {
  const { app } = testApp();
  const res = await app.request("/demo", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ name: "x" }),
  });
  assert.deepEqual(await res.json(), { name: "x" });
  const empty = await app.request("/demo", { method: "POST" });
  assert.equal(empty.status, 400);
  assert.deepEqual((await empty.json()).error.details.issues.map((i: { path: string }) => i.path), ["name"]);
});

Deno.test("bad query parameters are a 400 naming them", async () => {
  const { app } = testApp();
  const res = await app.request("/demo/query?limit=99");
  assert.equal(res.status, 400);
  const body = await envelope(res);
  assert.equal(body.error.message, "Invalid query parameters");
  assert.equal(body.error.details.issues[0].path, "limit");
  assert.deepEqual(await (await app.request("/demo/query?limit=3")).json(), { limit: 3 });
});

Deno.test("a body over the limit is a 413 payload_too_large, with or without content-length", async () => {
  const { app } = testApp({ maxBodyBytes: 64 });
  const big = JSON.stringify({ name: "x".repeat(100) });
  const res = await app.request("/demo", { method: "POST", body: big });
  assert.equal(res.status, 413);
  assert.equal((await envelope(res)).error.code, "payload_too_large");
  const streamed = await app.request("/demo", {
    method: "POST",
    body: new Blob([big]).stream(),
    // @ts-ignore: Deno's RequestInit needs duplex for streamed bodies
    duplex: "half",
  });
  assert.equal(streamed.status, 413);
});

Deno.test("a body within the limit is read once: c.var.body and c.req's readers hold its exact bytes", async () => {
  const { app } = testApp({ maxBodyBytes: 64 });
  app.post("/bytes", async (c) => {
    const seen = [c.var.body, new Uint8Array(await c.req.arrayBuffer()), await c.req.text()];
    return c.json({ seen: seen.map((v) => typeof v === "string" ? v : [...v]) });
  });
  // a BOM, a two-byte character and a quote: the exact bytes, whether declared or streamed
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9, 0x22]);
  const declared = await app.request("/demo/bytes", {
    method: "POST",
    body: bytes,
    headers: { "content-length": String(bytes.length) },
  });
  const streamed = await app.request("/demo/bytes", {
    method: "POST",
    body: new Blob([bytes]).stream(),
    // @ts-ignore: Deno's RequestInit needs duplex for streamed bodies
    duplex: "half",
  });
  for (const res of [declared, streamed]) {
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).seen, [[...bytes], [...bytes], new TextDecoder().decode(bytes)]);
  }
});

Deno.test("unknown routes and methods are a 404 not_found envelope", async () => {
  const { app } = testApp();
  for (const [method, path] of [["GET", "/demo/nope"], ["GET", "/elsewhere"], ["PUT", "/demo"]]) {
    const res = await app.request(path, { method });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal((await envelope(res)).error.code, "not_found");
  }
});

Deno.test("an unexpected error is a generic 500 and its secrets stay out of the log", async () => {
  const { app, lines } = testApp();
  const res = await app.request("/demo/crash");
  assert.equal(res.status, 500);
  assert.deepEqual(await envelope(res), {
    success: false,
    error: { code: "internal_error", message: "Internal server error" },
  });
  const logged = lines.join("\n");
  assert.match(logged, /unhandled error/);
  assert.doesNotMatch(logged, /abcdef123456|hunter2/);
});

Deno.test("each request is logged on one line with status, path and error code, without the query", async () => {
  const { app, lines } = testApp();
  await app.request("/demo/teapot?apiKey=cal_live_abcdef123456", { headers: { "x-request-id": "r1" } });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.fn, "demo");
  assert.equal(line.requestId, "r1");
  assert.equal(line.method, "GET");
  assert.equal(line.path, "/demo/teapot");
  assert.equal(line.status, 409);
  assert.equal(line.errorCode, "conflict");
  assert.equal(typeof line.ms, "number");
  assert.doesNotMatch(lines[0], /abcdef123456/);
});
