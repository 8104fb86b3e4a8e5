/**
 * What a function's `index.ts` runs: the app, with its dependencies built on the first request, so a
 * configuration error answers every request with a clean JSON 500 that names the variable (never its
 * value) instead of a crashed isolate.
 *
 * @module
 */
import type { Hono } from "hono";
import { errorBody } from "./api_error.ts";
import { ConfigError } from "./config.ts";
import { createDepsFromEnv, type Deps } from "./deps.ts";
import { createLogger, type Logger } from "./log.ts";

// deno-lint-ignore no-explicit-any
type AnyApp = Hono<any, any, any>;

/** Builds a function's app from its dependencies; it may import a module first (so answer a promise). */
export type AppFactory = (deps: Deps) => AnyApp | Promise<AnyApp>;

/**
 * A fetch handler that builds `deps` once (retrying on the next request after a failure) and hands
 * every request to the app.
 */
export function createLazyHandler(
  name: string,
  createApp: AppFactory,
  options: { createDeps?: () => Deps | Promise<Deps>; log?: Logger } = {},
): (request: Request) => Promise<Response> {
  const makeDeps = options.createDeps ?? (() => createDepsFromEnv());
  const log = (options.log ?? createLogger()).child({ fn: name });
  let app: Promise<AnyApp> | undefined;
  return async function handle(request) {
    let ready: AnyApp;
    try {
      app ??= Promise.resolve().then(makeDeps).then(createApp);
      ready = await app;
    } catch (err) {
      app = undefined;
      const message = err instanceof ConfigError
        ? `Function is misconfigured: ${err.variables.join(", ")}`
        : "Function failed to start";
      log.error(message, { error: err });
      return Response.json(errorBody("internal_error", message), {
        status: 500,
        headers: { "access-control-allow-origin": "*" },
      });
    }
    return await ready.fetch(request);
  };
}

/** Serves a function: `serveFunction("calcom-connection", createApp)` is all an index.ts needs. */
export function serveFunction(name: string, createApp: AppFactory): void {
  Deno.serve(createLazyHandler(name, createApp));
}
