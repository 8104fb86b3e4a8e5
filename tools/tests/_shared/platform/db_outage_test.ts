/**
 * The pool after the database was unreachable: every transaction fails while it is down, and once it
 * answers again the next transactions run. postgres.js 3.4's `reserve()` keeps a reservation whose connect
 * failed in its queue, and hands it the first connection that opens later, never to be released; with
 * as many failures as the pool has connections, every later transaction would wait forever.
 *
 * The database is reached through a TCP relay on 127.0.0.1 that is closed (nothing listens: connects are
 * refused) and then opened on the same port.
 */
import assert from "node:assert/strict";
import { createTestDatabase } from "../../../db/test_database.ts";
import { createDb } from "../../../../supabase/functions/_shared/platform/db.ts";
import { inlineSql } from "../../../../supabase/functions/_shared/platform/inline_sql.ts";

/** A relay from `port` to Postgres on 5432, one upstream connection per client; `close()` stops it. */
function relay(port: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const open = new Set<Deno.Conn>();
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    try {
      await from.readable.pipeTo(to.writable);
    } catch {
      // the other side went away
    }
  };
  const serving = (async () => {
    for await (const client of listener) {
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: 5432 });
      open.add(client).add(upstream);
      pipe(client, upstream);
      pipe(upstream, client);
    }
  })().catch(() => {});
  return {
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await serving;
    },
  };
}

/** A port nothing listens on now (taken and given back). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** `p`, or a rejection after `ms`: a hung pool fails the test instead of hanging it. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

for (const max of [1, 4]) {
  Deno.test(`a pool of ${max} serves again once the database is back, after more failures than connections`, async () => {
    await using testDb = await createTestDatabase();
    const port = freePort();
    const url = new URL(testDb.url);
    url.hostname = "127.0.0.1";
    url.port = String(port);
    const db = createDb(url.toString(), { max });
    try {
      // down: connects are refused, every kind of transaction fails
      for (let i = 0; i < max + 2; i++) {
        await assert.rejects(within(db.asService((tx) => tx`select 1`), 15_000, "a transaction while down"));
        await assert.rejects(within(db.asServiceOnce(inlineSql`select 1`), 15_000, "a statement while down"));
      }
      const up = relay(port);
      try {
        for (let i = 0; i < max + 2; i++) {
          const [row] = await within(
            db.asService((tx) => tx<{ n: number }[]>`select 1 as n`),
            10_000,
            "a transaction once back",
          );
          assert.equal(row.n, 1);
        }
        const answers = await within(
          Promise.all(Array.from({ length: 2 * max }, () => db.asService((tx) => tx`select pg_sleep(0.01)`))),
          10_000,
          "transactions at once",
        );
        assert.equal(answers.length, 2 * max);
      } finally {
        await db.end();
        await up.close();
      }
    } finally {
      await db.end().catch(() => {});
    }
  });
}
