/**
 * supabase/sql/schedule_sync.sql on plain Postgres, where pg_cron, pg_net and Vault do not exist: small
 * stand-ins with their signatures record what the job would do, and the recorded call is then sent to the
 * function over real HTTP.
 */
import assert from "node:assert/strict";
import { startTestStack } from "../../testing/test_stack.ts";
import { connectedUser, syncClock } from "../../testing/sync_test_support.ts";

const CRON_SECRET = "sql-test-cron-secret-0123456789abcdef0123";

/** pg_cron's cron.schedule/job, pg_net's net.http_post and Vault's decrypted_secrets, as recorders. */
const STAND_INS = `
  create schema cron;
  create table cron.job (jobid bigserial primary key, jobname text unique, schedule text, command text);
  create function cron.schedule(job_name text, schedule text, command text) returns bigint
  language sql as $$
    insert into cron.job (jobname, schedule, command) values (job_name, schedule, command)
    on conflict (jobname) do update set schedule = excluded.schedule, command = excluded.command
    returning jobid
  $$;
  create schema net;
  create table net.calls (id bigserial primary key, url text, body jsonb, headers jsonb, timeout_ms integer);
  create function net.http_post(
    url text, body jsonb default '{}', params jsonb default '{}',
    headers jsonb default '{"Content-Type": "application/json"}', timeout_milliseconds integer default 5000
  ) returns bigint
  language sql as $$
    insert into net.calls (url, body, headers, timeout_ms) values (url, body, headers, timeout_milliseconds)
    returning id
  $$;
  create schema vault;
  create table vault.decrypted_secrets (name text primary key, decrypted_secret text);
`;

Deno.test("schedule_sync.sql schedules a job that calls the scheduled route with the secrets from Vault", async () => {
  await using stack = await startTestStack({ apps: { sync: { cronSecret: CRON_SECRET } }, clock: syncClock });
  const sql = stack.db.sql;
  const file = await Deno.readTextFile(new URL("../../../supabase/sql/schedule_sync.sql", import.meta.url));
  // The stand-ins replace the extensions, which plain Postgres cannot create.
  const body = file.replace(/^create extension .*$/gm, "");
  assert.notEqual(body, file);
  await sql.unsafe(STAND_INS).simple();
  await sql`insert into vault.decrypted_secrets values
    ('calcom_functions_url', ${stack.server.url}),
    ('calcom_cron_secret', ${CRON_SECRET})`;
  await sql.unsafe(body).simple();
  await sql.unsafe(body).simple();

  const jobs = await sql`select jobname, schedule, command from cron.job`;
  assert.equal(jobs.length, 1, "running the file again replaces the job");
  assert.deepEqual([jobs[0].jobname, jobs[0].schedule], ["calcom-bookings-sync", "*/5 * * * *"]);
  await sql.unsafe(jobs[0].command).simple();
  const [call] = await sql`select url, body, headers, timeout_ms from net.calls`;
  assert.equal(call.url, `${stack.server.url}/calcom-bookings-sync/scheduled`);
  assert.deepEqual(call.body, {});
  assert.deepEqual(call.headers, {
    "content-type": "application/json",
    "x-calcom-cron-secret": CRON_SECRET,
  });
  assert.equal(call.timeout_ms, 150000);

  const { connectionId } = await connectedUser(stack, 20, 61);
  const res = await fetch(call.url, {
    method: "POST",
    headers: call.headers,
    body: JSON.stringify(call.body),
  });
  const answer = await res.json();
  assert.equal(res.status, 200);
  assert.equal(answer.status, "succeeded");
  assert.deepEqual(
    answer.results.map((r: { connectionId: string; count: number }) => [r.connectionId, r.count]),
    [
      [connectionId, 20],
    ],
  );
});
