import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../tools/db/test_database.ts";
import type { UserClaims } from "./auth.ts";
import { createDb } from "./db.ts";

function claimsFor(sub: string, email = `${sub}@example.test`): UserClaims {
  return {
    sub,
    role: "authenticated",
    email,
    claims: { sub, role: "authenticated", email, aud: "authenticated" },
  };
}

async function insertConnection(sql: import("postgres").Sql, userId: string, calcomUserId: number) {
  const [row] = await sql<{ id: string }[]>`
    insert into public.calcom_connections
      (user_id, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id)
    values (${userId}, 'v1.x', 'abcd', 'v1.y', ${calcomUserId})
    returning id`;
  return row.id;
}

Deno.test("db transactions run with the caller's identity or as service_role", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const dana = await createUser(testDb.sql);
    const eve = await createUser(testDb.sql);
    const danas = await insertConnection(testDb.sql, dana, 512);
    await insertConnection(testDb.sql, eve, 513);

    await t.step("asUser runs as authenticated with the verified claims", async () => {
      const [row] = await db.asUser(
        claimsFor(dana),
        (tx) =>
          tx`select current_user as role, auth.uid() as uid, auth.role() as jwt_role, auth.jwt() ->> 'email' as email`,
      );
      assert.deepEqual({ ...row }, {
        role: "authenticated",
        uid: dana,
        jwt_role: "authenticated",
        email: `${dana}@example.test`,
      });
    });

    await t.step("asUser sees only the caller's rows, so RLS is the boundary", async () => {
      const rows = await db.asUser(
        claimsFor(dana),
        (tx) => tx`select id, calcom_user_id from public.calcom_connections`,
      );
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: danas, calcom_user_id: 512 }]);
    });

    await t.step("asUser cannot read the ciphertext columns", async () => {
      await assert.rejects(
        db.asUser(claimsFor(dana), (tx) => tx`select api_key_encrypted from public.calcom_connections`),
        { code: "42501" },
      );
    });

    await t.step("asUser cannot insert connections: only the function may, as service", async () => {
      await assert.rejects(
        db.asUser(claimsFor(dana), (tx) =>
          tx`
          insert into public.calcom_connections (api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id)
          values ('a', 'b', 'c', 1)`),
        { code: "42501" },
      );
    });

    await t.step("asService sees every row and the ciphertexts", async () => {
      const rows = await db.asService((tx) =>
        tx`select current_user as role, api_key_encrypted from public.calcom_connections order by calcom_user_id`
      );
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { role: "service_role", api_key_encrypted: "v1.x" },
        { role: "service_role", api_key_encrypted: "v1.x" },
      ]);
    });

    await t.step("role and claims end with the transaction", async () => {
      await db.asUser(claimsFor(dana), (tx) => tx`select 1`);
      const [row] = await db.sql`select current_user as role, auth.uid() as uid`;
      assert.deepEqual({ ...row }, { role: "postgres", uid: null });
    });

    await t.step("a failing callback rolls the transaction back", async () => {
      await assert.rejects(
        db.asService(async (tx) => {
          await tx`update public.calcom_connections set label = 'renamed' where id = ${danas}`;
          throw new Error("boom");
        }),
        /boom/,
      );
      const [row] = await db.sql`select label from public.calcom_connections where id = ${danas}`;
      assert.equal(row.label, "Cal.com");
    });

    await t.step("int8 values come back as numbers", async () => {
      const [row] = await db
        .sql`select 9007199254740991::bigint as big, count(*) as n from public.calcom_connections`;
      assert.deepEqual({ ...row }, { big: 9007199254740991, n: 2 });
    });
  } finally {
    await db.end();
  }
});

Deno.test("a statement stuck behind a lock fails after the statement timeout instead of hanging", async () => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 2, statementTimeoutMs: 200 });
  const holder = await testDb.sql.reserve();
  try {
    const dana = await createUser(testDb.sql);
    const id = await insertConnection(testDb.sql, dana, 514);
    await holder`begin`;
    await holder`select 1 from public.calcom_connections where id = ${id} for update`;
    await assert.rejects(
      db.asService((tx) => tx`delete from public.calcom_connections where id = ${id}`),
      { code: "57014" },
    );
    await assert.rejects(
      db.asUser(
        claimsFor(dana),
        (tx) => tx`update public.calcom_connections set label = 'x' where id = ${id}`,
      ),
      { code: "57014" },
    );
    await holder`rollback`;
    const [row] = await db.asService((tx) => tx`select count(*)::int as n from public.calcom_connections`);
    assert.equal(row.n, 1);
  } finally {
    holder.release();
    await db.end();
  }
});
