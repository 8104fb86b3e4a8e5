/**
 * Subprocess entry: serves one Edge Function as production does, `Deno.serve(createApp(deps).fetch)`
 * with `deps` built from the environment (`createDepsFromEnv`). `BENCH_FUNCTION` names the function; its
 * `app.ts` is imported by name, so the harness works whichever functions have landed. `BENCH_APP_OPTIONS`,
 * when set, is JSON passed as `createApp`'s options (the webhook benchmark lifts the per-connection quota,
 * whose check still runs in the same statement).
 *
 * @module
 */
import type { Hono } from "hono";
import { createDepsFromEnv, type Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { serveForBench } from "./bench_server.ts";

// deno-lint-ignore no-explicit-any
type AppModule = { createApp(deps: Deps, options?: unknown): Hono<any, any, any> };

const name = Deno.env.get("BENCH_FUNCTION");
if (!name || !/^[a-z-]+$/.test(name)) throw new Error("BENCH_FUNCTION must name a function directory");
const module: AppModule = await import(
  new URL(`../../supabase/functions/${name}/app.ts`, import.meta.url).href
);
const options = Deno.env.get("BENCH_APP_OPTIONS");
const app = module.createApp(createDepsFromEnv(), options ? JSON.parse(options) : undefined);
serveForBench((request) => app.fetch(request));
