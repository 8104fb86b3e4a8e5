import assert from "node:assert/strict";
import { blockingFindings, cliEnv, firstDifference, parseAdvisorFindings } from "./supabase_cli_check.ts";

const finding = (level: string, schema: string | undefined, name = "some_lint") => ({
  name,
  title: "Some lint",
  level,
  facing: "EXTERNAL",
  detail: schema ? `Something about \`${schema}.thing\`` : "Something about the project",
  metadata: schema ? { schema, name: "thing", type: "table" } : {},
});

Deno.test("advisor findings are read from the CLI's JSON, wrapped or bare", () => {
  const one = finding("WARN", "public", "function_search_path_mutable");
  assert.equal(
    parseAdvisorFindings(JSON.stringify({ results: [one] }))[0].name,
    "function_search_path_mutable",
  );
  assert.equal(parseAdvisorFindings(JSON.stringify([one])).length, 1);
  assert.deepEqual(parseAdvisorFindings(JSON.stringify({ results: [] })), []);
});

Deno.test("advisor output that is not JSON or has an unknown level is refused", () => {
  assert.throws(
    () => parseAdvisorFindings("Connecting to 127.0.0.1"),
    /Cannot read the advisors' output: not JSON/,
  );
  assert.throws(
    () => parseAdvisorFindings(JSON.stringify({ results: [finding("FATAL", "public")] })),
    /Cannot read the advisors' output/,
  );
});

Deno.test("errors and warnings about public objects block, info and other schemas do not", () => {
  const findings = parseAdvisorFindings(JSON.stringify({
    results: [
      finding("ERROR", "public", "rls_disabled_in_public"),
      finding("WARN", "public", "function_search_path_mutable"),
      finding("INFO", "public", "unused_index"),
      finding("WARN", "auth", "auth_users_exposed"),
      finding("WARN", undefined, "auth_leaked_password_protection"),
    ],
  }));
  assert.deepEqual(blockingFindings(findings).map((f) => f.name), [
    "rls_disabled_in_public",
    "function_search_path_mutable",
  ]);
});

Deno.test("the CLI skips TLS on a loopback server only, and never phones home", () => {
  assert.equal(cliEnv("postgresql://postgres@127.0.0.1:5432/t").PGSSLMODE, "disable");
  assert.equal(cliEnv("postgresql://postgres@127.0.0.1:5432/t?sslmode=require").PGSSLMODE, undefined);
  assert.equal(cliEnv("postgresql://postgres@db.example.test:5432/t").PGSSLMODE, undefined);
  assert.equal(cliEnv("postgresql://postgres@db.example.test:5432/t").SUPABASE_TELEMETRY_DISABLED, "1");
});

Deno.test("the first difference names the line and both versions of it", () => {
  assert.equal(firstDifference("a\nb\n", "a\nb\n"), undefined);
  assert.equal(firstDifference("a\nb\n", "a\nc\n"), 'line 2: committed "b", generated "c"');
  assert.equal(firstDifference("", "export type Json"), 'line 1: committed "", generated "export type Json"');
  assert.equal(firstDifference("a\n", "a\nb"), 'line 2: committed "", generated "b"');
});
