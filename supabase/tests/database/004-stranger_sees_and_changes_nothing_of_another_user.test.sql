-- Persona: stranger, a signed-in user with no Cal.com connection probing someone else's rows by id.
-- Reads come back empty (RLS), the one write clients have (connection label/is_active) touches zero
-- rows, and every other write is refused outright (no grant).
begin;
\ir _helpers.psql
select plan(20);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset
select calcom_tests.create_booking(:'connection_id', 'owner-booking') as booking_id \gset
select calcom_tests.create_webhook_event(:'connection_id', repeat('a', 64)) as event_id \gset
select calcom_tests.create_sync_run(:'connection_id', 'running') as run_id \gset

select calcom_tests.authenticate_as('stranger');

select is_empty($$ select id from public.calcom_connections $$, 'stranger sees no connection');
select is_empty($$ select id from public.calcom_bookings $$, 'stranger sees no booking');
select is_empty($$ select id from public.calcom_webhook_events $$, 'stranger sees no webhook event');
select is_empty($$ select id from public.calcom_sync_runs $$, 'stranger sees no sync run');
select is_empty(
  format($$ select id from public.calcom_bookings where calcom_connection_id = %L $$, :'connection_id'),
  'stranger sees no booking even when asking by the connection id'
);
select is_empty(
  format($$ update public.calcom_connections set label = 'pwned' where id = %L returning id $$,
    :'connection_id'),
  'stranger renaming the owner''s connection updates no row'
);
select is_empty(
  format($$ update public.calcom_connections set is_active = false where id = %L returning id $$,
    :'connection_id'),
  'stranger pausing the owner''s connection updates no row'
);
select throws_ok(
  format($$ insert into public.calcom_connections (user_id, api_key_encrypted, api_key_hint,
       webhook_secret_encrypted, calcom_user_id) values (%L, 'x', 'x', 'x', 9) $$, :'owner_id'),
  '42501', 'permission denied for table calcom_connections',
  'stranger cannot insert a connection for the owner'
);
select throws_ok(
  format($$ delete from public.calcom_connections where id = %L $$, :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'stranger cannot delete the owner''s connection'
);
select throws_ok(
  format($$ insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid,
       start_time, end_time, status, source_updated_at)
     values (%L, %L, 1, 'forged', now(), now(), 'ACCEPTED', now()) $$, :'owner_id', :'connection_id'),
  '42501', 'permission denied for table calcom_bookings',
  'stranger cannot insert a booking into the owner''s connection'
);
select throws_ok(
  format($$ update public.calcom_bookings set status = 'CANCELLED' where id = %L $$, :'booking_id'),
  '42501', 'permission denied for table calcom_bookings',
  'stranger cannot update the owner''s booking'
);
select throws_ok(
  format($$ delete from public.calcom_bookings where id = %L $$, :'booking_id'),
  '42501', 'permission denied for table calcom_bookings',
  'stranger cannot delete the owner''s booking'
);
select throws_ok(
  format($$ insert into public.calcom_webhook_events (user_id, calcom_connection_id) values (%L, %L) $$,
    :'owner_id', :'connection_id'),
  '42501', 'permission denied for table calcom_webhook_events',
  'stranger cannot insert a webhook event into the owner''s log'
);
select throws_ok(
  format($$ update public.calcom_webhook_events set processed = true where id = %L $$, :'event_id'),
  '42501', 'permission denied for table calcom_webhook_events',
  'stranger cannot update the owner''s webhook event'
);
select throws_ok(
  format($$ delete from public.calcom_webhook_events where id = %L $$, :'event_id'),
  '42501', 'permission denied for table calcom_webhook_events',
  'stranger cannot delete the owner''s webhook event'
);
select throws_ok(
  format($$ insert into public.calcom_sync_runs (user_id, calcom_connection_id, trigger, mode)
     values (%L, %L, 'manual', 'full') $$, :'owner_id', :'connection_id'),
  '42501', 'permission denied for table calcom_sync_runs',
  'stranger cannot start a sync run on the owner''s connection'
);
select throws_ok(
  format($$ update public.calcom_sync_runs set status = 'failed', finished_at = now() where id = %L $$,
    :'run_id'),
  '42501', 'permission denied for table calcom_sync_runs',
  'stranger cannot end the owner''s sync run'
);
select throws_ok(
  format($$ delete from public.calcom_sync_runs where id = %L $$, :'run_id'),
  '42501', 'permission denied for table calcom_sync_runs',
  'stranger cannot delete the owner''s sync run'
);

select calcom_tests.clear_authentication();
select results_eq(
  format($$ select label, is_active from public.calcom_connections where id = %L $$, :'connection_id'),
  $$ values ('Cal.com of owner', true) $$,
  'the owner''s connection is unchanged'
);
select results_eq(
  format($$ select (select count(*) from public.calcom_bookings where calcom_connection_id = %1$L)::int,
       (select count(*) from public.calcom_webhook_events where calcom_connection_id = %1$L)::int,
       (select count(*) from public.calcom_sync_runs
        where calcom_connection_id = %1$L and status = 'running')::int $$,
    :'connection_id'),
  $$ values (1, 1, 1) $$,
  'the owner''s booking, webhook event and running sync are all still there'
);

select * from finish();
rollback;
