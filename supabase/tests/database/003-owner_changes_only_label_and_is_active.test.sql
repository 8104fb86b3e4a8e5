-- Persona: owner writing. Clients may rename or pause their own connections and nothing else: creating
-- and deleting connections, and every write to bookings, webhook events and sync runs, goes through the
-- Edge Functions' privileged connection.
begin;
\ir _helpers.psql
select plan(15);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset
select calcom_tests.create_booking(:'connection_id', 'owner-booking') as booking_id \gset
select calcom_tests.create_webhook_event(:'connection_id', repeat('a', 64)) as event_id \gset
select calcom_tests.create_sync_run(:'connection_id', 'running') as run_id \gset

select calcom_tests.authenticate_as('owner');

select results_eq(
  format($$ update public.calcom_connections set label = 'Work calendar' where id = %L returning label $$,
    :'connection_id'),
  $$ values ('Work calendar') $$,
  'owner renames their connection'
);
select results_eq(
  format($$ update public.calcom_connections set is_active = false where id = %L returning is_active $$,
    :'connection_id'),
  $$ values (false) $$,
  'owner pauses their connection'
);
select column_privs_are(
  'public', 'calcom_connections', 'label', 'authenticated', array['SELECT', 'UPDATE'],
  'authenticated may read and update label'
);
select column_privs_are(
  'public', 'calcom_connections', 'is_active', 'authenticated', array['SELECT', 'UPDATE'],
  'authenticated may read and update is_active'
);
select throws_ok(
  format($$ update public.calcom_connections set api_key_hint = 'zzzz' where id = %L $$, :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'owner cannot change the API key hint'
);
select throws_ok(
  format($$ update public.calcom_connections set user_id = gen_random_uuid() where id = %L $$,
    :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'owner cannot hand their connection to another user'
);
select throws_ok(
  format($$ update public.calcom_connections set sync_watermark = now() where id = %L $$, :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'owner cannot move the sync watermark'
);
select throws_ok(
  format($$ update public.calcom_connections set label = '' where id = %L $$, :'connection_id'),
  '23514',
  'new row for relation "calcom_connections" violates check constraint "calcom_connections_label_check"',
  'owner cannot blank the label'
);
select throws_ok(
  $$ insert into public.calcom_connections (api_key_encrypted, api_key_hint, webhook_secret_encrypted,
       calcom_user_id) values ('x', 'x', 'x', 7) $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot create a connection directly (the function validates the key first)'
);
select throws_ok(
  format($$ delete from public.calcom_connections where id = %L $$, :'connection_id'),
  '42501', 'permission denied for table calcom_connections',
  'owner cannot delete a connection directly (the function removes the Cal.com webhook first)'
);
select throws_ok(
  $$ update public.calcom_bookings set title = 'mine now' $$,
  '42501', 'permission denied for table calcom_bookings',
  'owner cannot edit their bookings'
);
select throws_ok(
  $$ delete from public.calcom_bookings $$,
  '42501', 'permission denied for table calcom_bookings',
  'owner cannot delete their bookings'
);
select throws_ok(
  $$ update public.calcom_webhook_events set processed = true $$,
  '42501', 'permission denied for table calcom_webhook_events',
  'owner cannot mark webhook events processed'
);
select throws_ok(
  format($$ update public.calcom_sync_runs set status = 'failed', finished_at = now() where id = %L $$,
    :'run_id'),
  '42501', 'permission denied for table calcom_sync_runs',
  'owner cannot end a running sync directly'
);

select calcom_tests.clear_authentication();
select results_eq(
  format($$ select label, is_active, api_key_hint from public.calcom_connections where id = %L $$,
    :'connection_id'),
  $$ values ('Work calendar', false, 'a1b2') $$,
  'the connection holds the new label and flag and nothing else changed'
);

select * from finish();
rollback;
