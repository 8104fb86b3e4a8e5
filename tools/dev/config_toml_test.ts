import assert from "node:assert/strict";
import { parseToml, readFunctionsConfig, TomlError } from "./config_toml.ts";

Deno.test("parseToml reads tables, dotted and quoted keys, and scalar values", () => {
  const doc = parseToml(`
# a comment
project_id = "demo" # trailing comment
[api]
port = 54321
ratio = 1.5
big = 1_000
hex = 0xff
enabled = true
off = false
[api.tls]
enabled = false
[functions."my-fn"]
verify_jwt = false
site.url = 'C:\\literal'
`);
  assert.deepEqual(doc, {
    project_id: "demo",
    api: { port: 54321, ratio: 1.5, big: 1000, hex: 255, enabled: true, off: false, tls: { enabled: false } },
    functions: { "my-fn": { verify_jwt: false, site: { url: "C:\\literal" } } },
  });
});

Deno.test("parseToml reads multi-line arrays, inline tables and string escapes", () => {
  const doc = parseToml(`
schemas = [
  "public", # exposed
  "graphql_public",
]
nested = [[1, 2], ["a"]]
point = { x = 1, y = { z = "deep" } }
escaped = "tab\\there \\"quoted\\" \\u00e9"
multi = """
first \\
  second"""
raw = '''
keep \\n as is'''
`);
  assert.deepEqual(doc, {
    schemas: ["public", "graphql_public"],
    nested: [[1, 2], ["a"]],
    point: { x: 1, y: { z: "deep" } },
    escaped: 'tab\there "quoted" é',
    multi: "first second",
    raw: "keep \\n as is",
  });
});

Deno.test("parseToml reads arrays of tables", () => {
  const doc = parseToml(`
[[hooks]]
name = "a"
[[hooks]]
name = "b"
[hooks.extra]
ok = true
`);
  assert.deepEqual(doc, { hooks: [{ name: "a" }, { name: "b", extra: { ok: true } }] });
});

Deno.test("parseToml names the line of a duplicate key, a bad value or an unterminated string", () => {
  const cases: [string, RegExp][] = [
    ["a = 1\nb = 2\na = 3", /line 3: key "a" is defined twice/],
    ["[x]\n[x]", /line 2: table \[x\] is defined twice/],
    ["when = 1979-05-27", /line 1: dates and times are not supported/],
    ['name = "open', /line 1: unterminated string/],
    ["a = 1 b = 2", /line 1: unexpected "b" after a value/],
    ["= 1", /line 1: unexpected "=" where a key belongs/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseToml(text),
      (err: unknown) => err instanceof TomlError && message.test(err.message),
    );
  }
});

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
