-- Personas: owner, stranger and anon subscribing to Realtime broadcasts. Realtime lets a client join a
-- private topic, and receive its messages, when the client may select a message of that topic from
-- realtime.messages as itself (it inserts one and selects it back). A signed-in user may read the
-- messages of calcom:user:<their id> only; anon reads none, and a broader policy an app adds for its own
-- topics does not open these.
begin;
\ir _helpers.psql
select plan(11);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select 'calcom:user:' || :'owner_id' as owner_topic \gset
select 'calcom:user:' || :'stranger_id' as stranger_topic \gset
select calcom_tests.create_connection('owner', 101) as owner_connection \gset
select calcom_tests.create_connection('stranger', 202) as stranger_connection \gset
select calcom_tests.create_booking(:'owner_connection', 'owner-booking') as owner_booking \gset
select calcom_tests.create_booking(:'stranger_connection', 'stranger-booking') as stranger_booking \gset

-- What Realtime does when a client joins a topic: a message of it, inserted by Realtime itself.
insert into realtime.messages (topic, extension) values (:'owner_topic', 'broadcast')
returning id as owner_join_check \gset

-- Every topic the persona can read, among this test's users' topics and an app's own topic.
create function calcom_tests.readable_topics(p_topics text[])
returns setof text
language sql
set search_path = ''
as $$
  select distinct m.topic from realtime.messages m where m.topic = any (p_topics) order by 1
$$;
grant execute on function calcom_tests.readable_topics(text[]) to anon, authenticated;
select array[:'owner_topic', :'stranger_topic', 'room:lobby'] as topics \gset

select calcom_tests.authenticate_as('owner');
select results_eq(
  format($$ select calcom_tests.readable_topics(%L) $$, :'topics'),
  format($$ values (%L) $$, :'owner_topic'),
  'the owner reads the messages of their own topic and no other'
);
select results_eq(
  format($$ select count(*)::int from realtime.messages where topic = %L $$, :'owner_topic'),
  $$ values (3) $$,
  'the owner reads every message of their topic: connection, booking and Realtime''s join check'
);
select isnt_empty(
  format($$ select 1 from realtime.messages where id = %L $$, :'owner_join_check'),
  'Realtime would let the owner join their topic'
);
select throws_ok(
  format($$ insert into realtime.messages (topic, extension, event, payload)
            values (%L, 'broadcast', 'calcom_bookings', '{}') $$, :'owner_topic'),
  '42501', 'new row violates row-level security policy for table "messages"',
  'the owner cannot send on their topic: only the database does'
);

select calcom_tests.authenticate_as('stranger');
select results_eq(
  format($$ select calcom_tests.readable_topics(%L) $$, :'topics'),
  format($$ values (%L) $$, :'stranger_topic'),
  'a stranger reads their own topic only'
);
select is_empty(
  format($$ select 1 from realtime.messages where id = %L $$, :'owner_join_check'),
  'Realtime would not let a stranger join the owner''s topic'
);
select throws_ok(
  format($$ insert into realtime.messages (topic, extension, event, payload)
            values (%L, 'broadcast', 'calcom_bookings', '{}') $$, :'owner_topic'),
  '42501', 'new row violates row-level security policy for table "messages"',
  'a stranger cannot send on the owner''s topic'
);

select calcom_tests.authenticate_as_anon();
select is_empty(
  format($$ select calcom_tests.readable_topics(%L) $$, :'topics'),
  'anon reads no message'
);

-- An app's own, broad policies for its own topics (as Supabase's docs show them).
select calcom_tests.clear_authentication();
insert into realtime.messages (topic, extension) values ('room:lobby', 'broadcast');
create policy "app: everyone receives everything" on realtime.messages for select
  to anon, authenticated using (true);

select calcom_tests.authenticate_as('stranger');
select results_eq(
  format($$ select calcom_tests.readable_topics(%L) $$, :'topics'),
  format($$ values (%L), ('room:lobby') $$, :'stranger_topic'),
  'with an app''s broad policy a stranger reads the app''s topic, still not the owner''s'
);
select calcom_tests.authenticate_as_anon();
select results_eq(
  format($$ select calcom_tests.readable_topics(%L) $$, :'topics'),
  $$ values ('room:lobby') $$,
  'with it anon reads the app''s topic and still no user''s'
);

select calcom_tests.clear_authentication();
select policies_are('realtime', 'messages', array[
  'users receive their own calcom broadcasts', 'calcom user topics are their user''s only',
  'calcom user topics are closed to anon', 'app: everyone receives everything'
], 'realtime.messages holds the three calcom policies (and the app''s)');

select * from finish();
rollback;
