-- Persona: the functions as service_role, writing connections and bookings (a sync's bookkeeping, a
-- status change, a token refresh): a broadcast message is a small summary of the changed row (ids, state,
-- the names of the changed columns) and never carries a ciphertext; an update of a connection's
-- bookkeeping columns only (last_synced_at, sync_watermark, last_reconciled_at, the OAuth access token's
-- refresh) sends nothing. Migration 20261206100000; the topic, event and policies: 014 and 015.
begin;
\ir _helpers.psql
select plan(16);

select calcom_tests.create_user('owner') as owner_id \gset
select 'calcom:user:' || :'owner_id' as owner_topic \gset

-- Drops every message between steps, whoever the test acts as (only the session user may delete).
create function calcom_tests.forget_all_messages()
returns void
language sql
security definer
set search_path = ''
as $$
  delete from realtime.messages
$$;

-- An OAuth connection, so every kind of ciphertext is in the row.
insert into public.calcom_connections (
  user_id, label, auth_kind, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id,
  oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at, oauth_scopes
) values (
  :'owner_id', 'Cal.com oauth', 'oauth', 'v2.k1.iv.api-key-ciphertext', '', 'v2.k1.iv.webhook-ciphertext',
  102, 'v2.k1.iv.access-ciphertext', 'v2.k1.iv.refresh-ciphertext', now() + interval '30 minutes',
  array['BOOKING_READ']
) returning id as connection \gset
select calcom_tests.create_booking(:'connection', 'booking-a') as booking \gset

select results_eq(
  format($$ select event, payload ->> 'operation', payload -> 'record' ->> 'id', topic, private
            from realtime.messages order by event $$),
  format($$ values ('calcom_bookings', 'INSERT', %L, %L, true),
                   ('calcom_connections', 'INSERT', %L, %L, true) $$,
    :'booking', :'owner_topic', :'connection', :'owner_topic'),
  'an inserted connection and booking are each one private message on the owner''s topic'
);
select is_empty(
  $$ select 1 from realtime.messages where payload::text like '%ciphertext%' $$,
  'no message of an insert carries a ciphertext, the OAuth tokens'' neither'
);

select calcom_tests.forget_all_messages();
select calcom_tests.authenticate_as_service_role();
update public.calcom_connections set last_synced_at = now(), sync_watermark = now(), last_reconciled_at = now()
where id = :'connection';
select is_empty(
  $$ select 1 from realtime.messages $$,
  'an update of last_synced_at, sync_watermark and last_reconciled_at sends nothing'
);
update public.calcom_connections set oauth_access_token_encrypted = 'v2.k1.iv.access-ciphertext-2',
  oauth_refresh_token_encrypted = 'v2.k1.iv.refresh-ciphertext-2',
  oauth_access_token_expires_at = now() + interval '1 hour'
where id = :'connection';
select is_empty($$ select 1 from realtime.messages $$, 'a refresh of the OAuth access token sends nothing');
update public.calcom_connections set label = label where id = :'connection';
select is_empty($$ select 1 from realtime.messages $$, 'an update that changes no column sends nothing');

update public.calcom_connections set last_sync_status = 'succeeded', last_synced_at = now()
where id = :'connection';
select results_eq(
  format($$ select event, topic, payload ->> 'operation', payload -> 'record' ->> 'last_sync_status',
              payload -> 'changed_columns'
            from realtime.messages $$),
  format($$ values ('calcom_connections', %L, 'UPDATE', 'succeeded', '["last_sync_status"]'::jsonb) $$,
    :'owner_topic'),
  'a sync outcome with its bookkeeping is one message naming only the column that is news'
);

select calcom_tests.forget_all_messages();
update public.calcom_connections set webhook_secret_encrypted = 'v2.k1.iv.webhook-ciphertext-2'
where id = :'connection';
select results_eq(
  $$ select payload -> 'changed_columns', payload -> 'record' -> 'webhook_secret_encrypted',
       payload -> 'old_record' -> 'webhook_secret_encrypted'
     from realtime.messages $$,
  $$ values ('["webhook_secret_encrypted"]'::jsonb, 'null'::jsonb, 'null'::jsonb) $$,
  'a new webhook secret is announced by name, its ciphertext sent as null'
);
select is_empty(
  $$ select 1 from realtime.messages where payload::text like '%ciphertext%' $$,
  'no message of an update carries a ciphertext'
);

select calcom_tests.forget_all_messages();
update public.calcom_bookings set status = 'CANCELLED', cancellation_reason = 'ill' where id = :'booking';
select results_eq(
  format($$ select event, topic, private, extension, payload ->> 'operation',
              payload -> 'record' ->> 'booking_uid', payload -> 'record' ->> 'status',
              payload -> 'old_record' ->> 'status', payload -> 'changed_columns'
            from realtime.messages $$),
  format($$ values ('calcom_bookings', %L, true, 'broadcast', 'UPDATE', 'booking-a', 'CANCELLED', 'ACCEPTED',
                    '["cancellation_reason", "status"]'::jsonb) $$, :'owner_topic'),
  'a status change is one message on the owner''s topic, with the old and new status and what changed'
);
select is(
  (select array(select jsonb_object_keys(payload -> 'record') order by 1) from realtime.messages),
  array['booking_id', 'booking_uid', 'calcom_connection_id', 'end_time', 'id', 'raw', 'start_time', 'status',
    'updated_at', 'user_id'],
  'a booking''s record is its summary: ids, state and times, raw as null'
);
select is(
  (select payload -> 'record' -> 'raw' from realtime.messages),
  'null'::jsonb,
  'a booking''s raw object is never sent'
);

select calcom_tests.forget_all_messages();
select is(
  (select created from public.calcom_upsert_bookings(:'owner_id', :'connection', (
    select jsonb_agg(jsonb_build_object(
      'booking_uid', 'page-' || i, 'booking_id', 100 + i, 'title', 'Call', 'status', 'ACCEPTED',
      'start_time', '2026-12-01T10:00:00Z', 'end_time', '2026-12-01T10:30:00Z', 'attendees', '[]'::jsonb,
      'source_updated_at', '2026-11-24T00:00:00Z', 'source_hash', 'h' || i, 'raw', '{"secret": "form"}'::jsonb
    )) from generate_series(1, 3) i))),
  3,
  'a page upsert writes three bookings'
);
select results_eq(
  $$ select payload -> 'record' ->> 'booking_uid', payload -> 'record' -> 'raw'
     from realtime.messages order by 1 $$,
  $$ values ('page-1', 'null'::jsonb), ('page-2', 'null'::jsonb), ('page-3', 'null'::jsonb) $$,
  'it sends one message per booking, none with the raw object'
);
select is(
  (select created from public.calcom_upsert_bookings(:'owner_id', :'connection', (
    select jsonb_agg(jsonb_build_object(
      'booking_uid', 'page-' || i, 'booking_id', 100 + i, 'title', 'Call', 'status', 'ACCEPTED',
      'start_time', '2026-12-01T10:00:00Z', 'end_time', '2026-12-01T10:30:00Z', 'attendees', '[]'::jsonb,
      'source_updated_at', '2026-11-24T00:00:00Z', 'source_hash', 'h' || i, 'raw', '{"secret": "form"}'::jsonb
    )) from generate_series(1, 3) i))),
  0,
  'the same page again writes nothing'
);
select is(
  (select count(*)::int from realtime.messages),
  3,
  'and sends nothing more'
);

select calcom_tests.forget_all_messages();
select calcom_tests.clear_authentication();
delete from public.calcom_connections where id = :'connection';
select results_eq(
  format($$ select event, payload ->> 'operation', payload -> 'old_record' ->> 'id',
              payload -> 'old_record' -> 'api_key_encrypted'
            from realtime.messages $$),
  format($$ values ('calcom_connections', 'DELETE', %L, 'null'::jsonb) $$, :'connection'),
  'a deleted connection is one message without its ciphertexts, its bookings not sent one by one'
);

select * from finish();
rollback;
