-- Persona: anon, authenticated and service_role facing public.calcom_upsert_bookings, the booking upsert
-- the Edge Functions call. Functions are executable by everyone unless revoked: only the functions'
-- privileged connection may call this one, and it runs with the caller's rights and an empty search_path.
begin;
\ir _helpers.psql
select plan(12);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset

select calcom_tests.create_user('stranger') as stranger_id \gset
select '[{"booking_uid": "webhook-booking", "booking_id": 1, "title": "Intro call", "status": "ACCEPTED", '
  '"start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T10:30:00Z", "attendees": [], '
  '"source_updated_at": "2026-11-24T00:00:00Z", "source_hash": "h1"}]' as booking_rows \gset

select function_privs_are(
  'public', 'calcom_upsert_bookings', array['uuid', 'uuid', 'jsonb'], 'anon', array[]::text[],
  'anon cannot execute the upsert function'
);
select function_privs_are(
  'public', 'calcom_upsert_bookings', array['uuid', 'uuid', 'jsonb'], 'authenticated', array[]::text[],
  'authenticated cannot execute the upsert function'
);
select function_privs_are(
  'public', 'calcom_upsert_bookings', array['uuid', 'uuid', 'jsonb'], 'service_role', array['EXECUTE'],
  'service_role can execute the upsert function'
);
select function_privs_are(
  'public', 'calcom_is_action_echo', array['calcom_bookings', 'calcom_bookings'], 'authenticated',
  array[]::text[], 'authenticated cannot execute the upsert''s echo check'
);
select function_privs_are(
  'public', 'calcom_is_action_echo', array['calcom_bookings', 'calcom_bookings'], 'anon', array[]::text[],
  'anon cannot execute the upsert''s echo check'
);
select is(
  (select prosecdef from pg_proc
   where oid = 'public.calcom_upsert_bookings(uuid, uuid, jsonb)'::regprocedure),
  false,
  'the upsert function runs with the caller''s rights'
);
select is(
  (select proconfig from pg_proc
   where oid = 'public.calcom_upsert_bookings(uuid, uuid, jsonb)'::regprocedure),
  array['search_path=""'],
  'the upsert function runs with an empty search_path'
);

select calcom_tests.authenticate_as_anon();
select throws_ok(
  format($$ select * from public.calcom_upsert_bookings(%L, %L, %L) $$,
    :'owner_id', :'connection_id', :'booking_rows'),
  '42501', 'permission denied for function calcom_upsert_bookings',
  'anon cannot call the upsert function'
);

select calcom_tests.authenticate_as('owner');
select throws_ok(
  format($$ select * from public.calcom_upsert_bookings(%L, %L, %L) $$,
    :'owner_id', :'connection_id', :'booking_rows'),
  '42501', 'permission denied for function calcom_upsert_bookings',
  'the owner cannot call the upsert function either'
);

select calcom_tests.authenticate_as_service_role();
select results_eq(
  format($$ select owned, created, updated from public.calcom_upsert_bookings(%L, %L, %L) $$,
    :'owner_id', :'connection_id', :'booking_rows'),
  $$ values (1, 1, 0) $$,
  'service_role creates a booking through the upsert function'
);
select results_eq(
  format($$ select owned, created, updated from public.calcom_upsert_bookings(%L, %L, %L) $$,
    :'stranger_id', :'connection_id', :'booking_rows'),
  $$ values (0, 0, 0) $$,
  'a user who does not own the connection writes nothing'
);

select calcom_tests.clear_authentication();
select results_eq(
  format($$ select title, status from public.calcom_bookings where calcom_connection_id = %L $$,
    :'connection_id'),
  $$ values ('Intro call', 'ACCEPTED') $$,
  'only the service role''s call stored the booking'
);

select * from finish();
rollback;
