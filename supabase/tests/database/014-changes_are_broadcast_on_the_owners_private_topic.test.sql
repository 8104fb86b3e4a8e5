-- Persona: whoever writes (the functions as service_role, an owner renaming their connection): every
-- change of a booking or a connection leaves one Realtime broadcast message per row on the owner's private
-- topic calcom:user:<user id>, the event named after the table, in realtime.broadcast_changes' shape, with
-- the ciphertexts and a booking's raw object left out. What subscribers may receive: 013.
begin;
\ir _helpers.psql
select plan(21);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('other') as other_id \gset
select 'calcom:user:' || :'owner_id' as owner_topic \gset
select 'calcom:user:' || :'other_id' as other_topic \gset

-- The messages of one topic, oldest first, as the session user (no RLS).
create function calcom_tests.messages(p_topic text)
returns table (event text, operation text, record jsonb, old_record jsonb, private boolean, extension text)
language sql
set search_path = ''
as $$
  select m.event, m.payload ->> 'operation', m.payload -> 'record', m.payload -> 'old_record', m.private,
    m.extension
  from realtime.messages m where m.topic = p_topic order by m.inserted_at, m.payload ->> 'operation'
$$;

-- Drops a topic's messages between steps, whoever the test acts as (only the session user may delete).
create function calcom_tests.forget_messages(p_topic text)
returns void
language sql
security definer
set search_path = ''
as $$
  delete from realtime.messages m where m.topic = p_topic
$$;

select has_trigger('public', 'calcom_bookings', 'calcom_bookings_broadcast_insert', 'booking inserts are broadcast');
select has_trigger('public', 'calcom_bookings', 'calcom_bookings_broadcast_update', 'booking updates are broadcast');
select has_trigger('public', 'calcom_bookings', 'calcom_bookings_broadcast_delete', 'booking deletes are broadcast');
select has_trigger(
  'public', 'calcom_connections', 'calcom_connections_broadcast_update', 'connection updates are broadcast'
);
select is(
  (select prosecdef from pg_proc where oid = 'public.calcom_broadcast_changes()'::regprocedure),
  true,
  'the broadcast function runs as its owner'
);
select is(
  (select proconfig from pg_proc where oid = 'public.calcom_broadcast_changes()'::regprocedure),
  array['search_path=""'],
  'the broadcast function runs with an empty search_path'
);

select calcom_tests.create_connection('owner', 101) as owner_connection \gset
select results_eq(
  format($$ select event, operation, record ->> 'id', old_record, private, extension
            from calcom_tests.messages(%L) $$, :'owner_topic'),
  format($$ values ('calcom_connections', 'INSERT', %L, 'null'::jsonb, true, 'broadcast') $$, :'owner_connection'),
  'a new connection is broadcast privately on its owner''s topic, event calcom_connections'
);
select results_eq(
  format($$ select record ? 'api_key_encrypted', record ->> 'api_key_encrypted',
              record ->> 'webhook_secret_encrypted', record ->> 'label'
            from calcom_tests.messages(%L) $$, :'owner_topic'),
  $$ values (true, null::text, null::text, 'Cal.com of owner') $$,
  'the connection''s record holds its columns but neither ciphertext'
);
select is_empty(
  $$ select 1 from realtime.messages where payload::text like '%ciphertext%' $$,
  'no message holds a ciphertext'
);

select calcom_tests.forget_messages(:'owner_topic');
select calcom_tests.authenticate_as_service_role();
update public.calcom_bookings set status = status where false;
select is_empty(
  format($$ select 1 from realtime.messages where topic = %L $$, :'owner_topic'),
  'a statement that changes no row sends nothing'
);
insert into public.calcom_bookings (
  user_id, calcom_connection_id, booking_id, booking_uid, title, start_time, end_time, status,
  source_updated_at, raw
) values (
  :'owner_id', :'owner_connection', 1, 'booking-a', 'Intro', '2026-12-01 10:00Z', '2026-12-01 10:30Z',
  'ACCEPTED', '2026-11-20 08:00Z', '{"uid": "booking-a", "responses": {"notes": "long"}}'
);
select results_eq(
  format($$ select event, operation, record ->> 'booking_uid', record ->> 'status', record -> 'raw'
            from calcom_tests.messages(%L) $$, :'owner_topic'),
  $$ values ('calcom_bookings', 'INSERT', 'booking-a', 'ACCEPTED', 'null'::jsonb) $$,
  'a new booking is broadcast on its owner''s topic, event calcom_bookings, without its raw object'
);

select calcom_tests.forget_messages(:'owner_topic');
update public.calcom_bookings set status = 'CANCELLED' where booking_uid = 'booking-a';
select results_eq(
  format($$ select operation, record ->> 'status', old_record ->> 'status', old_record -> 'raw'
            from calcom_tests.messages(%L) $$, :'owner_topic'),
  $$ values ('UPDATE', 'CANCELLED', 'ACCEPTED', 'null'::jsonb) $$,
  'an updated booking is broadcast with its new and its old state'
);

select calcom_tests.forget_messages(:'owner_topic');
select jsonb_agg(jsonb_build_object(
  'booking_uid', 'page-' || i, 'booking_id', 100 + i, 'title', 'Call', 'status', 'ACCEPTED',
  'start_time', '2026-12-01T10:00:00Z', 'end_time', '2026-12-01T10:30:00Z', 'attendees', '[]'::jsonb,
  'source_updated_at', '2026-11-24T00:00:00Z', 'source_hash', 'h' || i
)) as page_rows from generate_series(1, 3) i \gset
select is(
  (select created from public.calcom_upsert_bookings(:'owner_id', :'owner_connection', :'page_rows')),
  3,
  'a page upsert of three bookings writes three rows'
);
select results_eq(
  format($$ select operation, record ->> 'booking_uid' from calcom_tests.messages(%L)
            order by 2 $$, :'owner_topic'),
  $$ values ('INSERT', 'page-1'), ('INSERT', 'page-2'), ('INSERT', 'page-3') $$,
  'the page upsert sends one message per booking it wrote'
);

select calcom_tests.forget_messages(:'owner_topic');
select calcom_tests.clear_authentication();
select calcom_tests.create_connection('other', 202) as other_connection \gset
select calcom_tests.create_booking(:'other_connection', 'other-booking') as other_booking \gset
select is_empty(
  format($$ select 1 from realtime.messages where topic = %L $$, :'owner_topic'),
  'another user''s changes are not broadcast on the owner''s topic'
);
select results_eq(
  format($$ select event, operation from calcom_tests.messages(%L) $$, :'other_topic'),
  $$ values ('calcom_connections', 'INSERT'), ('calcom_bookings', 'INSERT') $$,
  'they are broadcast on that user''s own topic'
);

select calcom_tests.authenticate_as('owner');
select lives_ok(
  format($$ update public.calcom_connections set label = 'Work' where id = %L $$, :'owner_connection'),
  'the owner renames their connection'
);
select calcom_tests.clear_authentication();
select results_eq(
  format($$ select event, operation, record ->> 'label', old_record ->> 'label'
            from calcom_tests.messages(%L) $$, :'owner_topic'),
  $$ values ('calcom_connections', 'UPDATE', 'Work', 'Cal.com of owner') $$,
  'the owner''s own change is broadcast too, though they may not write realtime.messages'
);

select calcom_tests.forget_messages(:'owner_topic');
delete from public.calcom_bookings where booking_uid = 'page-1';
select results_eq(
  format($$ select event, operation, record, old_record ->> 'booking_uid' from calcom_tests.messages(%L) $$,
    :'owner_topic'),
  $$ values ('calcom_bookings', 'DELETE', 'null'::jsonb, 'page-1') $$,
  'a deleted booking is broadcast with its old state'
);

select calcom_tests.forget_messages(:'owner_topic');
delete from public.calcom_connections where id = :'owner_connection';
select results_eq(
  format($$ select event, operation, old_record ->> 'id' from calcom_tests.messages(%L) $$, :'owner_topic'),
  format($$ values ('calcom_connections', 'DELETE', %L) $$, :'owner_connection'),
  'a deleted connection is one message: the bookings deleted with it are not sent one by one'
);
select is(
  (select count(*)::int from public.calcom_bookings where calcom_connection_id = :'owner_connection'),
  0,
  'its bookings went with it'
);

select * from finish();
rollback;
