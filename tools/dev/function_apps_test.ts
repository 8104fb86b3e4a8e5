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

Deno.test("each enabled function is built from its app.ts with the deps and its options", async () => {
  await withFunctionsDir({
    "ready/app.ts": `export function createApp(deps, options) {
      return { fetch: (req) => Response.json({ path: new URL(req.url).pathname, deps: deps.marker, options }) };
    }`,
  }, async (dir) => {
    const loaded = await loadFunctions(
      { ready: { enabled: true, verifyJwt: true }, off: { enabled: false, verifyJwt: true } },
      deps,
      { dir, appOptions: { ready: { cronSecret: "s" } } },
    );
    assert.deepEqual(loaded.map((f) => [f.name, f.verifyJwt]), [["ready", true]]);
    const res = await loaded[0].fetch(new Request("http://x/ready/a"));
    assert.deepEqual(await res.json(), { path: "/ready/a", deps: "deps", options: { cronSecret: "s" } });
  });
});

Deno.test("a missing, broken or wrong app.ts stops the dev server, naming the function", async () => {
  await withFunctionsDir({
    "wrong/app.ts": "export const nothing = 1;",
    "broken/app.ts": "export function createApp( {",
  }, async (dir) => {
    for (
      const [name, message] of [
        ["missing", "Cannot load function missing: supabase/functions/missing/app.ts is missing"],
        ["wrong", "Cannot load function wrong: supabase/functions/wrong/app.ts does not export createApp"],
        ["broken", "Cannot load function broken: supabase/functions/broken/app.ts failed to load"],
      ]
    ) {
      await assert.rejects(loadFunctions({ [name]: { enabled: true, verifyJwt: false } }, deps, { dir }), {
        message,
      });
    }
  });
});
