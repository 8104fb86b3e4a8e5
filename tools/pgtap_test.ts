import assert from "node:assert/strict";
import { listTestFiles, pgProveConnection } from "./pgtap.ts";

Deno.test("a plain local URL becomes pg_prove host, port, user and database flags", () => {
  assert.deepEqual(pgProveConnection("postgresql://postgres@127.0.0.1:5432/test_abc"), {
    args: ["--host", "127.0.0.1", "--port", "5432", "--username", "postgres", "--dbname", "test_abc"],
    env: {},
  });
});

Deno.test("the password goes to PGPASSWORD and never into the flags", () => {
  const { args, env } = pgProveConnection(
    "postgres://app%40x:s3cr%2Ft@db.example.test/my%20db?sslmode=require",
  );
  assert.deepEqual(args, [
    "--host",
    "db.example.test",
    "--port",
    "5432",
    "--username",
    "app@x",
    "--dbname",
    "my db",
  ]);
  assert.deepEqual(env, { PGPASSWORD: "s3cr/t", PGSSLMODE: "require" });
  assert.ok(!args.some((a) => a.includes("s3cr")));
});

Deno.test("an IPv6 host loses its brackets", () => {
  assert.equal(pgProveConnection("postgresql://postgres@[::1]:6543/t").args[1], "::1");
});

Deno.test("a URL without a database or of another scheme is refused", () => {
  assert.throws(() => pgProveConnection("postgresql://postgres@127.0.0.1:5432"), {
    message: "Cannot run pg_prove: the database URL names no database",
  });
  assert.throws(() => pgProveConnection("mysql://root@127.0.0.1/x"), {
    message: "Cannot run pg_prove on mysql://: not a postgres URL",
  });
});

Deno.test("the suite's files are the numbered *.test.sql files, in order, without the helpers", async () => {
  const files = (await listTestFiles()).map((f) => f.split("/").pop()!);
  assert.ok(files.length >= 9);
  assert.deepEqual(files, [...files].sort());
  for (const f of files) assert.match(f, /^\d{3}-[a-z0-9_]+\.test\.sql$/);
});
