import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";
import type { Deps } from "./deps.ts";
import { createFunctionApp } from "./http.ts";
import { createMemoryLogger } from "./log.ts";
import { createLazyHandler } from "./serve.ts";

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));

function demoApp(deps: Deps) {
  const app = createFunctionApp("demo", { log: deps.log });
  app.get("/", (c) => c.json({ api: deps.config.calcomApiUrl }));
  return app;
}

Deno.test("a misconfigured function answers a JSON 500 naming the variable, never its value", async () => {
  const { log, lines } = createMemoryLogger();
  const handle = createLazyHandler("demo", demoApp, {
    log,
    createDeps: () => {
      loadConfig({
        SUPABASE_DB_URL: "postgresql://u@h/d",
        SUPABASE_URL: "http://x",
        CALCOM_ENCRYPTION_KEY: "hunter2",
      });
      throw new Error("unreachable");
    },
  });
  const res = await handle(new Request("http://fn/demo"));
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), {
    success: false,
    error: { code: "internal_error", message: "Function is misconfigured: CALCOM_ENCRYPTION_KEY" },
  });
  assert.match(lines.join("\n"), /CALCOM_ENCRYPTION_KEY must be 32 random bytes/);
  assert.doesNotMatch(lines.join("\n"), /hunter2/);
});

Deno.test("deps are built once and reused by every request", async () => {
  let builds = 0;
  const config = loadConfig({
    SUPABASE_DB_URL: "postgresql://u@h/d",
    SUPABASE_URL: "http://x",
    CALCOM_ENCRYPTION_KEY: KEY,
    CALCOM_API_URL: "http://cal.test",
  });
  const handle = createLazyHandler("demo", demoApp, {
    createDeps: () => {
      builds++;
      return { config, log: createMemoryLogger().log } as Deps;
    },
  });
  const [a, b] = await Promise.all([
    handle(new Request("http://fn/demo")),
    handle(new Request("http://fn/demo")),
  ]);
  assert.deepEqual(await a.json(), { api: "http://cal.test" });
  assert.deepEqual(await b.json(), { api: "http://cal.test" });
  assert.equal(builds, 1);
});

Deno.test("a failed start is retried on the next request", async () => {
  let attempts = 0;
  const { log } = createMemoryLogger();
  const config = loadConfig({
    SUPABASE_DB_URL: "postgresql://u@h/d",
    SUPABASE_URL: "http://x",
    CALCOM_ENCRYPTION_KEY: KEY,
  });
  const handle = createLazyHandler("demo", demoApp, {
    log,
    createDeps: () => {
      if (++attempts === 1) throw new ConfigError([{ variable: "SUPABASE_URL", message: "is required" }]);
      return { config, log: createMemoryLogger().log } as Deps;
    },
  });
  assert.equal((await handle(new Request("http://fn/demo"))).status, 500);
  assert.equal((await handle(new Request("http://fn/demo"))).status, 200);
});
