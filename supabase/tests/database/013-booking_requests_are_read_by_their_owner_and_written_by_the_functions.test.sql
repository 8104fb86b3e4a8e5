-- calcom_booking_requests by persona: the owner reads their own rows and cannot write any; a stranger sees
-- nothing; anon has no access; the service role writes them, one per user and key; deleting the
-- connection deletes them.
begin;
\ir _helpers.psql
select plan(12);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset

select calcom_tests.authenticate_as_service_role();
insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key, request_hash,
  booking_uid)
values (:'owner_id', :'connection_id', 'key-1', repeat('a', 64), 'uid-1');
select lives_ok(
  format($$ insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key,
       request_hash, booking_uid) values (%L, %L, 'key-2', %L, 'uid-2') $$,
    :'owner_id', :'connection_id', repeat('b', 64)),
  'the service role records a booking request'
);
select throws_ok(
  format($$ insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key,
       request_hash, booking_uid) values (%L, %L, 'key-1', %L, 'uid-3') $$,
    :'owner_id', :'connection_id', repeat('c', 64)),
  '23505', null, 'a user''s key is recorded once'
);
select throws_ok(
  format($$ insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key,
       request_hash, booking_uid) values (%L, %L, 'key-9', 'not-a-hash', 'uid-9') $$,
    :'owner_id', :'connection_id'),
  '23514', null, 'the request hash must be a SHA-256 hex digest'
);
select throws_ok(
  format($$ insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key,
       request_hash, booking_uid) values (%L, %L, 'key-9', %L, 'uid-9') $$,
    :'stranger_id', :'connection_id', repeat('d', 64)),
  '23503', null, 'a request cannot name a connection of another user'
);

select calcom_tests.authenticate_as('owner');
select results_eq(
  $$ select idempotency_key, booking_uid from public.calcom_booking_requests order by idempotency_key $$,
  $$ values ('key-1', 'uid-1'), ('key-2', 'uid-2') $$,
  'the owner reads their booking requests'
);
select throws_ok(
  format($$ insert into public.calcom_booking_requests (user_id, calcom_connection_id, idempotency_key,
       request_hash, booking_uid) values (%L, %L, 'key-3', %L, 'forged') $$,
    :'owner_id', :'connection_id', repeat('e', 64)),
  '42501', 'permission denied for table calcom_booking_requests',
  'the owner cannot record a request themselves'
);
select throws_ok(
  $$ update public.calcom_booking_requests set booking_uid = 'other' $$,
  '42501', 'permission denied for table calcom_booking_requests',
  'the owner cannot point a key at another booking'
);
select throws_ok(
  $$ delete from public.calcom_booking_requests $$,
  '42501', 'permission denied for table calcom_booking_requests',
  'the owner cannot forget a key'
);

select calcom_tests.authenticate_as('stranger');
select is_empty($$ select id from public.calcom_booking_requests $$, 'a stranger sees no booking request');

select calcom_tests.authenticate_as_anon();
select throws_ok(
  $$ select id from public.calcom_booking_requests $$,
  '42501', 'permission denied for table calcom_booking_requests',
  'anon cannot read booking requests'
);

select calcom_tests.authenticate_as_service_role();
delete from public.calcom_connections where id = :'connection_id';
select is_empty(
  $$ select id from public.calcom_booking_requests $$,
  'deleting the connection deletes its booking requests'
);
select is(
  (select count(*)::int from pg_policies where tablename = 'calcom_booking_requests'),
  1,
  'the table has exactly one policy'
);

select * from finish();
rollback;
