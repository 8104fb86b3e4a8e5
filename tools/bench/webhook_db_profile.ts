/**
 * Where the database's time goes for webhook deliveries: serves `calcom-webhook` (or the bare server) on a
 * fresh database with `track_functions = all`, loads it with wrk (plain unique deliveries, 16
 * connections by default, `--connections 1` for times without lock waits, or the benchmark's mix), and prints the PL/pgSQL and SQL functions it ran (the log call,
 * the upsert, the triggers, realtime.send) with their calls and self and total time per delivery, from
 * `pg_stat_user_functions`, and what the active backends were doing (running or waiting, and for what)
 * in samples of `pg_stat_activity` every 10 ms. Needs no `pg_stat_statements` (the shared server does not preload it).
 *
 * Run: `DENO_NO_PACKAGE_JSON=1 deno run -A tools/bench/webhook_db_profile.ts [--seconds 5] [--mixed]
 * [--bare] [--connections N]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createTestDatabase } from "../db/test_database.ts";
import { writeProfileDeliveries } from "./webhook_deliveries.ts";
import { startWebhookServer, webhookTarget } from "./webhook_server.ts";
import { runWrk } from "./wrk.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string" },
    connections: { type: "string" },
    mixed: { type: "boolean" },
    bare: { type: "boolean" },
  },
});
const seconds = Number(args.seconds ?? 5);

const target = webhookTarget();
const files = await writeProfileDeliveries({
  prefix: "webhook_db_profile_",
  target,
  warmup: 2000,
  load: seconds * 1000,
  mixed: Boolean(args.mixed),
});

await using db = await createTestDatabase();
// every new session of this database counts its function calls
await db.sql.unsafe(`alter database ${db.name} set track_functions = 'all'`);
await using server = await startWebhookServer(args.bare ? "bare" : "function", db, target, {
  label: "webhook-db-profile",
});
// one connection: the times are work, not waits for the connection's quota row (which serialises them)
const load = { baseUrl: server.url, connections: Number(args.connections ?? 16) };
await runWrk({ ...load, payloadFile: files.warmup, seconds: 2 });
await db.sql`select pg_stat_reset()`;
// what the database's backends are doing meanwhile, sampled every 10 ms: running, or waiting for what
const waits = new Map<string, number>();
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const rows = await db.sql<{ state: string; n: number }[]>`
      select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as state, count(*)::int as n
      from pg_stat_activity
      where datname = ${db.name} and pid <> pg_backend_pid() and state = 'active'
      group by 1`;
    for (const { state, n } of rows) waits.set(state, (waits.get(state) ?? 0) + n);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
})();
const result = await runWrk({ ...load, payloadFile: files.load, seconds });
sampling = false;
await sampler;
// the backends report their counters when their transaction ends; give the last ones a moment
await new Promise((resolve) => setTimeout(resolve, 1500));
const requests = result.requests;
const rows = await db.sql<{ name: string; calls: string; self_ms: number; total_ms: number }[]>`
  select schemaname || '.' || funcname as name, calls::text, self_time as self_ms, total_time as total_ms
  from pg_stat_user_functions order by self_time desc`;

console.log(`${requests} deliveries, ${result.requestsPerSecond.toFixed(0)} req/s\n`);
console.log("function                                       calls/req  self µs/req  total µs/req");
for (const row of rows) {
  const perReq = (ms: number) => (1000 * ms / requests).toFixed(0).padStart(11);
  console.log(
    `${row.name.padEnd(46)} ${(Number(row.calls) / requests).toFixed(2).padStart(9)}  ${
      perReq(row.self_ms)
    }  ${perReq(row.total_ms)}`,
  );
}
const samples = [...waits.values()].reduce((a, b) => a + b, 0);
console.log("\nactive backends sampled every 10 ms: share of samples by state");
for (const [state, n] of [...waits].sort((a, b) => b[1] - a[1])) {
  console.log(`${state.padEnd(46)} ${(100 * n / samples).toFixed(1).padStart(5)}%`);
}
await Deno.remove(files.dir, { recursive: true });
