-- Persona: owner, a signed-in user reading their own Cal.com data, as a client does through supabase-js
-- (PostgREST) and as the functions do under `db.asUser`. Another user's rows exist alongside and must
-- never show up. The two ciphertext columns are not selectable at all (column grants).
begin;
\ir _helpers.psql
select plan(14);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('other') as other_id \gset
select calcom_tests.create_connection('owner', 101) as owner_connection \gset
select calcom_tests.create_connection('other', 202) as other_connection \gset
select calcom_tests.create_booking(:'owner_connection', 'owner-booking') as owner_booking \gset
select calcom_tests.create_booking(:'other_connection', 'other-booking') as other_booking \gset
select calcom_tests.create_webhook_event(:'owner_connection', repeat('a', 64)) as owner_event \gset
select calcom_tests.create_webhook_event(:'other_connection', repeat('b', 64)) as other_event \gset
select calcom_tests.create_sync_run(:'owner_connection', 'succeeded') as owner_run \gset
select calcom_tests.create_sync_run(:'other_connection', 'running') as other_run \gset

select calcom_tests.authenticate_as('owner');

select results_eq(
  $$ select id from public.calcom_connections $$,
  format('values (%L::uuid)', :'owner_connection'),
  'owner sees their own connection and no other'
);
select results_eq(
  $$ select id, booking_uid from public.calcom_bookings $$,
  format('values (%L::uuid, %L::text)', :'owner_booking', 'owner-booking'),
  'owner sees their own bookings and no other'
);
select results_eq(
  $$ select id from public.calcom_webhook_events $$,
  format('values (%L::uuid)', :'owner_event'),
  'owner sees their own webhook events and no other'
);
select results_eq(
  $$ select id, status from public.calcom_sync_runs $$,
  format('values (%L::uuid, %L::text)', :'owner_run', 'succeeded'),
  'owner sees their own sync runs and no other'
);
select results_eq(
  $$ select label, api_key_hint, calcom_user_id, calcom_username, is_active
     from public.calcom_connections $$,
  $$ values ('Cal.com of owner', 'a1b2', 101::bigint, 'owner', true) $$,
  'owner reads the hint and account details of their connection'
);
select lives_ok(
  $$ select id, user_id, label, api_key_hint, calcom_user_id, calcom_username, calcom_email, calcom_time_zone,
       calcom_webhook_id, calcom_webhook_error, is_active, last_synced_at, sync_watermark, last_sync_status,
       last_sync_error, created_at, updated_at, calcom_api_url
     from public.calcom_connections $$,
  'owner may select every connection column but the ciphertexts'
);
select throws_ok(
  $$ select api_key_encrypted from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot select the API key ciphertext'
);
select throws_ok(
  $$ select webhook_secret_encrypted from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot select the webhook secret ciphertext'
);
select throws_ok(
  $$ select * from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot select * from connections (clients name their columns)'
);
select throws_ok(
  $$ select count(*) from public.calcom_connections where api_key_encrypted like 'v1.%' $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot probe the API key ciphertext in a filter either'
);
select column_privs_are(
  'public', 'calcom_connections', 'api_key_encrypted', 'authenticated', array[]::text[],
  'authenticated holds no privilege on the API key ciphertext'
);
select column_privs_are(
  'public', 'calcom_connections', 'webhook_secret_encrypted', 'authenticated', array[]::text[],
  'authenticated holds no privilege on the webhook secret ciphertext'
);
select table_privs_are(
  'public', 'calcom_connections', 'authenticated', array[]::text[],
  'authenticated holds no table-wide privilege on connections, only column grants'
);
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relname like 'calcom\_%'
     and has_table_privilege('authenticated', c.oid, 'select')),
  array['calcom_booking_rejects', 'calcom_booking_requests', 'calcom_bookings', 'calcom_sync_runs',
    'calcom_webhook_deferrals', 'calcom_webhook_events'],
  'authenticated may select every column of booking rejects and requests, bookings, sync runs, webhook '
    'deferrals and events, never quotas'
);

select * from finish();
rollback;
