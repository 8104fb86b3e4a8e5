/**
 * A floor of the cold-start benchmark: a bare `Deno.serve` (as `bare_http_server.ts`) whose every request
 * sends `select 1` through postgres.js, the functions' driver, with their pool settings. Started with
 * `BENCH_IMPORT_LIBRARIES=1`, it also imports the libraries the functions load at start (Hono, zod,
 * node:crypto) before it serves. The gap between it and a function is the functions' own start-up
 * work; the gap between it and the bare server is the driver's and the libraries'.
 *
 * Environment: `SUPABASE_DB_URL` (as the functions read it), `BENCH_IMPORT_LIBRARIES`.
 *
 * @module
 */
import postgres from "postgres";

if (Deno.env.get("BENCH_IMPORT_LIBRARIES") === "1") {
  await Promise.all([import("hono"), import("hono/cors"), import("zod"), import("node:crypto")]);
}
const url = Deno.env.get("SUPABASE_DB_URL");
if (!url) throw new Error("SUPABASE_DB_URL is required");
const sql = postgres(url, { max: 4, prepare: false, onnotice: () => {} });

Deno.serve(async () => {
  const [row] = await sql`select 1 as one`;
  return Response.json(row);
});
