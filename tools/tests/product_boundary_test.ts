/**
 * The product boundary: `supabase/` is copied into an app as is, so nothing in it may reach outside it,
 * and every module beside the deployed functions must be part of a deployed function (no test helpers,
 * fixtures or test data where a function imports from).
 */
import assert from "node:assert/strict";
import { walk } from "./walk_files.ts";

const root = new URL("../../", import.meta.url);
const supabaseDir = new URL("supabase/", root);
const functionsDir = new URL("supabase/functions/", root);
const entrypoints = ["calcom-connection", "calcom-bookings-sync", "calcom-webhook"];
/** Product files no function imports: the generated database types, for apps to use. */
const forApps = new Set(["supabase/functions/_shared/platform/database.types.ts"]);

/** Relative specifiers of static and dynamic imports and re-exports. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;

Deno.test("the import scan sees static, dynamic and re-exporting imports", () => {
  const text =
    `import { a } from "../../tools/a.ts";\nexport * from '../b.ts';\nawait import("./c.ts");\nimport "./d.ts";`;
  assert.deepEqual([...text.matchAll(IMPORT)].map((m) => m[1]), [
    "../../tools/a.ts",
    "../b.ts",
    "./c.ts",
    "./d.ts",
  ]);
});

Deno.test("no file under supabase/ imports anything outside supabase/", async () => {
  const escapes: string[] = [];
  for await (const file of walk(supabaseDir, (name) => /\.(ts|tsx|js|mjs)$/.test(name))) {
    const text = await Deno.readTextFile(file);
    for (const [, specifier] of text.matchAll(IMPORT)) {
      const target = new URL(specifier, file);
      if (!target.href.startsWith(supabaseDir.href)) {
        escapes.push(`${file.href.slice(root.href.length)} imports ${specifier}`);
      }
    }
  }
  assert.deepEqual(escapes, []);
});

Deno.test("every module under supabase/functions but the tests is part of a deployed function", async () => {
  const deployed = new Set<string>();
  for (const name of entrypoints) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", new URL(`${name}/index.ts`, functionsDir).pathname],
      env: { DENO_NO_PACKAGE_JSON: "1" },
      stdout: "piped",
    }).output();
    assert.ok(out.success, `deno info ${name}`);
    const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: { specifier: string }[] };
    for (const m of graph.modules) deployed.add(m.specifier);
  }
  const strays: string[] = [];
  for await (const file of walk(functionsDir, () => true)) {
    if (file.pathname.endsWith("_test.ts")) continue;
    const path = file.href.slice(root.href.length);
    if (!deployed.has(file.href) && !forApps.has(path)) strays.push(path);
  }
  assert.deepEqual(strays, [], "test helpers, fixtures and unused modules belong under tools/");
});
