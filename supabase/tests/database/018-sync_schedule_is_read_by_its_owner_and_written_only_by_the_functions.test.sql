-- calcom_sync_schedule, by persona: its owner reads their connections' schedule but not the workers'
-- lease columns and writes nothing; a stranger sees nothing; anon has no access; service_role writes;
-- the schema keeps a lease whole and the row with its connection.
begin;
\ir _helpers.psql
select plan(17);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select calcom_tests.create_connection('owner', 101) as owner_connection \gset
select calcom_tests.create_connection('stranger', 202) as stranger_connection \gset
insert into public.calcom_sync_schedule (calcom_connection_id, user_id, next_due_at, leased_until, lease_owner)
values (:'owner_connection', :'owner_id', '2026-12-04 12:00Z', '2026-12-04 12:03Z', 'worker-a'),
       (:'stranger_connection', :'stranger_id', '2026-12-04 12:00Z', null, null);

select columns_are('public', 'calcom_sync_schedule', array[
  'calcom_connection_id', 'user_id', 'next_due_at', 'consecutive_failures', 'last_outcome', 'last_run_at',
  'last_change_at', 'leased_until', 'lease_owner', 'created_at', 'updated_at'
], 'calcom_sync_schedule has the designed columns');
select col_is_pk('public', 'calcom_sync_schedule', 'calcom_connection_id', 'one schedule row per connection');
select has_index(
  'public', 'calcom_sync_schedule', 'calcom_sync_schedule_next_due_idx', array['next_due_at', 'calcom_connection_id'],
  'the claim finds the oldest due first by index'
);
select policies_are(
  'public', 'calcom_sync_schedule', array['owners select their sync schedule'],
  'calcom_sync_schedule has only the owner select policy'
);
select column_privs_are(
  'public', 'calcom_sync_schedule', 'lease_owner', 'authenticated', array[]::text[],
  'authenticated may not read which worker holds a lease'
);
select table_privs_are(
  'public', 'calcom_sync_schedule', 'anon', array[]::text[], 'anon holds no privilege on the schedule'
);
select table_privs_are(
  'public', 'calcom_sync_schedule', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  'service_role may select, insert, update and delete schedule rows'
);

select throws_ok(
  format($$ update public.calcom_sync_schedule set lease_owner = null where calcom_connection_id = %L $$,
    :'owner_connection'),
  '23514', null, 'a lease has both its end and its owner, or neither'
);
select throws_ok(
  format($$ update public.calcom_sync_schedule set consecutive_failures = -1 where calcom_connection_id = %L $$,
    :'owner_connection'),
  '23514', null, 'the failure count is never negative'
);

select calcom_tests.authenticate_as('owner');
select results_eq(
  $$ select calcom_connection_id, next_due_at, consecutive_failures from public.calcom_sync_schedule $$,
  format($$ values (%L::uuid, '2026-12-04 12:00Z'::timestamptz, 0) $$, :'owner_connection'),
  'owner sees their own connection''s schedule and no other'
);
select throws_ok(
  $$ select lease_owner from public.calcom_sync_schedule $$,
  '42501', 'permission denied for table calcom_sync_schedule',
  'owner cannot read the lease owner'
);
select throws_ok(
  format($$ update public.calcom_sync_schedule set next_due_at = now() where calcom_connection_id = %L $$,
    :'owner_connection'),
  '42501', 'permission denied for table calcom_sync_schedule',
  'owner cannot move their connection''s due time'
);
select throws_ok(
  format($$ delete from public.calcom_sync_schedule where calcom_connection_id = %L $$, :'owner_connection'),
  '42501', 'permission denied for table calcom_sync_schedule',
  'owner cannot delete their schedule row'
);

select calcom_tests.authenticate_as('stranger');
select results_eq(
  $$ select calcom_connection_id from public.calcom_sync_schedule $$,
  format($$ values (%L::uuid) $$, :'stranger_connection'),
  'a stranger sees only their own schedule, never the owner''s'
);

select calcom_tests.authenticate_as_anon();
select throws_ok(
  $$ select next_due_at from public.calcom_sync_schedule $$,
  '42501', 'permission denied for table calcom_sync_schedule',
  'anon cannot read the schedule'
);

select calcom_tests.authenticate_as_service_role();
select results_eq(
  format($$ update public.calcom_sync_schedule set leased_until = null, lease_owner = null
     where calcom_connection_id = %L returning lease_owner $$, :'owner_connection'),
  $$ values (null::text) $$,
  'service_role releases a lease'
);

select calcom_tests.clear_authentication();
delete from public.calcom_connections where id = :'owner_connection';
select is_empty(
  format($$ select 1 from public.calcom_sync_schedule where calcom_connection_id = %L $$, :'owner_connection'),
  'deleting a connection deletes its schedule row'
);

select * from finish();
rollback;
