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
import { type InlineSql, quoteLiteral } from "./inline_sql.ts";

/** A transaction handle, as passed to `asUser` and `asService` callbacks. */
export type Tx = postgres.TransactionSql;

/** The pool and the two ways to use it. */
export interface Db {
  /**
   * The pool itself, for work outside any role (tests, maintenance); functions use the helpers. Read it
   * each time: after the database was unreachable it is a new pool (see {@linkcode createDb}).
   */
  readonly sql: postgres.Sql;
  /**
   * Runs `fn` in one transaction as the user, under RLS; commits when `fn` resolves. Runs it again when
   * Postgres aborted it as a deadlock or serialization victim (see {@linkcode transactionAttempts}).
   */
  asUser<T>(user: UserClaims, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction as `service_role` (bypasses RLS); commits when `fn` resolves. Runs it
   * again when Postgres aborted it as a deadlock or serialization victim (see {@linkcode transactionAttempts}).
   */
  asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs one parameterless statement as `service_role` in a transaction of its own and answers its rows:
   * `begin`, the role setup, the statement and `commit` go out in one write, one round trip in all
   * (`asService` needs three for a statement with parameters: see `inline_sql.ts`). Retried on a
   * conflict as `asService` is.
   */
  asServiceOnce<T extends readonly unknown[] = postgres.Row[]>(statement: InlineSql): Promise<T>;
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

/** Re-exported: the transaction setup quotes the JWT claims with it. */
export { quoteLiteral };

/** Hands out a connection of the pool for one transaction. */
type Reserve = () => Promise<postgres.ReservedSql>;

/**
 * Runs `fn` in a transaction on a connection of its own: `begin`, the parameterless `setup` and `fn`'s
 * first statement go out in one write and one round trip (`sql.begin` waits for `begin` to answer before
 * it runs anything: a round trip more per transaction). Commits when `fn` resolves; rolls back and rethrows
 * when `begin`, the setup or `fn` failed. The connection returns to the pool only once `fn` has settled,
 * so none of its statements can run in another transaction.
 */
async function inTransaction<T>(reserve: Reserve, setup: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const c = await reserve();
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

/**
 * Runs `statement` alone in a transaction on a connection of its own, everything pipelined: `begin`, the
 * setup, the statement and `commit` are sent together (none has parameters, so postgres.js describes
 * none first and queues each right behind the one before). A failed setup or statement aborts the
 * transaction, and Postgres answers the queued `commit` with ROLLBACK; the first failure is rethrown.
 */
async function oneStatement<T>(reserve: Reserve, setup: string, statement: string): Promise<T> {
  const c = await reserve();
  try {
    const steps = await Promise.allSettled([
      c.unsafe("begin").execute(),
      c.unsafe(setup).execute(),
      c.unsafe(statement).execute(),
      c.unsafe("commit").execute(),
    ]);
    const failed = steps.find((step) => step.status === "rejected");
    if (failed) throw failed.reason;
    const committed = (steps[3] as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value;
    if (committed.command !== "COMMIT") {
      throw new Error("The transaction was rolled back: a statement failed");
    }
    return (steps[2] as PromiseFulfilledResult<T>).value;
  } catch (err) {
    // the commit normally ended the transaction already; this is for a connection error in between
    await c.unsafe("rollback").catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

/**
 * How often a transaction runs at most when Postgres keeps aborting it with 40P01 (deadlock detected) or
 * 40001 (serialization failure). The victim's locks are gone, so the other transaction goes on and a new
 * attempt usually succeeds at once. Writers take booking rows in one order so deadlocks should not
 * happen at all; this is the safety net for lock orders nobody thought of. A callback may therefore run
 * more than once: what it does outside the database must be safe to repeat. One callback calls Cal.com:
 * a connect holds its account lock across the key check and the webhook registration
 * (`calcom-connection/app.ts`), and repeating those is safe (a webhook created by the first attempt is
 * found by its 409 and reused or replaced).
 */
export const transactionAttempts = 3;

const CONFLICT_CODES = new Set(["40P01", "40001"]);

/**
 * Whether `err`, or an error it wraps as `cause` (an apply error wrapping the statement's), is a
 * Postgres deadlock or serialization failure: the whole transaction may simply run again.
 */
export function isTransactionConflict(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const { name, code, cause } = current as { name?: unknown; code?: unknown; cause?: unknown };
    if (name === "PostgresError" && typeof code === "string" && CONFLICT_CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

/**
 * Runs `attempt` until it settles other than with a transaction conflict, at most
 * {@linkcode transactionAttempts} times. No retry library: there is no wait to tune (Postgres already
 * released the victim's locks) and only two SQLSTATEs qualify.
 */
async function retryConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1;; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= transactionAttempts || !isTransactionConflict(err)) throw err;
    }
  }
}

/**
 * Creates the pool (connections open lazily, on first query). When a connection cannot be reserved (the
 * database is unreachable), the pool is replaced by a new one: postgres.js 3.4 keeps a reservation whose
 * connect failed in its queue and hands it the first connection that opens later, which is then never
 * released, so after as many failures as the pool has connections every transaction would wait forever
 * (tools/tests/_shared/platform/db_outage_test.ts).
 */
export function createDb(url: string, options: DbOptions = {}): Db {
  const connect = () =>
    postgres(url, {
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
  let sql = connect();
  const reserve: Reserve = async () => {
    const pool = sql;
    try {
      return await pool.reserve();
    } catch (err) {
      if (sql === pool) {
        sql = connect();
        // closes what the lost reservation would have kept; nothing else of this pool is in use
        pool.end({ timeout: 0 }).catch(() => {});
      }
      throw err;
    }
  };
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
    get sql() {
      return sql;
    },
    asUser: (user, fn) => {
      const setup = userSetup(JSON.stringify({ ...user.claims, sub: user.sub, role: "authenticated" }));
      return retryConflicts(() => inTransaction(reserve, setup, fn));
    },
    asService: (fn) => retryConflicts(() => inTransaction(reserve, serviceSetup, fn)),
    asServiceOnce: <T>(statement: InlineSql) =>
      retryConflicts(() => oneStatement<T>(reserve, serviceSetup, statement.text)),
    async end() {
      await sql.end({ timeout: 5 });
    },
  };
}
