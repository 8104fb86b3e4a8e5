-- Optional: run the scheduled booking sync every five minutes with pg_cron and pg_net. Both extensions
-- exist on Supabase (enable them under Database → Extensions) but not on plain Postgres, which is why
-- this is not a migration: run it once in the SQL editor, or with psql, on the project's database.
--
-- It calls POST <functions URL>/calcom-bookings-sync/scheduled, the dispatcher: it starts up to
-- CALCOM_SYNC_WORKERS workers (the same function, at <SUPABASE_URL>/functions/v1/calcom-bookings-sync/
-- scheduled/work) that claim the due connections and sync them incrementally, each within the deadline
-- (docs/operations.md, "Scheduled sync", sizes workers and schedule). Nothing secret is written here:
-- the job reads the URL and the cron secret from Vault at every run, so rotating them is a Vault
-- update. Store them first (once; `vault.update_secret` changes them later):
--
--   select vault.create_secret('https://<project-ref>.supabase.co/functions/v1', 'calcom_functions_url');
--   select vault.create_secret('<the CALCOM_CRON_SECRET function secret>', 'calcom_cron_secret');
--
-- No JWT is sent: calcom-bookings-sync runs with verify_jwt = false and its scheduled route trusts
-- nothing but the cron secret. (An older copy of this file also stored the anon key as
-- 'calcom_functions_anon_key'; that Vault secret is no longer read and can be deleted.)
--
-- Undo: select cron.unschedule('calcom-bookings-sync');

create extension if not exists pg_cron;
create extension if not exists pg_net with schema extensions;

-- cron.schedule replaces a job of the same name, so running this file again changes the job in place.
select cron.schedule(
  'calcom-bookings-sync',
  '*/5 * * * *',
  $job$
  select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'calcom_functions_url')
      || '/calcom-bookings-sync/scheduled',
    headers := jsonb_build_object(
      'content-type', 'application/json',
      'x-calcom-cron-secret', (
        select decrypted_secret from vault.decrypted_secrets where name = 'calcom_cron_secret'
      )
    ),
    body := '{}'::jsonb,
    -- The call waits for its workers: up to CALCOM_SYNC_DEADLINE_SECONDS (100 s by default) and a
    -- last page's 30 s; pg_net's default is 5 s.
    timeout_milliseconds := 150000
  );
  $job$
);
