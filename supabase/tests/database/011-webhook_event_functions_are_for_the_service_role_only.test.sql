-- Persona: anon, authenticated and service_role facing the webhook log writes the Edge Functions call:
-- public.calcom_log_webhook_event (log a verified delivery with its outcome and its booking upserts),
-- public.calcom_log_unverified_event (bounded log of forged deliveries) and
-- public.calcom_record_event_outcome (a replay's outcome). Only the functions' privileged connection may
-- call them; they run with the caller's rights and an empty search_path.
begin;
\ir _helpers.psql
select plan(30);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset
select webhook_secret_encrypted as ciphertext from public.calcom_connections where id = :'connection_id' \gset
select '[{"booking_uid": "uid-1", "booking_id": 1, "title": "Intro call", "status": "ACCEPTED", '
  '"start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T10:30:00Z", "attendees": [], '
  '"source_updated_at": "2026-11-24T00:00:00Z", "source_hash": "h1"}]' as booking_rows \gset
select '[{"booking_uid": "uid-bad", "booking_id": 2, "title": "Backwards", "status": "ACCEPTED", '
  '"start_time": "2026-12-01T10:00:00Z", "end_time": "2026-12-01T09:00:00Z", "attendees": [], '
  '"source_updated_at": "2026-11-24T00:00:00Z", "source_hash": "h2"}]' as bad_rows \gset

-- privileges and settings of the three functions: each role against each function
select function_privs_are('public', f.name, f.args,
  role, case when role = 'service_role' then array['EXECUTE'] else array[]::text[] end,
  format('%s %s execute the %s function', role,
    case when role = 'service_role' then 'can' else 'cannot' end, f.label))
from (values
  ('calcom_log_webhook_event', 'event log',
    array['uuid', 'uuid', 'text', 'text', 'text', 'text', 'text', 'boolean', 'text',
      'timestamp with time zone', 'timestamp with time zone', 'jsonb', 'text', 'boolean', 'integer', 'bigint',
      'integer']),
  ('calcom_log_unverified_event', 'unverified log',
    array['uuid', 'uuid', 'text', 'timestamp with time zone', 'integer', 'text']),
  ('calcom_record_event_outcome', 'outcome',
    array['uuid', 'boolean', 'text', 'timestamp with time zone', 'text', 'boolean'])
) as f(name, label, args)
cross join unnest(array['anon', 'authenticated', 'service_role']) as role;
select is(
  (select count(*)::int from pg_proc p
   where p.pronamespace = 'public'::regnamespace
     and p.proname in ('calcom_log_webhook_event', 'calcom_log_unverified_event', 'calcom_record_event_outcome')
     and not p.prosecdef and p.proconfig = array['search_path=""']),
  3,
  'the three functions run with the caller''s rights and an empty search_path'
);
select hasnt_function('public', 'calcom_insert_verified_event',
  'the superseded event insert function is gone');

-- nobody but the service role may call them
select calcom_tests.authenticate_as_anon();
select throws_ok(
  format($$ select * from public.calcom_log_webhook_event(%L, %L, 'k1', null, null, '{}', null, false, null,
    now(), null, null, 'v1:x', true, 60, 10485760, 1000) $$, :'owner_id', :'connection_id'),
  '42501', 'permission denied for function calcom_log_webhook_event',
  'anon cannot log an event'
);
select calcom_tests.authenticate_as('owner');
select throws_ok(
  format($$ select * from public.calcom_log_webhook_event(%L, %L, 'k1', null, null, '{}', null, false, null,
    now(), null, null, 'v1:x', true, 60, 10485760, 1000) $$, :'owner_id', :'connection_id'),
  '42501', 'permission denied for function calcom_log_webhook_event',
  'the owner cannot log an event either'
);
select throws_ok(
  format($$ select public.calcom_log_unverified_event(%L, %L, 'signature_mismatch', now(), 100, 'v1:x') $$,
    :'owner_id', :'connection_id'),
  '42501', 'permission denied for function calcom_log_unverified_event',
  'the owner cannot log an unverified event'
);
select throws_ok(
  $$ select public.calcom_record_event_outcome(gen_random_uuid(), true, null, now(), null, false) $$,
  '42501', 'permission denied for function calcom_record_event_outcome',
  'the owner cannot record an outcome'
);

-- the service role logs, applies and deduplicates in one call
select calcom_tests.authenticate_as_service_role();
select event_id from public.calcom_log_webhook_event(:'owner_id', :'connection_id', 'k1', 'BOOKING_CREATED',
  'uid-1', '{"triggerEvent": "BOOKING_CREATED"}', null, true, null, '2026-11-24T10:00:00Z',
  '2026-11-24T10:00:00.5Z', :'booking_rows', :'ciphertext', true, 60, 10485760, 1000) \gset
select isnt(:'event_id'::text, '', 'service_role logs a new event and gets its id');
select results_eq(
  format($$ select trigger_event, booking_uid, payload, verified, processed, processed_at, attempts
            from public.calcom_webhook_events where id = %L $$, :'event_id'),
  $$ values ('BOOKING_CREATED'::text, 'uid-1'::text, '{"triggerEvent": "BOOKING_CREATED"}'::jsonb, true,
             true, '2026-11-24T10:00:00.5Z'::timestamptz, 1) $$,
  'the event is logged processed, with its payload as jsonb and its processed time'
);
select results_eq(
  format($$ select title, status from public.calcom_bookings where calcom_connection_id = %L $$,
    :'connection_id'),
  $$ values ('Intro call'::text, 'ACCEPTED'::text) $$,
  'its booking is upserted by the same call'
);
select results_eq(
  format($$ select event_id, duplicate, processed, trigger_event
            from public.calcom_log_webhook_event(%L, %L, 'k1', 'OTHER', null, '{}', null, false, null,
              '2026-11-24T10:00:01Z', null, null, %L, true, 60, 10485760, 1000) $$, :'owner_id',
    :'connection_id', :'ciphertext'),
  format($$ values (%L::uuid, true, true, 'BOOKING_CREATED'::text) $$, :'event_id'),
  'the same dedupe key again is a duplicate: it answers the first event and writes nothing'
);
select results_eq(
  format($$ select event_id is not null, duplicate, processed
            from public.calcom_log_webhook_event(%L, %L, 'k2', 'BOOKING_TELEPORTED', null, '{}', null, false,
              'Unknown trigger', '2026-11-24T10:00:02Z', null, null, %L, true, 60, 10485760, 1000) $$,
    :'owner_id',
    :'connection_id', :'ciphertext'),
  $$ values (true, false, false) $$,
  'an event that is not processed is logged with its outcome and no bookings'
);
select results_eq(
  format($$ select event_id, duplicate, connection_changed
            from public.calcom_log_webhook_event(%L, %L, 'k4', 'PING', null, '{}', null, true, null,
              '2026-11-24T10:00:03Z', '2026-11-24T10:00:03Z', null, %L, false, 60, 10485760, 1000) $$,
    :'owner_id',
    :'connection_id', :'ciphertext'),
  $$ values (null::uuid, false, true) $$,
  'an event decided for a paused connection that is active now writes nothing and says so'
);
select throws_ok(
  format($$ select * from public.calcom_log_webhook_event(%L, %L, 'k3', 'BOOKING_CREATED', 'uid-bad', '{}',
    null, true, null, now(), now(), %L, %L, true, 60, 10485760, 1000) $$, :'owner_id', :'connection_id',
    :'bad_rows',
    :'ciphertext'),
  '23514', null,
  'a booking the table refuses fails the call'
);
select is(
  (select count(*)::int from public.calcom_webhook_events where dedupe_key = 'k3'),
  0,
  'and takes its event with it (the caller logs it again with the error)'
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

-- unverified deliveries: the reason only, at most the bound per rolling hour, never against an old secret
select results_eq(
  format($$ select public.calcom_log_unverified_event(%L, %L, 'signature_mismatch', at, 2, %L)
            from unnest(array['2026-11-24T10:00:00Z', '2026-11-24T10:10:00Z', '2026-11-24T10:20:00Z',
              '2026-11-24T11:15:00Z']::timestamptz[]) with ordinality as t(at, n) order by n $$,
    :'owner_id', :'connection_id', :'ciphertext'),
  $$ values ('logged'::text), ('logged'), ('bounded'), ('logged') $$,
  'two unverified events per rolling hour are logged, the third is not, an hour later one is again'
);
select results_eq(
  format($$ select verification_error, payload, raw_body, dedupe_key, processed
            from public.calcom_webhook_events where calcom_connection_id = %L and not verified $$,
    :'connection_id'),
  $$ values ('signature_mismatch'::text, null::jsonb, null::text, null::text, false),
            ('signature_mismatch', null, null, null, false),
            ('signature_mismatch', null, null, null, false) $$,
  'an unverified event keeps its reason and nothing of the body'
);
select is(
  public.calcom_log_unverified_event(:'owner_id', :'connection_id', 'signature_mismatch',
    '2026-11-24T12:30:00Z', 2, 'v1:an-older-ciphertext'),
  'secret_changed',
  'a delivery checked against a secret the connection no longer has is not logged'
);
select is(
  public.calcom_log_unverified_event(:'owner_id', gen_random_uuid(), 'signature_mismatch',
    '2026-11-24T12:30:00Z', 2, :'ciphertext'),
  'gone',
  'a delivery for a connection that does not exist is not logged'
);

select calcom_tests.clear_authentication();
select is(
  (select count(*)::int from public.calcom_webhook_events where calcom_connection_id = :'connection_id'),
  5,
  'only the service role''s calls wrote the log'
);

select * from finish();
rollback;
