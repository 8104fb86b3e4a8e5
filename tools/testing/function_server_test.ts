import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import { createFunctionApp } from "../../supabase/functions/_shared/platform/http.ts";
import type { Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { createMemoryLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { startFunctionServer } from "./function_server.ts";
import { signAnonKey, signTestJwt } from "./jwt.ts";

function echoApp(deps: Deps) {
  const app = createFunctionApp("echo", { log: deps.log });
  app.all("/*", async (c) =>
    c.json({
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      authorization: c.req.header("authorization"),
      body: c.req.method === "GET" ? null : await c.req.json().catch(() => null),
    }));
  return app;
}

Deno.test("supabase-js reaches a function app over real HTTP with the path Supabase hands it", async () => {
  const deps = { log: createMemoryLogger().log } as Deps;
  await using server = startFunctionServer({ echo: echoApp }, deps);
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/functions\/v1$/);
  const token = await signTestJwt({ sub: crypto.randomUUID() });
  const supabase = createClient(server.supabaseUrl, await signAnonKey(), {
    auth: { persistSession: false, autoRefreshToken: false },
  });

  const post = await supabase.functions.invoke("echo", {
    body: { hello: "world" },
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(post.error, null);
  assert.deepEqual(post.data, {
    method: "POST",
    path: "/echo",
    query: {},
    authorization: `Bearer ${token}`,
    body: { hello: "world" },
  });

  const del = await supabase.functions.invoke("echo/sub?id=42", { method: "DELETE" });
  assert.equal(del.data.method, "DELETE");
  assert.equal(del.data.path, "/echo/sub");
  assert.deepEqual(del.data.query, { id: "42" });
});

Deno.test("an unknown function is a 404", async () => {
  await using server = startFunctionServer({ echo: echoApp }, { log: createMemoryLogger().log } as Deps);
  const res = await fetch(`${server.url}/nope`);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
});
