-- updated_at is set by a trigger on every update, whoever writes (an owner renaming a connection, the
-- functions updating a booking) and whatever they send for it. Inside one transaction now() is fixed,
-- so the rows start from an old timestamp and the test checks it moved to now().
begin;
\ir _helpers.psql
select plan(5);

select calcom_tests.create_user('owner') as owner_id \gset
-- Inserted by hand with old timestamps: the trigger fires on update only.
insert into public.calcom_connections (user_id, api_key_encrypted, api_key_hint, webhook_secret_encrypted,
  calcom_user_id, created_at, updated_at)
values (:'owner_id', 'v1.k1.iv.ct', 'a1b2', 'v1.k1.iv.ws', 1, '2020-01-01Z', '2020-01-01Z')
returning id as connection_id \gset
insert into public.calcom_bookings (user_id, calcom_connection_id, booking_id, booking_uid, start_time,
  end_time, status, source_updated_at, created_at, updated_at)
values (:'owner_id', :'connection_id', 1, 'uid-1', '2026-12-01 10:00Z', '2026-12-01 10:30Z', 'ACCEPTED',
  '2026-11-20 08:00Z', '2020-01-01Z', '2020-01-01Z')
returning id as booking_id \gset

select calcom_tests.authenticate_as('owner');
update public.calcom_connections set label = 'Renamed' where id = :'connection_id';
select calcom_tests.clear_authentication();

select is(
  (select updated_at from public.calcom_connections where id = :'connection_id'),
  now(),
  'an owner''s rename moves the connection''s updated_at'
);
select is(
  (select created_at from public.calcom_connections where id = :'connection_id'),
  '2020-01-01Z'::timestamptz,
  'created_at stays'
);

select calcom_tests.authenticate_as_service_role();
update public.calcom_bookings set status = 'CANCELLED' where id = :'booking_id';
select is(
  (select updated_at from public.calcom_bookings where id = :'booking_id'),
  now(),
  'a function''s booking update moves the booking''s updated_at'
);
update public.calcom_bookings set title = 'Renamed', updated_at = '2019-01-01Z' where id = :'booking_id';
select is(
  (select updated_at from public.calcom_bookings where id = :'booking_id'),
  now(),
  'a writer cannot set updated_at back'
);
select isnt(
  (select source_updated_at from public.calcom_bookings where id = :'booking_id'),
  now(),
  'source_updated_at is left to the writer (Cal.com''s clock, never the database''s)'
);

select * from finish();
rollback;
