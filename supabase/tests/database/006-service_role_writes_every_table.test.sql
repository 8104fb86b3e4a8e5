-- Persona: service_role, the Edge Functions' privileged connection (and the service key through
-- PostgREST). It bypasses RLS and may read and write every table, ciphertexts included; the schema's
-- constraints still hold it to rows that belong to their connection's owner.
begin;
\ir _helpers.psql
select plan(16);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('other') as other_id \gset
select calcom_tests.create_connection('other') as other_connection \gset

select table_privs_are(
  'public', 'calcom_connections', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role may select, insert, update and delete connections'
);
select table_privs_are(
  'public', 'calcom_bookings', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role may select, insert, update and delete bookings'
);
select table_privs_are(
  'public', 'calcom_webhook_events', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role may select, insert, update and delete webhook events'
);
select table_privs_are(
  'public', 'calcom_sync_runs', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role may select, insert, update and delete sync runs'
);

select calcom_tests.authenticate_as_service_role();

select lives_ok(
  format($$ insert into public.calcom_connections (id, user_id, api_key_encrypted, api_key_hint,
       webhook_secret_encrypted, calcom_user_id, calcom_username)
     values ('00000000-0000-4000-8000-000000000001', %L, 'v1.k1.iv.ct', 'wxyz', 'v1.k1.iv.ws', 42,
       'owner') $$,
    :'owner_id'),
  'service_role creates a connection with its ciphertexts'
);
select results_eq(
  $$ select api_key_encrypted, webhook_secret_encrypted from public.calcom_connections
     where id = '00000000-0000-4000-8000-000000000001' $$,
  $$ values ('v1.k1.iv.ct', 'v1.k1.iv.ws') $$,
  'service_role reads the ciphertexts back'
);
select lives_ok(
  format($$ insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid, title,
       start_time, end_time, status, attendees, source_updated_at)
     values (%L, '00000000-0000-4000-8000-000000000001', 7, 'uid-7', 'Intro call',
       '2026-12-01 10:00Z', '2026-12-01 10:30Z', 'ACCEPTED', '[{"email":"guest@example.test"}]',
       '2026-11-20 08:00Z') $$, :'owner_id'),
  'service_role inserts a booking'
);
select lives_ok(
  format($$ insert into public.calcom_webhook_events (user_id, calcom_connection_id, trigger_event, verified,
       dedupe_key, payload)
     values (%L, '00000000-0000-4000-8000-000000000001', 'BOOKING_CREATED', true, %L, '{}') $$,
    :'owner_id', repeat('c', 64)),
  'service_role logs a webhook event'
);
select lives_ok(
  format($$ insert into public.calcom_sync_runs (user_id, calcom_connection_id, trigger, mode)
     values (%L, '00000000-0000-4000-8000-000000000001', 'manual', 'full') $$, :'owner_id'),
  'service_role starts a sync run'
);
select results_eq(
  $$ update public.calcom_bookings set status = 'CANCELLED', cancellation_reason = 'Conflict'
     where booking_uid = 'uid-7' returning status, cancellation_reason $$,
  $$ values ('CANCELLED', 'Conflict') $$,
  'service_role updates a booking'
);
select results_eq(
  $$ update public.calcom_sync_runs set status = 'succeeded', finished_at = now(), pages = 1, fetched = 1
     where calcom_connection_id = '00000000-0000-4000-8000-000000000001' returning status, pages $$,
  $$ values ('succeeded', 1) $$,
  'service_role finishes a sync run'
);
select results_eq(
  $$ update public.calcom_connections set last_sync_status = 'succeeded', sync_watermark = '2026-11-20 08:00Z'
     where id = '00000000-0000-4000-8000-000000000001' returning last_sync_status $$,
  $$ values ('succeeded') $$,
  'service_role records the sync outcome on the connection'
);
select is(
  (select count(*)::int from public.calcom_connections),
  2,
  'service_role sees every user''s connections (RLS does not apply to it)'
);
select throws_ok(
  format($$ insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid,
       start_time, end_time, status, source_updated_at)
     values (%L, %L, 8, 'uid-8', now(), now(), 'ACCEPTED', now()) $$, :'owner_id', :'other_connection'),
  '23503',
  'insert or update on table "calcom_bookings" violates foreign key constraint '
    || '"calcom_bookings_user_id_calcom_connection_id_fkey"',
  'a booking cannot belong to someone other than its connection''s owner'
);
select lives_ok(
  $$ delete from public.calcom_webhook_events
     where calcom_connection_id = '00000000-0000-4000-8000-000000000001' $$,
  'service_role deletes webhook events'
);
select results_eq(
  $$ delete from public.calcom_connections where id = '00000000-0000-4000-8000-000000000001'
     returning calcom_user_id $$,
  $$ values (42::bigint) $$,
  'service_role deletes a connection'
);

select * from finish();
rollback;
