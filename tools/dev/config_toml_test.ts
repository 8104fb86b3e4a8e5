import assert from "node:assert/strict";
import { TomlError } from "smol-toml";
import { readFunctionsConfig } from "./config_toml.ts";

Deno.test("readFunctionsConfig applies the CLI's defaults to what a function table leaves out", () => {
  const functions = readFunctionsConfig(`
[functions.a]
verify_jwt = false
import_map = "../import_map.json"
entrypoint = "./functions/a/index.ts"
[functions.b]
[functions.c]
enabled = false
`);
  assert.deepEqual(functions, {
    a: {
      enabled: true,
      verifyJwt: false,
      importMap: "../import_map.json",
      entrypoint: "./functions/a/index.ts",
    },
    b: { enabled: true, verifyJwt: true, importMap: undefined, entrypoint: undefined },
    c: { enabled: false, verifyJwt: true, importMap: undefined, entrypoint: undefined },
  });
});

Deno.test("readFunctionsConfig rejects a verify_jwt that is not a boolean", () => {
  assert.throws(
    () => readFunctionsConfig('[functions.a]\nverify_jwt = "no"'),
    /Function a: verify_jwt must be true or false/,
  );
});

Deno.test("readFunctionsConfig reads quoted function names and dotted keys", () => {
  const functions = readFunctionsConfig(`
# a comment
project_id = "demo"
[functions."my-fn"]
verify_jwt = false # trailing comment
[functions]
other.enabled = false
`);
  assert.deepEqual(functions, {
    "my-fn": { enabled: true, verifyJwt: false, importMap: undefined, entrypoint: undefined },
    other: { enabled: false, verifyJwt: true, importMap: undefined, entrypoint: undefined },
  });
});

Deno.test("readFunctionsConfig rejects a document that is not TOML, naming the line", () => {
  const cases: [string, number][] = [
    ["[functions.a]\nverify_jwt = false\nverify_jwt = true", 3],
    ["[functions.a]\n[functions.a]", 2],
    ['[functions.a]\nimport_map = "open', 2],
    ["[functions.a]\nenabled = true verify_jwt = false", 2],
  ];
  for (const [text, line] of cases) {
    assert.throws(
      () => readFunctionsConfig(text),
      (err: unknown) => err instanceof TomlError && err.line === line,
      text,
    );
  }
});

Deno.test("readFunctionsConfig rejects functions that are not tables", () => {
  assert.throws(() => readFunctionsConfig('functions = "all"'), /functions in config.toml must be a table/);
  assert.throws(
    () => readFunctionsConfig("[functions]\na = 1"),
    /Function a: \[functions.a\] must be a table/,
  );
});

Deno.test("readFunctionsConfig reads the project's config.toml: no function has the gateway check JWTs", async () => {
  const text = await Deno.readTextFile(new URL("../../supabase/config.toml", import.meta.url));
  const functions = readFunctionsConfig(text);
  assert.deepEqual(
    Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, [f.enabled, f.verifyJwt]])),
    {
      "calcom-connection": [true, false],
      "calcom-bookings-sync": [true, false],
      "calcom-webhook": [true, false],
    },
  );
  assert.equal(functions["calcom-webhook"].importMap, "../import_map.json");
});
