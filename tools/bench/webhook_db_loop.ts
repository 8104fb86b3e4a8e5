/**
 * The database's own cost of a webhook delivery, without HTTP, driver or lock waits: logs one benchmark
 * delivery through `calcom-webhook` on a fresh database, then calls `public.calcom_log_webhook_event`
 * with that delivery's payload and booking row `--calls` times (each with its own body hash and booking
 * uid, so each is a new event and a new booking) in one backend, and prints the least time per call of five rounds. With
 * `--variants`, it repeats the loop with parts of the write switched off in a rolled-back transaction
 * (the broadcast triggers, or replaced by a no-op or a plain insert), to show what each costs.
 *
 * Run: `DENO_NO_PACKAGE_JSON=1 deno run -A tools/bench/webhook_db_loop.ts [--calls 2000] [--variants]`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createTestDatabase } from "../db/test_database.ts";
import { buildDeliveries, writeDeliveries } from "./webhook_deliveries.ts";
import { startWebhookServer, webhookTarget } from "./webhook_server.ts";
import { runWrk } from "./wrk.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { calls: { type: "string" }, variants: { type: "boolean" } },
});
const calls = Number(args.calls ?? 2000);

const target = webhookTarget();
const dir = await Deno.makeTempDir({ prefix: "webhook_db_loop_" });
const file = `${dir}/one.tsv`;
await writeDeliveries(file, buildDeliveries({ count: 20, ...target, prefix: "loop" }));
await using db = await createTestDatabase();
{
  await using server = await startWebhookServer("function", db, target, { label: "webhook-db-loop" });
  await runWrk({ baseUrl: server.url, connections: 1, payloadFile: file, seconds: 1 });
}
await Deno.remove(dir, { recursive: true });

/** One loop of `calls` deliveries like the stored one, in its own transaction; answers µs per call. */
const LOOP = `
create or replace function pg_temp.webhook_loop(p_calls int) returns double precision
language plpgsql as $$
declare
  e public.calcom_webhook_events;
  b jsonb;
  started timestamptz;
begin
  select * into e from public.calcom_webhook_events where processed order by received_at limit 1;
  select to_jsonb(x) - 'id' - 'user_id' - 'calcom_connection_id' - 'created_at' - 'updated_at' into b
  from public.calcom_bookings x where x.booking_uid = e.booking_uid;
  started := clock_timestamp();
  for i in 1..p_calls loop
    perform public.calcom_log_webhook_event(e.user_id, e.calcom_connection_id, 'loop-' || i || '-' || random(),
      e.trigger_event, 'loop-' || i, e.payload::text, null, true, null, now(), now(),
      jsonb_build_array(b || jsonb_build_object('booking_uid', 'loop-' || i || '-' || random())),
      (select c.webhook_secret_encrypted from public.calcom_connections c where c.id = e.calcom_connection_id),
      true, 1000000000, 1000000000000, 1000);
  end loop;
  return extract(epoch from clock_timestamp() - started) * 1e6 / p_calls;
end;
$$;`;

const variants: [string, string][] = [
  ["as migrated", ""],
  ...(args.variants
    ? [
      [
        "broadcast triggers off",
        `
        alter table public.calcom_bookings disable trigger calcom_bookings_broadcast_insert;
        alter table public.calcom_bookings disable trigger calcom_bookings_broadcast_update;`,
      ],
      [
        "broadcast: no-op trigger",
        `
        create or replace function public.calcom_broadcast_changes() returns trigger language plpgsql
        as $f$ begin return null; end; $f$;`,
      ],
      [
        "broadcast: insert, no send",
        `
        create or replace function public.calcom_broadcast_changes() returns trigger language plpgsql
        as $f$ begin
          insert into realtime.messages (payload, event, topic, private, extension)
          select jsonb_build_object('operation', tg_op, 'record', jsonb_build_object('id', n.id)),
            tg_table_name, 'calcom:user:' || n.user_id, true, 'broadcast'
          from calcom_new_rows n;
          return null; end; $f$;`,
      ],
    ] as [string, string][]
    : []),
];
// rounds alternate the variants; the least time of each is the one least disturbed by other work
const best = new Map<string, number>();
for (let round = 0; round < 5; round++) {
  for (const [name, setup] of variants) {
    const us = await db.sql.begin(async (tx) => {
      await tx.unsafe(LOOP);
      if (setup) await tx.unsafe(setup);
      const [{ us }] = await tx.unsafe<{ us: number }[]>(`select pg_temp.webhook_loop(${calls}) as us`);
      await tx.unsafe(`rollback and chain`);
      return us;
    });
    best.set(name, Math.min(best.get(name) ?? Infinity, us));
  }
}
for (const [name, us] of best) {
  console.log(`${name.padEnd(28)} ${us.toFixed(0).padStart(6)} µs per call (best of 5)`);
}
