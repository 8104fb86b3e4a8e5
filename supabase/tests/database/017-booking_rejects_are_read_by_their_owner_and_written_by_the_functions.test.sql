-- Personas on public.calcom_booking_rejects (bookings set aside as unstorable): the owner reads their
-- rows and writes nothing, a stranger sees nothing, anon has no access, the service role writes; the
-- rows go with their connection.
begin;
\ir _helpers.psql
select plan(12);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset

insert into public.calcom_booking_rejects (user_id, calcom_connection_id, booking_uid, reason, source, raw_excerpt)
values (:'owner_id', :'connection_id', 'bad-1', 'end_time is before start_time', 'sync', '{"uid":"bad-1"}');

select policies_are(
  'public', 'calcom_booking_rejects', array['owners select their booking rejects'],
  'calcom_booking_rejects has only the owner select policy'
);

-- owner
select calcom_tests.authenticate_as('owner');
select results_eq(
  $$ select booking_uid, reason, source from public.calcom_booking_rejects $$,
  $$ values ('bad-1'::text, 'end_time is before start_time'::text, 'sync'::text) $$,
  'the owner reads their set-aside booking with its reason'
);
select throws_ok(
  format($$ insert into public.calcom_booking_rejects (user_id, calcom_connection_id, reason, source, raw_excerpt)
     values (%L, %L, 'x', 'sync', '') $$, :'owner_id', :'connection_id'),
  '42501', 'permission denied for table calcom_booking_rejects',
  'the owner cannot insert one'
);
select throws_ok(
  $$ update public.calcom_booking_rejects set reason = 'fine' $$,
  '42501', 'permission denied for table calcom_booking_rejects',
  'the owner cannot change one'
);
select throws_ok(
  $$ delete from public.calcom_booking_rejects $$,
  '42501', 'permission denied for table calcom_booking_rejects',
  'the owner cannot delete one'
);

-- stranger
select calcom_tests.authenticate_as('stranger');
select is_empty($$ select id from public.calcom_booking_rejects $$, 'a stranger sees none');

-- anon
select calcom_tests.authenticate_as_anon();
select throws_ok(
  $$ select id from public.calcom_booking_rejects $$,
  '42501', 'permission denied for table calcom_booking_rejects',
  'anon cannot read them'
);

-- service role
select calcom_tests.authenticate_as_service_role();
select lives_ok(
  format($$ insert into public.calcom_booking_rejects (user_id, calcom_connection_id, booking_uid, reason,
       source, raw_excerpt) values (%L, %L, 'bad-2', 'event_type_id is beyond', 'webhook', '{}') $$,
    :'owner_id', :'connection_id'),
  'the service role records one'
);
select throws_ok(
  format($$ insert into public.calcom_booking_rejects (user_id, calcom_connection_id, booking_uid, reason,
       source, raw_excerpt) values (%L, %L, 'bad-1', 'again', 'sync', '{}') $$,
    :'owner_id', :'connection_id'),
  '23505', null,
  'one row per connection, source and uid'
);
select throws_ok(
  format($$ insert into public.calcom_booking_rejects (user_id, calcom_connection_id, booking_uid, reason,
       source, raw_excerpt) values (%L, %L, 'bad-3', 'x', 'elsewhere', '{}') $$,
    :'owner_id', :'connection_id'),
  '23514', null,
  'the source is sync or webhook'
);
select throws_ok(
  format($$ insert into public.calcom_booking_rejects (user_id, calcom_connection_id, booking_uid, reason,
       source, raw_excerpt) values (%L, %L, 'bad-4', 'x', 'sync', '{}') $$,
    :'stranger_id', :'connection_id'),
  '23503', null,
  'a row belongs to its connection''s owner'
);

select calcom_tests.clear_authentication();
delete from public.calcom_connections where id = :'connection_id';
select is_empty(
  format($$ select id from public.calcom_booking_rejects where calcom_connection_id = %L $$, :'connection_id'),
  'deleting the connection deletes its set-aside bookings'
);

select * from finish();
rollback;
