-- Persona: anon, a client holding only the project's anon key. It has no grant on any calcom table,
-- so every read and write fails with permission denied before RLS is even consulted.
begin;
\ir _helpers.psql
select plan(12);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset
select calcom_tests.create_booking(:'connection_id', 'owner-booking') as booking_id \gset

select is_empty(
  $$ select c.relname || ': ' || p.privilege from pg_class c
     cross join unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger'])
       as p(privilege)
     where c.relnamespace = 'public'::regnamespace and c.relname like 'calcom\_%'
       and (has_table_privilege('anon', c.oid, p.privilege)
         or (p.privilege in ('select', 'insert', 'update', 'references')
             and has_any_column_privilege('anon', c.oid, p.privilege))) $$,
  'anon holds no privilege on any calcom table or column'
);
select table_privs_are(
  'public', 'calcom_connections', 'anon', array[]::text[], 'anon holds no privilege on connections'
);
select table_privs_are(
  'public', 'calcom_bookings', 'anon', array[]::text[], 'anon holds no privilege on bookings'
);

select calcom_tests.authenticate_as_anon();

select is(auth.uid(), null, 'anon has no user id');
select throws_ok(
  $$ select id, label from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'anon cannot read connections'
);
select throws_ok(
  $$ select id, title from public.calcom_bookings $$,
  '42501', 'permission denied for table calcom_bookings',
  'anon cannot read bookings'
);
select throws_ok(
  $$ select id from public.calcom_webhook_events $$,
  '42501', 'permission denied for table calcom_webhook_events',
  'anon cannot read webhook events'
);
select throws_ok(
  $$ select id from public.calcom_sync_runs $$,
  '42501', 'permission denied for table calcom_sync_runs',
  'anon cannot read sync runs'
);
select throws_ok(
  format($$ insert into public.calcom_connections (user_id, api_key_encrypted, api_key_hint,
       webhook_secret_encrypted, calcom_user_id) values (%L, 'x', 'x', 'x', 9) $$, :'owner_id'),
  '42501', 'permission denied for table calcom_connections',
  'anon cannot insert a connection'
);
select throws_ok(
  format($$ update public.calcom_connections set label = 'pwned' where id = %L $$, :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'anon cannot rename a connection'
);
select throws_ok(
  format($$ delete from public.calcom_bookings where id = %L $$, :'booking_id'),
  '42501', 'permission denied for table calcom_bookings',
  'anon cannot delete a booking'
);

select calcom_tests.clear_authentication();
select results_eq(
  format($$ select label from public.calcom_connections where id = %L $$, :'connection_id'),
  $$ values ('Cal.com of owner') $$,
  'the connection is unchanged'
);

select * from finish();
rollback;
