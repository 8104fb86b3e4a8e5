import assert from "node:assert/strict";
import { createTestDatabase, createUser } from "../../../db/test_database.ts";
import type { UserClaims } from "../../../../supabase/functions/_shared/platform/auth.ts";
import {
  createDb,
  isTransactionConflict,
  quoteLiteral,
  transactionAttempts,
  type Tx,
} from "../../../../supabase/functions/_shared/platform/db.ts";
import { inlineColumns, inlineSql } from "../../../../supabase/functions/_shared/platform/inline_sql.ts";

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

    await t.step("claims of any content reach the database exactly as verified", async () => {
      const hostile = `O'Brien \\ \\' '' \\\\'); drop table public.calcom_bookings; -- ü 🎉 \u2028 "x"`;
      const user = claimsFor(dana, `${dana}@example.test`);
      user.claims = { ...user.claims, user_metadata: { name: hostile, "key'\\": [hostile] } };
      const [row] = await db.asUser(user, (tx) => tx`select current_setting('request.jwt.claims') as claims`);
      assert.deepEqual(JSON.parse(row.claims), { ...user.claims, sub: dana, role: "authenticated" });
      const [{ n }] = await db.sql`select count(*)::int as n from public.calcom_bookings`;
      assert.equal(n, 0);
    });

    await t.step(
      "a statement that failed rolls everything back, even when the callback caught it",
      async () => {
        await assert.rejects(
          db.asService(async (tx) => {
            await tx`update public.calcom_connections set label = 'renamed' where id = ${danas}`;
            await tx`select 1 / 0`.catch(() => null);
            return "swallowed";
          }),
          /rolled back/,
        );
        const [row] = await db.sql`select label from public.calcom_connections where id = ${danas}`;
        assert.equal(row.label, "Cal.com");
      },
    );

    await t.step("a callback that throws before its first statement is a rollback, not a crash", async () => {
      await assert.rejects(
        db.asService(() => {
          throw new Error("thrown synchronously");
        }),
        /thrown synchronously/,
      );
      const [row] = await db.asService((tx) => tx`select current_user as role`);
      assert.equal(row.role, "service_role");
    });

    await t.step("concurrent transactions each keep their own identity and writes", async () => {
      const many = createDb(testDb.url, { max: 3 });
      try {
        const seen = await Promise.all(
          Array.from({ length: 24 }, (_, i) => {
            const sub = i % 2 === 0 ? dana : eve;
            return many.asUser(claimsFor(sub), async (tx) => {
              const [first] = await tx`select auth.uid() as uid`;
              const rows = await tx<
                { calcom_user_id: number }[]
              >`select calcom_user_id from public.calcom_connections`;
              return [first.uid === sub, rows.map((r) => r.calcom_user_id)] as const;
            });
          }),
        );
        seen.forEach(([own, ids], i) => {
          assert.equal(own, true);
          assert.deepEqual(ids, [i % 2 === 0 ? 512 : 513]);
        });
      } finally {
        await many.end();
      }
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

Deno.test("a transaction Postgres aborts as a deadlock victim runs again and commits", async () => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 2 });
  try {
    const dana = await createUser(testDb.sql);
    const first = await insertConnection(testDb.sql, dana, 515);
    const second = await insertConnection(testDb.sql, dana, 516);
    const attempts = { a: 0, b: 0 };
    const locked = { a: Promise.withResolvers<void>(), b: Promise.withResolvers<void>() };
    // Each takes one row, waits until the other has taken the other row, then asks for it: a deadlock
    // on the first attempts. Later attempts find both waits over and go straight on.
    const crosswise = (me: "a" | "b", mine: string, theirs: string, other: "a" | "b") => (tx: Tx) => {
      attempts[me]++;
      return (async () => {
        await tx`update public.calcom_connections set label = ${me} where id = ${mine}`;
        locked[me].resolve();
        await locked[other].promise;
        await tx`update public.calcom_connections set label = ${me} where id = ${theirs}`;
        return me;
      })();
    };
    const results = await Promise.all([
      db.asService(crosswise("a", first, second, "b")),
      db.asService(crosswise("b", second, first, "a")),
    ]);
    assert.deepEqual(results, ["a", "b"]);
    // At least one was a victim and ran again (on a loaded machine a retry can meet the other's locks
    // once more), none ran more often than allowed, and both committed.
    assert.ok(attempts.a + attempts.b >= 3, `attempts: ${JSON.stringify(attempts)}`);
    assert.ok(attempts.a <= transactionAttempts && attempts.b <= transactionAttempts);
    const labels = await testDb.sql`select label from public.calcom_connections where id in ${
      testDb.sql([first, second])
    }`;
    // Whichever committed last wrote both rows: no transaction was half-applied.
    assert.equal(new Set(labels.map((r) => r.label)).size, 1);

    // Other failures are not retried.
    let runs = 0;
    await assert.rejects(
      db.asService((tx) => (runs++, tx`insert into public.calcom_connections (id) values (${first})`)),
      { code: "23502" },
    );
    assert.equal(runs, 1);
  } finally {
    await db.end();
  }
});

Deno.test("only deadlocks and serialization failures, also wrapped as a cause, count as conflicts", () => {
  const pg = (code: string) => Object.assign(new Error("x"), { name: "PostgresError", code });
  assert.equal(isTransactionConflict(pg("40P01")), true);
  assert.equal(isTransactionConflict(pg("40001")), true);
  assert.equal(isTransactionConflict(new Error("apply failed", { cause: pg("40P01") })), true);
  assert.equal(isTransactionConflict(pg("23505")), false);
  assert.equal(isTransactionConflict(Object.assign(new Error("x"), { code: "40P01" })), false);
  assert.equal(isTransactionConflict(undefined), false);
});

Deno.test("quoteLiteral makes a literal that means the text under either string syntax", async () => {
  await using testDb = await createTestDatabase();
  const texts = ["", "plain", "it's", "back\\slash", "\\'; select 1; --", "ü 🎉 \u2028", "''\\\\''"];
  for (const conforming of ["on", "off"]) {
    await testDb.sql.unsafe(`set standard_conforming_strings = ${conforming}`);
    for (const text of texts) {
      const [row] = await testDb.sql.unsafe(`select ${quoteLiteral(text)} as value`);
      assert.equal(row.value, text, `${conforming}: ${text}`);
    }
  }
  assert.throws(() => quoteLiteral("nul \0 inside"), RangeError);
});

Deno.test("asServiceOnce runs one inline statement as service_role and commits it", async (t) => {
  await using testDb = await createTestDatabase();
  const db = createDb(testDb.url, { max: 1 });
  try {
    const dana = await createUser(testDb.sql);
    await t.step("the statement runs as service_role with its values as literals", async () => {
      const rows = await db.asServiceOnce<{ role: string; name: string; at: Date; n: number }[]>(
        inlineSql`select current_user as role, ${"it's \\ odd"}::text as name,
          ${new Date("2026-01-02T03:04:05.678Z")}::timestamptz as at, ${-12}::int as n`,
      );
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { role: "service_role", name: "it's \\ odd", at: new Date("2026-01-02T03:04:05.678Z"), n: -12 },
      ]);
    });
    await t.step("its write is committed", async () => {
      await db.asServiceOnce(inlineSql`
        insert into public.calcom_connections
          (user_id, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id)
        values (${dana}::uuid, 'v1.x', 'abcd', 'v1.y', ${600}::bigint)`);
      const [row] = await testDb
        .sql`select count(*)::int as n from public.calcom_connections where user_id = ${dana}`;
      assert.equal(row.n, 1);
    });
    await t.step("a failing statement throws its error and leaves nothing behind", async () => {
      await assert.rejects(
        db.asServiceOnce(inlineSql`
          insert into public.calcom_connections
            (user_id, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id)
          values (${crypto.randomUUID()}::uuid, 'v1.x', 'abcd', 'v1.y', ${601}::bigint)`),
        (err: Error & { code?: string }) => err.code === "23503",
      );
      // the connection is usable again, outside any transaction and role
      const [row] = await testDb.sql`select count(*)::int as n from public.calcom_connections`;
      assert.equal(row.n, 1);
      const [after] = await db.sql`select current_user as role`;
      assert.equal(after.role, "postgres");
    });
  } finally {
    await db.end();
  }
});

Deno.test("inlineSql writes every value as a literal, never as SQL", async () => {
  await using testDb = await createTestDatabase();
  const hostile = "'); drop table public.calcom_connections; --";
  const [row] = await testDb.sql.unsafe(
    inlineSql`select ${hostile}::text as s, ${null}::text as n, ${true} as b, ${1.5}::numeric as x`.text,
  );
  assert.deepEqual({ ...row }, { s: hostile, n: null, b: true, x: "1.5" });
  const [list] = await testDb.sql.unsafe(
    inlineSql`select ${["a'b", "c\\"]}::text[] as l, ${[]}::text[] as e, 1 ${inlineSql`+ ${2}::int`} as sum`
      .text,
  );
  assert.deepEqual({ ...list }, { l: ["a'b", "c\\"], e: [], sum: 3 });
  assert.equal(inlineColumns(["a", "b_2"], "t").text, "t.a, t.b_2");
  assert.throws(() => inlineColumns(["a; drop"]), RangeError);
  // only what the tag made is inserted as SQL: a look-alike object is refused
  assert.throws(() => inlineSql`select ${{ text: "1; drop" } as never}`, TypeError);
  assert.throws(() => inlineSql`select ${Number.NaN}`, RangeError);
  assert.throws(() => inlineSql`select ${new Date(Number.NaN)}`, RangeError);
  assert.throws(() => inlineSql`select ${"nul \0"}`, RangeError);
});
