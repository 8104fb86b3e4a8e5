-- The schema as designed (docs/architecture.md): tables, columns, keys, checks, indexes, RLS, policies,
-- triggers and the Realtime publication. Names are a contract with the functions and with apps.
begin;
\ir _helpers.psql
select plan(47);

-- Scoped to calcom_* tables throughout: an app that drops this integration into its own project keeps
-- its own tables in public, and these files must pass there too.
select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relname like 'calcom\_%'
     and c.relkind in ('r', 'p', 'v')),
  array['calcom_booking_rejects', 'calcom_booking_requests', 'calcom_bookings', 'calcom_connections',
    'calcom_oauth_states', 'calcom_sync_runs', 'calcom_sync_schedule', 'calcom_webhook_deferrals',
    'calcom_webhook_events', 'calcom_webhook_quotas'],
  'public holds exactly the ten calcom tables'
);

select columns_are('public', 'calcom_connections', array[
  'id', 'user_id', 'label', 'api_key_encrypted', 'api_key_hint', 'webhook_secret_encrypted', 'calcom_user_id',
  'calcom_username', 'calcom_email', 'calcom_time_zone', 'calcom_webhook_id', 'calcom_webhook_error',
  'is_active', 'last_synced_at', 'sync_watermark', 'last_sync_status', 'last_sync_error', 'created_at',
  'updated_at', 'auth_kind', 'oauth_access_token_encrypted', 'oauth_refresh_token_encrypted',
  'oauth_access_token_expires_at', 'oauth_scopes', 'last_reconciled_at', 'calcom_api_url'
], 'calcom_connections has the designed columns');

select columns_are('public', 'calcom_bookings', array[
  'id', 'user_id', 'calcom_connection_id', 'booking_id', 'booking_uid', 'event_type_id', 'event_type_slug',
  'event_type_title', 'title', 'description', 'start_time', 'end_time', 'status', 'organizer_id',
  'organizer_name', 'organizer_email', 'organizer_username', 'organizer_timezone', 'attendees', 'location',
  'meeting_url', 'custom_inputs', 'metadata', 'rescheduled_from_uid', 'rescheduled_to_uid',
  'cancellation_reason', 'rejection_reason', 'ical_uid', 'recurring_booking_uid', 'absent_host',
  'meeting_started_at', 'meeting_ended_at', 'recording_links', 'calcom_created_at', 'source_updated_at',
  'source_hash', 'raw', 'truncated_fields', 'key_relation', 'seat_changes', 'created_at', 'updated_at'
], 'calcom_bookings has the designed columns');

select columns_are('public', 'calcom_webhook_events', array[
  'id', 'user_id', 'calcom_connection_id', 'trigger_event', 'booking_uid', 'payload', 'raw_body', 'verified',
  'verification_error', 'processed', 'error_message', 'dedupe_key', 'attempts', 'received_at',
  'processed_at', 'created_at'
], 'calcom_webhook_events has the designed columns');

select columns_are('public', 'calcom_sync_runs', array[
  'id', 'user_id', 'calcom_connection_id', 'trigger', 'mode', 'status', 'filters', 'pages', 'fetched',
  'created', 'updated', 'next_skip', 'watermark_before', 'watermark_after', 'error', 'started_at',
  'heartbeat_at', 'finished_at', 'created_at', 'checkpoint', 'resumed_from_run_id', 'error_code', 'set_aside'
], 'calcom_sync_runs has the designed columns');

-- Keys and ownership.
select col_is_pk('public', 'calcom_connections', 'id', 'calcom_connections is keyed by id');
select col_is_pk('public', 'calcom_bookings', 'id', 'calcom_bookings is keyed by id');
select col_is_pk('public', 'calcom_webhook_events', 'id', 'calcom_webhook_events is keyed by id');
select col_is_pk('public', 'calcom_sync_runs', 'id', 'calcom_sync_runs is keyed by id');
select col_default_is(
  'public', 'calcom_connections', 'user_id', 'auth.uid()',
  'a connection belongs to the signed-in user by default'
);
select fk_ok(
  'public', 'calcom_connections', 'user_id', 'auth', 'users', 'id',
  'a connection references its auth user'
);
select fk_ok(
  'public', 'calcom_bookings', array['user_id', 'calcom_connection_id'],
  'public', 'calcom_connections', array['user_id', 'id'],
  'a booking references its connection together with the connection''s owner'
);
select fk_ok(
  'public', 'calcom_webhook_events', array['user_id', 'calcom_connection_id'],
  'public', 'calcom_connections', array['user_id', 'id'],
  'a webhook event references its connection together with the connection''s owner'
);
select fk_ok(
  'public', 'calcom_sync_runs', array['user_id', 'calcom_connection_id'],
  'public', 'calcom_connections', array['user_id', 'id'],
  'a sync run references its connection together with the connection''s owner'
);
select is(
  (select array_agg(conrelid::regclass::text order by conrelid::regclass::text)
   from pg_constraint
   where contype = 'f' and confdeltype <> 'c' and conrelid::regclass::text like 'calcom\_%'
     and connamespace = 'public'::regnamespace),
  null,
  'every foreign key of a calcom table cascades on delete'
);
-- The advisors' unindexed_foreign_keys lint, kept here too: cascading deletes look rows up by these.
select is_empty(
  $$ select c.conrelid::regclass || ': ' || c.conname from pg_constraint c
     where c.contype = 'f' and c.conrelid::regclass::text like 'calcom\_%'
       and not exists (
         select 1 from pg_index i
         where i.indrelid = c.conrelid
           and (string_to_array(i.indkey::text, ' ')::smallint[])[1:cardinality(c.conkey)] = c.conkey
       ) $$,
  'every foreign key of a calcom table has an index starting with its columns'
);

-- Uniqueness that the functions' upserts and conflict handling rely on.
select col_is_unique(
  'public', 'calcom_connections', array['user_id', 'calcom_api_url', 'calcom_user_id'],
  'a user connects a Cal.com account once per Cal.com server'
);
select col_is_unique(
  'public', 'calcom_bookings', array['calcom_connection_id', 'booking_uid'],
  'a booking uid appears once per connection'
);
select col_is_unique(
  'public', 'calcom_webhook_events', array['calcom_connection_id', 'dedupe_key'],
  'a webhook body hash appears once per connection'
);
select index_is_unique(
  'public', 'calcom_sync_runs', 'calcom_sync_runs_one_running_idx',
  'the one-running-sync index is unique'
);
select is(
  (select pg_get_expr(indpred, indrelid) from pg_index
   where indexrelid = 'public.calcom_sync_runs_one_running_idx'::regclass),
  '(status = ''running''::text)',
  'the one-running-sync index covers only running runs'
);
select has_index(
  'public', 'calcom_bookings', 'calcom_bookings_user_id_start_time_idx', array['user_id', 'start_time', 'id'],
  'bookings have an index for "my bookings by start time"'
);

-- Not-null columns the functions always fill.
select col_not_null('public', 'calcom_connections', 'api_key_encrypted', 'an API key ciphertext is required');
select col_not_null(
  'public', 'calcom_connections', 'webhook_secret_encrypted', 'a webhook secret ciphertext is required'
);
select col_not_null(
  'public', 'calcom_bookings', 'source_updated_at', 'every booking row carries its source time'
);
select col_type_is('public', 'calcom_bookings', 'attendees', 'jsonb', 'attendees are jsonb');
select col_type_is(
  'public', 'calcom_bookings', 'start_time', 'timestamp with time zone', 'times are timestamptz'
);

-- Row level security on every calcom table, so a table added later without it fails here.
select is_empty(
  $$ select c.relname::text from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relname like 'calcom\_%' and c.relkind in ('r', 'p')
       and not c.relrowsecurity $$,
  'row level security is enabled on every calcom table in public'
);
select policies_are(
  'public', 'calcom_connections',
  array['owners select their connections', 'owners update their connections'],
  'calcom_connections has only the owner select and update policies'
);
select policies_are(
  'public', 'calcom_bookings', array['owners select their bookings'],
  'calcom_bookings has only the owner select policy'
);
select policies_are(
  'public', 'calcom_webhook_events', array['owners select their webhook events'],
  'calcom_webhook_events has only the owner select policy'
);
select policies_are(
  'public', 'calcom_sync_runs', array['owners select their sync runs'],
  'calcom_sync_runs has only the owner select policy'
);
select policies_are(
  'public', 'calcom_webhook_deferrals', array['owners select their webhook deferrals'],
  'calcom_webhook_deferrals has only the owner select policy'
);
select policies_are(
  'public', 'calcom_booking_requests', array['owners select their booking requests'],
  'calcom_booking_requests has only the owner select policy'
);
select policies_are(
  'public', 'calcom_webhook_quotas', array[]::name[],
  'calcom_webhook_quotas has no policy: only the functions use it'
);
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
     where schemaname = 'public' and tablename like 'calcom\_%'
       and (roles <> '{authenticated}' or cmd = 'ALL') $$,
  'every policy is for authenticated only and names one operation'
);
select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
     where schemaname = 'public' and tablename like 'calcom\_%'
       and (coalesce(qual, '') || coalesce(with_check, '')) like '%auth.uid()%'
       and (coalesce(qual, '') || coalesce(with_check, '')) not like '%( SELECT auth.uid() AS uid)%' $$,
  'every policy reads auth.uid() once per statement through a subselect'
);

-- updated_at and the Realtime publication.
select has_trigger(
  'public', 'calcom_connections', 'calcom_connections_touch_updated_at', 'connections touch updated_at'
);
select has_trigger(
  'public', 'calcom_bookings', 'calcom_bookings_touch_updated_at', 'bookings touch updated_at'
);
select has_trigger(
  'public', 'calcom_bookings', 'calcom_bookings_keep_source_time_of_unchanged_state',
  'an unchanged booking state keeps its source time'
);
select is(
  (select proconfig from pg_proc where oid = 'public.calcom_touch_updated_at()'::regprocedure),
  array['search_path=""'],
  'the trigger function runs with an empty search_path'
);
select is(
  (select array_agg(tablename::text order by tablename) from pg_publication_tables
   where pubname = 'supabase_realtime' and schemaname = 'public' and tablename like 'calcom\_%'),
  array['calcom_bookings'],
  'the supabase_realtime publication carries calcom_bookings (and no other calcom table)'
);

-- Checks the functions depend on to reject bad data.
select col_has_check('public', 'calcom_bookings', 'status', 'booking status is checked');
select col_has_check('public', 'calcom_sync_runs', 'status', 'sync run status is checked');
select col_has_check('public', 'calcom_connections', 'last_sync_status', 'last sync status is checked');
select col_has_check(
  'public', 'calcom_webhook_events', array['verified', 'dedupe_key'],
  'an unverified webhook event cannot carry a dedupe key'
);
select col_has_check(
  'public', 'calcom_sync_runs', array['status', 'finished_at'],
  'a sync run is finished exactly when it is no longer running'
);

select * from finish();
rollback;
