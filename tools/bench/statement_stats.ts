/**
 * Per-statement figures of one database from `pg_stat_statements`, where the server preloads it
 * (`shared_preload_libraries`): how many statements a benchmark phase ran and where their execution time
 * went. A server without it answers `undefined`, and the benchmark falls back to the backends' CPU.
 *
 * @module
 */
import type postgres from "postgres";

/** One normalized statement's share of a phase. */
export interface StatementFigure {
  query: string;
  calls: number;
  totalExecMs: number;
}

/** A phase's statements, most execution time first. */
export interface StatementStats {
  calls: number;
  totalExecMs: number;
  statements: StatementFigure[];
}

/**
 * Creates the extension in the database `sql` is connected to and clears that database's counters;
 * false when the server does not load the module.
 */
export async function resetStatementStats(sql: postgres.Sql): Promise<boolean> {
  try {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)`;
    return true;
  } catch {
    return false;
  }
}

/** The counters since {@linkcode resetStatementStats}, the bookkeeping of this read left out. */
export async function readStatementStats(sql: postgres.Sql, top = 15): Promise<StatementStats> {
  const rows = await sql<{ query: string; calls: number; total: number }[]>`
    select query, calls::int as calls, total_exec_time::float8 as total
    from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())
      and query not like '%pg_stat_statements%'
    order by total_exec_time desc`;
  return {
    calls: rows.reduce((sum, r) => sum + r.calls, 0),
    totalExecMs: rows.reduce((sum, r) => sum + r.total, 0),
    statements: rows.slice(0, top).map((r) => ({
      query: r.query.replace(/\s+/g, " ").slice(0, 200),
      calls: r.calls,
      totalExecMs: r.total,
    })),
  };
}
