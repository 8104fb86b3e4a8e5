/**
 * Runs the pgTAP suite in `supabase/tests/database/` with Debian's `pg_prove`, the way
 * `supabase test db` does on a Supabase stack: a fresh database with the platform and migrations
 * (tools/db/test_database.ts), `create extension if not exists pgtap with schema extensions`, then
 * `pg_prove` on every `*.sql` file. Prints pg_prove's output (its `Files=N, Tests=N` summary and any
 * `Failed X/Y subtests` lines are what tools/run_tests.ts counts), drops the database whatever happened and
 * exits with pg_prove's code.
 *
 * Usage: `deno run -A tools/pgtap.ts [pg_prove flags, e.g. --verbose] [test files]`
 *
 * @module
 */
import { createTestDatabase } from "./db/test_database.ts";

/** Where the pgTAP files live; `supabase test db` reads the same directory. */
export const testsDirUrl = new URL("../supabase/tests/database/", import.meta.url);

/** How to point pg_prove (psql underneath) at a database given by URL. */
export interface PgProveConnection {
  /** `--host`, `--port`, `--username`, `--dbname` flags. */
  args: string[];
  /** Variables psql reads that do not belong on a command line (the password). */
  env: Record<string, string>;
}

/**
 * Turns a `postgresql://user:password@host:port/db` URL into pg_prove flags. The password goes to
 * `PGPASSWORD` so it never shows in a process list.
 */
export function pgProveConnection(url: string): PgProveConnection {
  const u = new URL(url);
  if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") {
    throw new Error(`Cannot run pg_prove on ${u.protocol}//: not a postgres URL`);
  }
  const dbname = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!dbname) throw new Error("Cannot run pg_prove: the database URL names no database");
  const args = [
    "--host",
    u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    "--port",
    u.port || "5432",
    "--username",
    decodeURIComponent(u.username) || "postgres",
    "--dbname",
    dbname,
  ];
  const env: Record<string, string> = {};
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return { args, env };
}

/** The test files pg_prove runs, in name order (as `supabase test db` would run them). */
export async function listTestFiles(dir: URL = testsDirUrl): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) files.push(new URL(entry.name, dir).pathname);
  }
  return files.sort();
}

async function main(args: string[]): Promise<number> {
  const flags = args.filter((a) => a.startsWith("-"));
  const chosen = args.filter((a) => !a.startsWith("-"));
  const files = chosen.length ? chosen : await listTestFiles();
  if (!files.length) {
    console.error(`No pgTAP files in ${testsDirUrl.pathname}`);
    return 1;
  }

  await using db = await createTestDatabase();
  await db.sql`create extension if not exists pgtap with schema extensions`;
  const connection = pgProveConnection(db.url);
  const status = await new Deno.Command("pg_prove", {
    args: [...connection.args, ...flags, ...files],
    env: connection.env,
    stdout: "inherit",
    stderr: "inherit",
  }).output().catch((err) => {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        "Cannot run pg_prove: not installed (apt-get install libtap-parser-sourcehandler-pgtap-perl)",
      );
    }
    throw err;
  });
  return status.code;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    code = 1;
  }
  Deno.exit(code);
}
