-- Deleting a connection removes its bookings, webhook log and sync runs; deleting a user (GoTrue's
-- delete, or an admin's) removes all their connections and everything under them. Other users' and
-- other connections' rows stay.
begin;
\ir _helpers.psql
select plan(8);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('other') as other_id \gset
select calcom_tests.create_connection('owner', 1) as first_connection \gset
select calcom_tests.create_connection('owner', 2) as second_connection \gset
select calcom_tests.create_connection('other', 1) as other_connection \gset
select calcom_tests.create_booking(:'first_connection', 'b1') as b1 \gset
select calcom_tests.create_booking(:'second_connection', 'b2') as b2 \gset
select calcom_tests.create_booking(:'other_connection', 'b3') as b3 \gset
select calcom_tests.create_webhook_event(:'first_connection', repeat('1', 64)) as e1 \gset
select calcom_tests.create_webhook_event(:'second_connection', repeat('2', 64)) as e2 \gset
select calcom_tests.create_webhook_event(:'other_connection', repeat('3', 64)) as e3 \gset
select calcom_tests.create_sync_run(:'first_connection') as r1 \gset
select calcom_tests.create_sync_run(:'second_connection') as r2 \gset
select calcom_tests.create_sync_run(:'other_connection') as r3 \gset

delete from public.calcom_connections where id = :'first_connection';

select is(
  (select count(*)::int from public.calcom_bookings where calcom_connection_id = :'first_connection'),
  0, 'deleting a connection deletes its bookings'
);
select is(
  (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = :'first_connection'),
  0, 'deleting a connection deletes its webhook events'
);
select is(
  (select count(*)::int from public.calcom_sync_runs where calcom_connection_id = :'first_connection'),
  0, 'deleting a connection deletes its sync runs'
);
select results_eq(
  format($$ select (select count(*) from public.calcom_bookings where calcom_connection_id = %1$L)::int,
       (select count(*) from public.calcom_webhook_events where calcom_connection_id = %1$L)::int,
       (select count(*) from public.calcom_sync_runs where calcom_connection_id = %1$L)::int $$,
    :'second_connection'),
  $$ values (1, 1, 1) $$,
  'the user''s other connection keeps its rows'
);

delete from auth.users where id = :'owner_id';

select is(
  (select count(*)::int from public.calcom_connections where user_id = :'owner_id'),
  0, 'deleting a user deletes their connections'
);
select results_eq(
  format($$ select (select count(*) from public.calcom_bookings where user_id = %1$L)::int,
       (select count(*) from public.calcom_webhook_events where user_id = %1$L)::int,
       (select count(*) from public.calcom_sync_runs where user_id = %1$L)::int $$,
    :'owner_id'),
  $$ values (0, 0, 0) $$,
  'deleting a user deletes their bookings, webhook events and sync runs'
);
select is(
  (select count(*)::int from public.calcom_connections where user_id = :'other_id'),
  1, 'another user keeps their connection'
);
select results_eq(
  format($$ select (select count(*) from public.calcom_bookings where user_id = %1$L)::int,
       (select count(*) from public.calcom_webhook_events where user_id = %1$L)::int,
       (select count(*) from public.calcom_sync_runs where user_id = %1$L)::int $$,
    :'other_id'),
  $$ values (1, 1, 1) $$,
  'another user keeps their booking, webhook event and sync run'
);

select * from finish();
rollback;
