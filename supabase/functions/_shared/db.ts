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
  return {
    sql,
    async asUser(user, fn) {
      const claims = JSON.stringify({ ...user.claims, sub: user.sub, role: "authenticated" });
      return await sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true),
                        set_config('statement_timeout', ${timeout}, true)`;
        return await fn(tx);
      }) as Awaited<ReturnType<typeof fn>>;
    },
    async asService(fn) {
      return await sql.begin((tx) => {
        // sent now, so it runs before fn's first statement, which follows without waiting for its answer
        const setup = tx.unsafe(serviceSetup).execute();
        setup.catch(() => {}); // observed by Promise.all below, unless fn throws synchronously
        return Promise.all([setup, fn(tx)]).then(([, result]) => result);
      }) as Awaited<ReturnType<typeof fn>>;
    },
    async end() {
      await sql.end({ timeout: 5 });
    },
  };
}
