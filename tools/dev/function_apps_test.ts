import assert from "node:assert/strict";
import type { Deps } from "../../supabase/functions/_shared/platform/deps.ts";
import { loadFunctions } from "./function_apps.ts";

async function withFunctionsDir(files: Record<string, string>, fn: (dir: URL) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "function_apps_test_" });
  try {
    for (const [path, text] of Object.entries(files)) {
      await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${path}`, text);
    }
    await fn(new URL(`file://${root}/`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const deps = { marker: "deps" } as unknown as Deps;

Deno.test("a function with an app.ts is built with the deps; a missing or broken one is listed as unavailable", async () => {
  await withFunctionsDir({
    "ready/app.ts": `export function createApp(deps, options) {
      return { fetch: (req) => Response.json({ path: new URL(req.url).pathname, deps: deps.marker, options }) };
    }`,
    "wrong/app.ts": "export const nothing = 1;",
    "broken/app.ts": "export function createApp( {",
  }, async (dir) => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    let loaded;
    try {
      loaded = await loadFunctions(
        {
          ready: { enabled: true, verifyJwt: true },
          missing: { enabled: true, verifyJwt: false },
          wrong: { enabled: true, verifyJwt: true },
          broken: { enabled: true, verifyJwt: true },
          off: { enabled: false, verifyJwt: true },
        },
        deps,
        { dir, appOptions: { ready: { cronSecret: "s" } } },
      );
    } finally {
      console.error = original;
    }
    assert.deepEqual(loaded.map((f) => [f.name, f.verifyJwt, f.unavailable]), [
      ["ready", true, undefined],
      ["missing", false, "supabase/functions/missing/app.ts is missing (not built yet)"],
      ["wrong", true, "supabase/functions/wrong/app.ts does not export createApp"],
      ["broken", true, "supabase/functions/broken/app.ts failed to load (see the log)"],
    ]);
    assert.equal(errors.length, 1);
    const res = await loaded[0].fetch!(new Request("http://x/ready/a"));
    assert.deepEqual(await res.json(), { path: "/ready/a", deps: "deps", options: { cronSecret: "s" } });
  });
});
