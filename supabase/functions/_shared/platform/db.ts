/**
 * The functions' database access: a postgres.js pool on `SUPABASE_DB_URL` and two kinds of transaction.
 * `asUser` runs as the verified caller, exactly as PostgREST does (role `authenticated` and the JWT
 * claims as `request.jwt.claims`), so row-level security decides what it sees; `asService` runs as
 * `service_role` for the writes clients may not make, once ownership was established under RLS.
 *
 * int8 columns come back as JavaScript numbers (Cal.com ids fit comfortably below 2^53), not strings.
 *
 * @module
 */
import postgres from "postgres";
import type { UserClaims } from "./auth.ts";

/** A transaction handle, as passed to `asUser` and `asService` callbacks. */
export type Tx = postgres.TransactionSql;

/** The pool and the two ways to use it. */
export interface Db {
  /** The pool itself, for work outside any role (tests, maintenance); functions use the helpers. */
  sql: postgres.Sql;
  /** Runs `fn` in one transaction as the user, under RLS; commits when `fn` resolves. */
  asUser<T>(user: UserClaims, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction as `service_role` (bypasses RLS); commits when `fn` resolves. */
  asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Closes the pool. */
  end(): Promise<void>;
}

/** Pool options; `max` 1 for PGlite, which serves one connection at a time. */
export interface DbOptions {
  max?: number;
  /** Seconds an idle connection stays open; short, because Edge Function isolates come and go. */
  idleTimeout?: number;
  /**
   * Longest a statement of `asUser`/`asService` may run or wait for a lock (default 30 s), so a stuck
   * database answers a 500 instead of holding the request, and its pool slot, until the runtime kills it.
   */
  statementTimeoutMs?: number;
}

/**
 * A string as an SQL literal: `E'…'` with backslashes and quotes escaped, so the result means the same
 * whatever `standard_conforming_strings` says. For the transaction setup only (text without NUL, such as
 * the JWT claims JSON), which must carry no parameter to be pipelined (see {@linkcode inTransaction}).
 */
export function quoteLiteral(text: string): string {
  if (text.includes("\0")) throw new RangeError("An SQL literal cannot hold NUL");
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/**
 * Runs `fn` in a transaction on a connection of its own: `begin`, the parameterless `setup` and `fn`'s
 * first statement go out in one write and one round trip (`sql.begin` waits for `begin` to answer before
 * it runs anything: a round trip more per transaction). Commits when `fn` resolves; rolls back and rethrows
 * when `begin`, the setup or `fn` failed. The connection returns to the pool only once `fn` has settled,
 * so none of its statements can run in another transaction.
 */
async function inTransaction<T>(sql: postgres.Sql, setup: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const c = await sql.reserve();
  try {
    const steps = await Promise.allSettled([
      c.unsafe("begin").execute(),
      c.unsafe(setup).execute(),
      // a ReservedSql sends statements exactly as a TransactionSql does; it only lacks savepoints. The async
      // wrapper turns a synchronous throw into a rejection, so begin and setup are still awaited
      (async () => await fn(c as unknown as Tx))(),
    ]);
    // the first failure is the cause: after a failed setup, fn's statements fail as "transaction aborted"
    const failed = steps.find((step) => step.status === "rejected");
    if (failed) throw failed.reason;
    const committed = await c.unsafe("commit");
    // an aborted transaction answers a commit with ROLLBACK: a statement failed and fn did not rethrow
    if (committed.command !== "COMMIT") {
      throw new Error("The transaction was rolled back: a statement failed");
    }
    return (steps[2] as PromiseFulfilledResult<T>).value;
  } catch (err) {
    await c.unsafe("rollback").catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/** Creates the pool (connections open lazily, on first query). */
export function createDb(url: string, options: DbOptions = {}): Db {
  const sql = postgres(url, {
    max: options.max ?? 4,
    idle_timeout: options.idleTimeout ?? 20,
    connect_timeout: 10,
    // Supabase's pooler (Supavisor, transaction mode) cannot keep named prepared statements
    prepare: false,
    onnotice: () => {},
    connection: { application_name: "calcom-supabase" },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number | bigint) => value.toString(),
        parse: (value: string) => Number(value),
      },
    },
  });
  const timeoutMs = options.statementTimeoutMs ?? 30_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
    throw new RangeError("statementTimeoutMs must be a non-negative integer");
  }
  const timeout = `${timeoutMs}ms`;
  // Without parameters: postgres.js describes every unprepared statement that has some before running it (a
  // round trip of its own), and a statement without one is pipelined with the transaction's first query
  const serviceSetup = `select set_config('role', 'service_role', true),
    set_config('request.jwt.claims', '{"role":"service_role"}', true),
    set_config('statement_timeout', '${timeout}', true)`;
  const userSetup = (claims: string) =>
    `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${
      quoteLiteral(claims)
    }, true), set_config('statement_timeout', '${timeout}', true)`;
  return {
    sql,
    asUser: (user, fn) =>
      inTransaction(
        sql,
        userSetup(JSON.stringify({ ...user.claims, sub: user.sub, role: "authenticated" })),
        fn,
      ),
    asService: (fn) => inTransaction(sql, serviceSetup, fn),
    async end() {
      await sql.end({ timeout: 5 });
    },
  };
}
