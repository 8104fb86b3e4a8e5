/**
 * Serves function apps over real HTTP on 127.0.0.1 the way Supabase does: `/functions/v1/<name>/...`
 * reaches the app of `<name>` with the path `/<name>/...`. Tests point supabase-js at `supabaseUrl` and
 * call `functions.invoke(name, …)`. No gateway JWT check: the functions verify tokens themselves.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { functionName, functionRequest } from "../dev/function_request.ts";

// deno-lint-ignore no-explicit-any
type AnyApp = Hono<any, any, any>;

/** A running function server. */
export interface FunctionServer {
  /** The functions' base URL, like `http://127.0.0.1:PORT/functions/v1`. */
  url: string;
  /** What supabase-js takes as the project URL, like `http://127.0.0.1:PORT`. */
  supabaseUrl: string;
  port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a server on a free port of 127.0.0.1 for the given apps, each built once with `deps`. */
export function startFunctionServer(
  apps: Record<string, (deps: Deps) => AnyApp>,
  deps: Deps,
): FunctionServer {
  const built = new Map(Object.entries(apps).map(([name, create]) => [name, create(deps)]));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const app = built.get(functionName(new URL(request.url).pathname));
    if (!app) {
      return Response.json({ success: false, error: { code: "not_found", message: "Function not found" } }, {
        status: 404,
      });
    }
    return app.fetch(functionRequest(request));
  });
  const supabaseUrl = `http://127.0.0.1:${server.addr.port}`;
  const close = async () => {
    await server.shutdown();
  };
  return {
    url: `${supabaseUrl}/functions/v1`,
    supabaseUrl,
    port: server.addr.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
