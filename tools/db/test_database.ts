/**
 * Fresh, uniquely named databases for tests on the server of `DATABASE_URL`
 * (default `postgresql://postgres@127.0.0.1:5432/postgres`), with the platform and migrations applied.
 *
 * @module
 */
import postgres from "postgres";
import { applySchema } from "./apply_schema.ts";

/** The admin URL tests create their databases with. */
export const adminUrl = Deno.env.get("DATABASE_URL") ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A database made for one test (or one test file) and dropped afterwards. */
export interface TestDatabase {
  /** Connection URL of the new database (superuser, like Supabase's `SUPABASE_DB_URL` postgres role). */
  url: string;
  name: string;
  /** A pool on the new database, ended by `drop()`. */
  sql: postgres.Sql;
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function databaseUrl(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a database named `test_<random>` and applies the schema unless `schema` is false. */
export async function createTestDatabase(options: { schema?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const drop = async () => {
    await sql.end({ timeout: 1 });
    const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  };
  try {
    if (options.schema !== false) await applySchema(sql);
  } catch (err) {
    await drop();
    throw err;
  }
  return { url, name, sql, drop, [Symbol.asyncDispose]: drop };
}

/** Inserts a user into auth.users, as GoTrue would on sign-up, and returns its id. */
export async function createUser(
  sql: postgres.Sql,
  email = `${crypto.randomUUID()}@example.test`,
): Promise<string> {
  const id = crypto.randomUUID();
  await sql`insert into auth.users (id, aud, role, email) values (${id}, 'authenticated', 'authenticated', ${email})`;
  return id;
}
