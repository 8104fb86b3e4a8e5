-- Persona: service_role, as the Edge Functions write bookings. key_relation says how the connection's
-- Cal.com user relates to a booking (organizer, attendee, team); the batch upsert writes it with the
-- state, keeps it when a write does not know it, and fills it in on a row that has none, without letting
-- an older state replace anything else.
begin;
\ir _helpers.psql
select plan(11);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_connection('owner') as connection_id \gset

select col_type_is('public', 'calcom_bookings', 'key_relation', 'text', 'key_relation is text');
select col_is_null('public', 'calcom_bookings', 'key_relation', 'key_relation may be unknown (null)');
select col_has_check('public', 'calcom_bookings', 'key_relation', 'key_relation is checked');

select calcom_tests.create_booking(:'connection_id', 'checked') as checked_id \gset
select throws_ok(
  format($$ update public.calcom_bookings set key_relation = 'host' where id = %L $$, :'checked_id'),
  '23514', 'new row for relation "calcom_bookings" violates check constraint "calcom_bookings_key_relation_check"',
  'a relation other than organizer, attendee or team is refused'
);
select lives_ok(
  format($$ insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid, title,
      start_time, end_time, status, source_updated_at, key_relation)
    select c.user_id, c.id, u.n, 'relation-' || u.r, 'Meeting', '2026-12-01 10:00Z', '2026-12-01 10:30Z',
      'ACCEPTED', '2026-11-20 08:00Z', u.r
    from public.calcom_connections c
    cross join unnest(array['organizer', 'attendee', 'team']) with ordinality as u(r, n)
    where c.id = %L $$, :'connection_id'),
  'organizer, attendee and team are accepted'
);

-- One booking as a sync would send it: a state at a source time, its hash and, optionally, its relation.
create function pg_temp.batch(source_time text, hash text, relation text)
returns jsonb
language sql
as $$
  select jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
    'booking_uid', 'related', 'booking_id', 7, 'title', 'Call ' || hash, 'status', 'ACCEPTED',
    'start_time', '2026-12-01T10:00:00Z', 'end_time', '2026-12-01T10:30:00Z', 'attendees', '[]'::jsonb,
    'source_updated_at', source_time, 'source_hash', hash, 'key_relation', relation)))
$$;

create function pg_temp.stored()
returns table (title text, key_relation text)
language sql
as $$ select title, key_relation from public.calcom_bookings where booking_uid = 'related' $$;

select calcom_tests.authenticate_as_service_role();

select results_eq(
  format($$ select created from public.calcom_upsert_bookings(%L, %L, %L) $$,
    :'owner_id', :'connection_id', pg_temp.batch('2026-11-20T08:00:00Z', 'h1', null)),
  array[1],
  'a booking written without a relation is stored'
);
select results_eq('select * from pg_temp.stored()', $$ values ('Call h1', null::text) $$,
  'its relation is unknown');

select * from public.calcom_upsert_bookings(:'owner_id', :'connection_id',
  pg_temp.batch('2026-11-19T08:00:00Z', 'h0', 'attendee'));
select results_eq('select * from pg_temp.stored()', $$ values ('Call h1', 'attendee') $$,
  'an older write fills in the unknown relation and leaves the state alone');

select * from public.calcom_upsert_bookings(:'owner_id', :'connection_id',
  pg_temp.batch('2026-11-21T08:00:00Z', 'h2', null));
select results_eq('select * from pg_temp.stored()', $$ values ('Call h2', 'attendee') $$,
  'a newer state that does not know the relation keeps it');

select * from public.calcom_upsert_bookings(:'owner_id', :'connection_id',
  pg_temp.batch('2026-11-20T09:00:00Z', 'h9', 'team'));
select results_eq('select * from pg_temp.stored()', $$ values ('Call h2', 'attendee') $$,
  'an older state never replaces a known relation');

select * from public.calcom_upsert_bookings(:'owner_id', :'connection_id',
  pg_temp.batch('2026-11-22T08:00:00Z', 'h3', 'organizer'));
select results_eq('select * from pg_temp.stored()', $$ values ('Call h3', 'organizer') $$,
  'a newer state replaces the relation with the one it knows');

select * from finish();
rollback;
