/**
 * Finds and builds the functions config.toml lists, from each one's `app.ts` (`createApp(deps)`, the
 * project's convention) rather than its `index.ts`, which would start a server of its own. A function
 * whose `app.ts` is missing or fails to load stops the dev server at start, naming the function: a
 * development server that quietly serves fewer functions would hide the fault (and tests would pass).
 *
 * @module
 */
import type { Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import type { FunctionConfig } from "./config_toml.ts";
import type { GatewayFunction } from "./gateway.ts";

/** Where the functions live: `supabase/functions/`. */
export const functionsDirUrl = new URL("../../supabase/functions/", import.meta.url);

/** A function's handler. */
export interface LoadedFunction extends GatewayFunction {
  name: string;
}

type AppModule = {
  createApp?: (deps: Deps, options?: unknown) => { fetch(request: Request): Response | Promise<Response> };
};

async function fileExists(url: URL): Promise<boolean> {
  try {
    return (await Deno.stat(url)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Loads every enabled function of `functions` (config.toml's tables) from `<dir>/<name>/app.ts` and
 * builds it with `deps` (and `appOptions[name]`, the second argument some apps take, e.g. what their
 * index.ts reads from the environment); disabled functions are left out, as the Supabase CLI leaves
 * them out.
 */
export async function loadFunctions(
  functions: Record<string, FunctionConfig>,
  deps: Deps,
  options: { dir?: URL; appOptions?: Record<string, unknown> } = {},
): Promise<LoadedFunction[]> {
  const dir = options.dir ?? functionsDirUrl;
  const loaded: LoadedFunction[] = [];
  for (const [name, config] of Object.entries(functions)) {
    if (!config.enabled) continue;
    const appUrl = new URL(`${name}/app.ts`, dir);
    const base = { name, verifyJwt: config.verifyJwt };
    const path = `supabase/functions/${name}/app.ts`;
    if (!await fileExists(appUrl)) throw new Error(`Cannot load function ${name}: ${path} is missing`);
    let mod: AppModule;
    try {
      mod = await import(appUrl.href);
    } catch (err) {
      throw new Error(`Cannot load function ${name}: ${path} failed to load`, { cause: err });
    }
    if (typeof mod.createApp !== "function") {
      throw new Error(`Cannot load function ${name}: ${path} does not export createApp`);
    }
    const app = options.appOptions?.[name] === undefined
      ? mod.createApp(deps)
      : mod.createApp(deps, options.appOptions[name]);
    loaded.push({ ...base, fetch: (request) => app.fetch(request) });
  }
  return loaded;
}
