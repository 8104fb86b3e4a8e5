/**
 * Applies the platform SQL (where missing) and the project's migrations to a database, recording each
 * migration in `supabase_migrations.schema_migrations` exactly as the Supabase CLI does, so the CLI
 * sees them as applied and a database set up here can later be managed with `supabase migration up`.
 *
 * @module
 */
import type postgres from "postgres";

const root = new URL("../../", import.meta.url);
export const platformSqlUrl = new URL("tools/platform/supabase_platform.sql", root);
export const migrationsDirUrl = new URL("supabase/migrations/", root);

/** A migration file: its version (the timestamp prefix), name and SQL. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** Reads the migrations in the order the Supabase CLI applies them (by file name). */
export async function readMigrations(): Promise<Migration[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(migrationsDirUrl)) {
    if (entry.isFile && entry.name.endsWith(".sql")) files.push(entry.name);
  }
  files.sort();
  return await Promise.all(files.map(async (file) => {
    const match = file.match(/^(\d{14})_(.+)\.sql$/);
    if (!match) throw new Error(`Cannot read migration ${file}: name is not YYYYMMDDHHMMSS_name.sql`);
    return {
      version: match[1],
      name: match[2],
      sql: await Deno.readTextFile(new URL(file, migrationsDirUrl)),
    };
  }));
}

/** Applies the Supabase platform shim; every statement in it is guarded, so re-running is harmless. */
export async function applyPlatform(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(await Deno.readTextFile(platformSqlUrl)).simple();
}

/** Applies the migrations not yet recorded, each in its own transaction. Returns the versions applied. */
export async function applyMigrations(sql: postgres.Sql): Promise<string[]> {
  await sql.unsafe(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key, statements text[], name text
    );
  `).simple();
  const applied = new Set(
    (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`)
      .map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of await readMigrations()) {
    if (applied.has(m.version)) continue;
    await sql.begin(async (tx) => {
      await tx.unsafe(m.sql).simple();
      await tx`insert into supabase_migrations.schema_migrations (version, statements, name)
               values (${m.version}, ${[m.sql]}, ${m.name})`;
    });
    done.push(m.version);
  }
  return done;
}

/** Platform, then migrations: what a fresh database needs to look like a Supabase project's. */
export async function applySchema(sql: postgres.Sql): Promise<void> {
  await applyPlatform(sql);
  await applyMigrations(sql);
}
