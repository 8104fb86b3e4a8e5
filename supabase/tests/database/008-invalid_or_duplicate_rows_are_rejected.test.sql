-- What the schema refuses even from service_role, the only writer: statuses Cal.com does not have,
-- duplicates the functions' upserts and dedupe rely on being impossible, and a second running sync.
begin;
\ir _helpers.psql
select plan(22);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner', 1) as connection_id \gset
select calcom_tests.create_connection('owner', 2) as second_connection \gset
select calcom_tests.create_booking(:'connection_id', 'uid-1') as booking_id \gset
select calcom_tests.create_webhook_event(:'connection_id', repeat('d', 64)) as event_id \gset
select calcom_tests.create_sync_run(:'connection_id', 'running') as run_id \gset

select calcom_tests.authenticate_as_service_role();

select throws_ok(
  format($$ select calcom_tests.create_booking(%L, 'uid-2', 'CONFIRMED') $$, :'connection_id'),
  '23514', 'new row for relation "calcom_bookings" violates check constraint "calcom_bookings_status_check"',
  'an unknown booking status is rejected'
);
select throws_ok(
  format($$ select calcom_tests.create_booking(%L, 'uid-2', 'accepted') $$, :'connection_id'),
  '23514', 'new row for relation "calcom_bookings" violates check constraint "calcom_bookings_status_check"',
  'a lowercase booking status is rejected (the functions store Cal.com''s uppercase)'
);
select lives_ok(
  format($$ select calcom_tests.create_booking(%1$L, 's-' || s, s)
     from unnest(array['ACCEPTED', 'PENDING', 'CANCELLED', 'REJECTED', 'AWAITING_HOST']) s $$,
    :'connection_id'),
  'each of Cal.com''s five booking statuses is accepted'
);
select throws_ok(
  format($$ update public.calcom_bookings set end_time = start_time - interval '1 minute' where id = %L $$,
    :'booking_id'),
  '23514', 'new row for relation "calcom_bookings" violates check constraint "calcom_bookings_check"',
  'a booking cannot end before it starts'
);
select throws_ok(
  format($$ update public.calcom_bookings set attendees = '{}' where id = %L $$, :'booking_id'),
  '23514',
  'new row for relation "calcom_bookings" violates check constraint "calcom_bookings_attendees_check"',
  'attendees must be a JSON array'
);
select throws_ok(
  format($$ select calcom_tests.create_booking(%L, 'uid-1') $$, :'connection_id'),
  '23505',
  'duplicate key value violates unique constraint "calcom_bookings_calcom_connection_id_booking_uid_key"',
  'a duplicate booking uid in one connection is rejected'
);
select lives_ok(
  format($$ select calcom_tests.create_booking(%L, 'uid-1') $$, :'second_connection'),
  'the same booking uid in another connection is accepted'
);
select throws_ok(
  format($$ select calcom_tests.create_webhook_event(%L, %L) $$, :'connection_id', repeat('d', 64)),
  '23505',
  'duplicate key value violates unique constraint '
    || '"calcom_webhook_events_calcom_connection_id_dedupe_key_key"',
  'a duplicate webhook dedupe key in one connection is rejected'
);
select lives_ok(
  format($$ select calcom_tests.create_webhook_event(%L, %L) $$, :'second_connection', repeat('d', 64)),
  'the same dedupe key in another connection is accepted'
);
select lives_ok(
  format($$ select calcom_tests.create_webhook_event(%1$L, null) from generate_series(1, 2) $$,
    :'connection_id'),
  'unverified deliveries without a dedupe key never collide'
);
select throws_ok(
  format($$ insert into public.calcom_webhook_events (user_id, calcom_connection_id, verified, dedupe_key)
     values (%L, %L, false, %L) $$, :'owner_id', :'connection_id', repeat('e', 64)),
  '23514',
  'new row for relation "calcom_webhook_events" violates check constraint "calcom_webhook_events_check"',
  'an unverified delivery cannot take a dedupe key (it would block the real one)'
);
select throws_ok(
  format($$ select calcom_tests.create_sync_run(%L, 'running') $$, :'connection_id'),
  '23505', 'duplicate key value violates unique constraint "calcom_sync_runs_one_running_idx"',
  'a second running sync on one connection is rejected'
);
select lives_ok(
  format($$ select calcom_tests.create_sync_run(%L, 'running') $$, :'second_connection'),
  'a running sync on another connection is accepted'
);
select lives_ok(
  format($$ update public.calcom_sync_runs set status = 'partial', finished_at = now() where id = %L;
     select calcom_tests.create_sync_run(%L, 'running') $$, :'run_id', :'connection_id'),
  'a new sync may start once the running one has finished'
);
select throws_ok(
  format($$ insert into public.calcom_sync_runs (user_id, calcom_connection_id, trigger, mode, status,
       finished_at) values (%L, %L, 'manual', 'full', 'running', now()) $$,
    :'owner_id', :'second_connection'),
  '23514', 'new row for relation "calcom_sync_runs" violates check constraint "calcom_sync_runs_check"',
  'a running sync cannot have finished'
);
select throws_ok(
  format($$ update public.calcom_sync_runs set status = 'cancelled', finished_at = now() where id = %L $$,
    :'run_id'),
  '23514',
  'new row for relation "calcom_sync_runs" violates check constraint "calcom_sync_runs_status_check"',
  'an unknown sync run status is rejected'
);
select throws_ok(
  $$ select calcom_tests.create_connection('owner', 1) $$,
  '23505',
  'duplicate key value violates unique constraint "calcom_connections_user_id_calcom_api_url_calcom_user_id_key"',
  'a user cannot connect the same Cal.com account twice'
);
select calcom_tests.create_connection('owner', 77) as self_hosted_id \gset
select lives_ok(
  format($$ update public.calcom_connections set calcom_api_url = 'https://cal.example.org' where id = %L $$,
    :'self_hosted_id'),
  'a connection may be on a self-hosted Cal.com server'
);
select lives_ok(
  $$ select calcom_tests.create_connection('owner', 77) $$,
  'the same Cal.com user id on the default server is another account'
);
select throws_ok(
  $$ select calcom_tests.create_connection('owner', 77) $$,
  '23505',
  'duplicate key value violates unique constraint "calcom_connections_user_id_calcom_api_url_calcom_user_id_key"',
  'an account on the default server is connected once (null stands for the default server)'
);
select throws_ok(
  format($$ update public.calcom_connections set calcom_api_url = 'https://cal.example.org/api' where id = %L $$,
    :'connection_id'),
  '23514',
  'new row for relation "calcom_connections" violates check constraint "calcom_connections_calcom_api_url_check"',
  'a connection stores an origin, never a URL with a path'
);
select throws_ok(
  format($$ update public.calcom_connections set api_key_hint = 'cal_live_1234' where id = %L $$,
    :'connection_id'),
  '23514',
  'new row for relation "calcom_connections" violates check constraint '
    || '"calcom_connections_api_key_hint_check"',
  'the API key hint cannot hold more than a hint'
);

select * from finish();
rollback;
