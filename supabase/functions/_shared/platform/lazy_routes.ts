/**
 * Routes registered when the app is built whose code is imported on their first request: the routes a
 * function's usual first request never takes (Cal.com actions, slots, bookings) then cost nothing at a
 * cold start, neither their modules nor their zod schemas (docs/benchmarks.md). The app lists them at
 * once, with their methods and paths, so its routes (and the OpenAPI document checked against them) are
 * what they were; the first request to one of them calls `load`, which imports the module and registers
 * the routes, with their middleware, on a scratch `Hono` exactly as it would on the app. Each request
 * then runs the handlers registered for its method and path in the app's own context: its request log,
 * error handler, `c.var` and path parameters, as if they had been registered on the app. `load` runs
 * once (again after a failure); what it registers must be exactly the listed routes, or the request
 * fails with a 500 (a programming error that the function tests catch).
 *
 * @module
 */
import { type Env, Hono, type MiddlewareHandler } from "hono";
import { every } from "hono/combine";
import { lazyImport } from "./lazy_import.ts";

/** One route a lazily loaded module serves. */
export interface LazyRoute {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** As the module registers it, e.g. `/bookings/:uid/cancel`. */
  path: string;
}

/**
 * Registers `routes` on `app`, each handled by what `load` registers for it on the `Hono` it is given
 * (imported and built on the first request to any of them).
 */
export function lazyRoutes<E extends Env>(
  app: Hono<E>,
  routes: readonly LazyRoute[],
  load: (into: Hono<E>) => Promise<void>,
): void {
  const chains = lazyImport(() => buildChains(routes, load));
  for (const route of routes) {
    const key = routeKey(route);
    app.on(route.method, route.path, async (c, next) => {
      const chain = (await chains()).get(key)!;
      await chain(c, next);
      if (c.finalized) return c.res;
    });
  }
}

function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

async function buildChains<E extends Env>(
  routes: readonly LazyRoute[],
  load: (into: Hono<E>) => Promise<void>,
): Promise<Map<string, MiddlewareHandler<E>>> {
  const scratch = new Hono<E>();
  await load(scratch);
  const registered = [...new Set(scratch.routes.map(routeKey))].sort();
  const listed = routes.map(routeKey).sort();
  if (registered.join("\n") !== listed.join("\n")) {
    throw new Error(
      `Lazily loaded routes differ from the ones listed: registered ${registered.join(", ")}; listed ${
        listed.join(", ")
      }`,
    );
  }
  // `every` runs the handlers in order as one middleware, keeping the route's index for c.req.param()
  return new Map(routes.map((route) => {
    const key = routeKey(route);
    const handlers = scratch.routes.filter((r) => routeKey(r) === key).map((r) => r.handler);
    return [key, every(...handlers) as MiddlewareHandler<E>];
  }));
}
