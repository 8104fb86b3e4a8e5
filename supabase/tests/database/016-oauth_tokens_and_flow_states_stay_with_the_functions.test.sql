-- Personas: owner, stranger, anon and service role around "Continue with Cal.com". Owners see how their
-- connection is authorised (auth_kind, granted scopes, token expiry) but never a token; flow states are
-- for the functions alone; the schema keeps OAuth rows and API-key rows each with what they need.
begin;
\ir _helpers.psql
select plan(16);

select calcom_tests.create_user('owner') as owner_id \gset
select calcom_tests.create_user('stranger') as stranger_id \gset
select calcom_tests.create_connection('owner', 101) as key_connection \gset

-- An OAuth connection as the callback writes it
insert into public.calcom_connections (
  user_id, label, auth_kind, api_key_encrypted, api_key_hint, webhook_secret_encrypted, calcom_user_id,
  oauth_access_token_encrypted, oauth_refresh_token_encrypted, oauth_access_token_expires_at, oauth_scopes
) values (
  :'owner_id', 'Cal.com oauth', 'oauth', 'v2.k1.iv.empty', '', 'v2.k1.iv.webhook', 102,
  'v2.k1.iv.access', 'v2.k1.iv.refresh', now() + interval '30 minutes', array['BOOKING_READ']
) returning id as oauth_connection \gset

insert into public.calcom_oauth_states (state_hash, user_id, return_to, scopes, expires_at)
values (repeat('c', 64), :'owner_id', 'https://app.example.test/settings', array['BOOKING_READ'],
        now() + interval '10 minutes');

select is(
  (select auth_kind from public.calcom_connections where id = :'key_connection'),
  'api_key',
  'connections made before OAuth are API-key connections'
);
select throws_ok(
  format($$ update public.calcom_connections set oauth_access_token_encrypted = 'x' where id = %L $$, :'key_connection'),
  '23514', null,
  'an API-key connection cannot carry OAuth tokens'
);
select throws_ok(
  format($$ update public.calcom_connections set oauth_refresh_token_encrypted = null where id = %L $$, :'oauth_connection'),
  '23514', null,
  'an OAuth connection cannot lose its refresh token'
);
select throws_ok(
  $$ update public.calcom_connections set auth_kind = 'password' $$,
  '23514', null,
  'auth_kind is api_key or oauth'
);
select throws_ok(
  format($$ insert into public.calcom_oauth_states (state_hash, user_id, return_to, scopes, expires_at)
            values ('plain-state', %L, 'https://app.example.test', '{}', now() + interval '1 minute') $$, :'owner_id'),
  '23514', null,
  'a flow state is stored as a SHA-256 hex digest, never as the state itself'
);

select calcom_tests.authenticate_as('owner');

select results_eq(
  $$ select auth_kind, oauth_scopes from public.calcom_connections order by calcom_user_id $$,
  $$ values ('api_key'::text, null::text[]), ('oauth', array['BOOKING_READ']) $$,
  'owner reads how each connection is authorised and what it was granted'
);
select throws_ok(
  $$ select oauth_access_token_encrypted from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot read the access token ciphertext'
);
select throws_ok(
  $$ select oauth_refresh_token_encrypted from public.calcom_connections $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot read the refresh token ciphertext'
);
select throws_ok(
  $$ update public.calcom_connections set oauth_scopes = array['BOOKING_WRITE'] $$,
  '42501', 'permission denied for table calcom_connections',
  'owner cannot grant their connection scopes'
);
select throws_ok(
  $$ select state_hash from public.calcom_oauth_states $$,
  '42501', 'permission denied for table calcom_oauth_states',
  'owner cannot read flow states, not even their own'
);
select throws_ok(
  $$ insert into public.calcom_oauth_states (state_hash, user_id, return_to, scopes, expires_at)
     values (repeat('d', 64), auth.uid(), 'https://evil.example', '{}', now() + interval '1 minute') $$,
  '42501', 'permission denied for table calcom_oauth_states',
  'owner cannot plant a flow state'
);

select calcom_tests.authenticate_as('stranger');
select is_empty(
  $$ select auth_kind from public.calcom_connections $$,
  'a stranger sees nothing of the owner''s OAuth connection'
);

select calcom_tests.authenticate_as_anon();
select throws_ok(
  $$ select state_hash from public.calcom_oauth_states $$,
  '42501', 'permission denied for table calcom_oauth_states',
  'anon cannot read flow states'
);

select calcom_tests.authenticate_as_service_role();
select results_eq(
  $$ delete from public.calcom_oauth_states where state_hash = repeat('c', 64) returning return_to $$,
  $$ values ('https://app.example.test/settings'::text) $$,
  'the service role consumes a flow state by deleting it'
);
select throws_ok(
  $$ update public.calcom_oauth_states set expires_at = now() + interval '1 day' $$,
  '42501', 'permission denied for table calcom_oauth_states',
  'not even the service role extends a flow state'
);

select calcom_tests.clear_authentication();
delete from auth.users where id = :'owner_id';
select is_empty(
  format($$ select 1 from public.calcom_connections where user_id = %L $$, :'owner_id'),
  'deleting the user deletes their OAuth connection with its tokens'
);

select * from finish();
rollback;
