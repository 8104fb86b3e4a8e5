/**
 * Finds where a string is stored in a database: the proof that a secret is nowhere in plaintext.
 *
 * @module
 */
import type postgres from "postgres";

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * The tables (as `schema.table`) holding a row whose text form contains `needle`, over every base table
 * of every schema but the system catalogs. A row's text form includes every column, json and arrays too.
 */
export async function tablesContaining(sql: postgres.Sql, needle: string): Promise<string[]> {
  const tables = await sql<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by 1, 2`;
  const hits: string[] = [];
  for (const t of tables) {
    const rows = await sql.unsafe(
      `select 1 from ${quote(t.schema)}.${quote(t.name)} r where strpos(r::text, $1) > 0 limit 1`,
      [needle],
    );
    if (rows.length > 0) hits.push(`${t.schema}.${t.name}`);
  }
  return hits;
}
