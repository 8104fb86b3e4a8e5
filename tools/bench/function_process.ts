/**
 * Subprocess entry: serves one Edge Function as production does, `Deno.serve(createApp(deps).fetch)`
 * with `deps` built from the environment (`createDepsFromEnv`). `BENCH_FUNCTION` names the function; its
 * `app.ts` is imported by name, so the harness works whichever functions have landed.
 *
 * @module
 */
import type { Hono } from "hono";
import { createDepsFromEnv, type Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { serveForBench } from "./bench_server.ts";

// deno-lint-ignore no-explicit-any
type AppModule = { createApp(deps: Deps): Hono<any, any, any> };

const name = Deno.env.get("BENCH_FUNCTION");
if (!name || !/^[a-z-]+$/.test(name)) throw new Error("BENCH_FUNCTION must name a function directory");
const module: AppModule = await import(
  new URL(`../../supabase/functions/${name}/app.ts`, import.meta.url).href
);
const app = module.createApp(createDepsFromEnv());
serveForBench((request) => app.fetch(request));
