import assert from "node:assert/strict";
import postgres from "postgres";
import { applySchema } from "../db/apply_schema.ts";
import { resetDataDir, startEmbeddedPostgres } from "./pglite_server.ts";

async function countUsers(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from auth.users`;
    return n;
  } finally {
    await sql.end();
  }
}

Deno.test("the embedded database takes the schema, enforces RLS, and keeps its data across restarts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "pglite_test_" });
  try {
    {
      await using pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pglite` });
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        await applySchema(sql);
        const userId = crypto.randomUUID();
        await sql`insert into auth.users (id, aud, role, email) values (${userId}, 'authenticated', 'authenticated', 'a@example.test')`;
        // A user may not read another user's connections: the policies work on PGlite too.
        const rows = await sql.begin(async (tx) => {
          await tx`select set_config('role', 'authenticated', true)`;
          await tx`select set_config('request.jwt.claims', ${
            JSON.stringify({ sub: crypto.randomUUID() })
          }, true)`;
          return await tx`select id from public.calcom_connections`;
        });
        assert.equal(rows.length, 0);
      } finally {
        await sql.end();
      }
    }
    {
      await using pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pglite` });
      assert.equal(await countUsers(pg.url), 1);
    }
    {
      await using pg = await startEmbeddedPostgres({ dataDir: `${dataDir}/pglite`, reset: true });
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      try {
        const [{ exists }] = await sql`select to_regclass('auth.users') is not null as exists`;
        assert.equal(exists, false);
      } finally {
        await sql.end();
      }
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("reset refuses a folder that is not a PGlite data folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pglite_test_" });
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "keep me");
    await assert.rejects(() => resetDataDir(dir), /it is not a PGlite data folder/);
    assert.equal(await Deno.readTextFile(`${dir}/notes.txt`), "keep me");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a taken port falls back to a free one when allowed, and fails fast otherwise", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  await assert.rejects(() => startEmbeddedPostgres({ port }), new RegExp(`port ${port} is in use`));
  await using pg = await startEmbeddedPostgres({ port, fallbackToFreePort: true });
  assert.notEqual(pg.port, port);
  assert.equal(await countUsers(pg.url).catch((err) => err.message), 'relation "auth.users" does not exist');
});
