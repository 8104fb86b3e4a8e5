-- Persona: anon, authenticated and service_role facing public.calcom_insert_verified_event and
-- public.calcom_record_event_outcome, the webhook log writes the Edge Functions call. Only the functions'
-- privileged connection may call them; they run with the caller's rights and an empty search_path.
begin;
\ir _helpers.psql
select plan(19);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset

select function_privs_are(
  'public', 'calcom_insert_verified_event',
  array['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamp with time zone'],
  'anon', array[]::text[], 'anon cannot execute the event insert function'
);
select function_privs_are(
  'public', 'calcom_insert_verified_event',
  array['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamp with time zone'],
  'authenticated', array[]::text[], 'authenticated cannot execute the event insert function'
);
select function_privs_are(
  'public', 'calcom_insert_verified_event',
  array['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamp with time zone'],
  'service_role', array['EXECUTE'], 'service_role can execute the event insert function'
);
select function_privs_are(
  'public', 'calcom_record_event_outcome',
  array['uuid', 'boolean', 'text', 'timestamp with time zone', 'text', 'boolean'],
  'anon', array[]::text[], 'anon cannot execute the outcome function'
);
select function_privs_are(
  'public', 'calcom_record_event_outcome',
  array['uuid', 'boolean', 'text', 'timestamp with time zone', 'text', 'boolean'],
  'authenticated', array[]::text[], 'authenticated cannot execute the outcome function'
);
select function_privs_are(
  'public', 'calcom_record_event_outcome',
  array['uuid', 'boolean', 'text', 'timestamp with time zone', 'text', 'boolean'],
  'service_role', array['EXECUTE'], 'service_role can execute the outcome function'
);
select is(
  (select prosecdef from pg_proc
   where oid = ('public.calcom_insert_verified_event(uuid, uuid, text, text, text, text, text, text, '
     'timestamptz)')::regprocedure),
  false,
  'the event insert function runs with the caller''s rights'
);
select is(
  (select proconfig from pg_proc
   where oid = ('public.calcom_insert_verified_event(uuid, uuid, text, text, text, text, text, text, '
     'timestamptz)')::regprocedure),
  array['search_path=""'],
  'the event insert function runs with an empty search_path'
);
select is(
  (select prosecdef from pg_proc
   where oid = 'public.calcom_record_event_outcome(uuid, boolean, text, timestamptz, text, boolean)'
     ::regprocedure),
  false,
  'the outcome function runs with the caller''s rights'
);
select is(
  (select proconfig from pg_proc
   where oid = 'public.calcom_record_event_outcome(uuid, boolean, text, timestamptz, text, boolean)'
     ::regprocedure),
  array['search_path=""'],
  'the outcome function runs with an empty search_path'
);

select calcom_tests.authenticate_as_anon();
select throws_ok(
  format($$ select public.calcom_insert_verified_event(%L, %L, 'k1', null, null, '{}', null, null, now()) $$,
    :'owner_id', :'connection_id'),
  '42501', 'permission denied for function calcom_insert_verified_event',
  'anon cannot log an event'
);

select calcom_tests.authenticate_as('owner');
select throws_ok(
  format($$ select public.calcom_insert_verified_event(%L, %L, 'k1', null, null, '{}', null, null, now()) $$,
    :'owner_id', :'connection_id'),
  '42501', 'permission denied for function calcom_insert_verified_event',
  'the owner cannot log an event either'
);
select throws_ok(
  $$ select public.calcom_record_event_outcome(gen_random_uuid(), true, null, now(), null, false) $$,
  '42501', 'permission denied for function calcom_record_event_outcome',
  'the owner cannot record an outcome'
);

select calcom_tests.authenticate_as_service_role();
select public.calcom_insert_verified_event(:'owner_id', :'connection_id', 'k1', 'BOOKING_CREATED', 'uid-1',
  '{"triggerEvent": "BOOKING_CREATED"}', null, null, '2026-11-24T10:00:00Z') as event_id \gset
select isnt(:'event_id'::text, '', 'service_role logs a new event and gets its id');
select is(
  public.calcom_insert_verified_event(:'owner_id', :'connection_id', 'k1', 'BOOKING_CREATED', 'uid-1',
    '{"triggerEvent": "BOOKING_CREATED"}', null, null, '2026-11-24T10:00:01Z'),
  null,
  'the same dedupe key again is a duplicate: no id'
);
select results_eq(
  format($$ select trigger_event, booking_uid, payload, verified, processed, attempts
            from public.calcom_webhook_events where calcom_connection_id = %L $$, :'connection_id'),
  $$ values ('BOOKING_CREATED'::text, 'uid-1'::text, '{"triggerEvent": "BOOKING_CREATED"}'::jsonb, true,
             false, 1) $$,
  'one verified, unprocessed event is logged with its payload as jsonb'
);

select public.calcom_record_event_outcome(:'event_id', false, 'Booking not mirrored', '2026-11-24T10:00:02Z',
  null, true);
select results_eq(
  format($$ select processed, error_message, processed_at, booking_uid, attempts
            from public.calcom_webhook_events where id = %L $$, :'event_id'),
  $$ values (false, 'Booking not mirrored'::text, null::timestamptz, 'uid-1'::text, 2) $$,
  'a failed replay keeps the booking uid, counts an attempt and leaves processed_at empty'
);

select public.calcom_record_event_outcome(:'event_id', true, null, '2026-11-24T10:00:03Z', 'uid-2', false);
select results_eq(
  format($$ select processed, error_message, processed_at, booking_uid, attempts
            from public.calcom_webhook_events where id = %L $$, :'event_id'),
  $$ values (true, null::text, '2026-11-24T10:00:03Z'::timestamptz, 'uid-2'::text, 2) $$,
  'a processed outcome sets processed_at and the booking uid without counting an attempt'
);

select calcom_tests.clear_authentication();
select is(
  (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = :'connection_id'),
  1,
  'only the service role''s calls wrote the log'
);

select * from finish();
rollback;
