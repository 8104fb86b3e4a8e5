-- Purpose: connections made with "Continue with Cal.com" (OAuth 2.0) beside those made with an API key:
-- the kind of credential, the encrypted access and refresh tokens, the access token's expiry and the
-- granted scopes; and calcom_oauth_states, the short-lived single-use state of a flow in progress.

alter table public.calcom_connections
  add column auth_kind text not null default 'api_key' check (auth_kind in ('api_key', 'oauth')),
  add column oauth_access_token_encrypted text,
  add column oauth_refresh_token_encrypted text,
  add column oauth_access_token_expires_at timestamptz,
  add column oauth_scopes text[],
  -- An API-key connection carries no tokens; an OAuth one has both tokens and their expiry until it is
  -- disconnected (a refused refresh keeps them, so the row says which grant failed).
  add constraint calcom_connections_oauth_tokens_check check (
    case auth_kind
      when 'api_key' then oauth_access_token_encrypted is null and oauth_refresh_token_encrypted is null
        and oauth_access_token_expires_at is null and oauth_scopes is null
      else oauth_access_token_encrypted is not null and oauth_refresh_token_encrypted is not null
        and oauth_access_token_expires_at is not null and oauth_scopes is not null
    end
  );

comment on column public.calcom_connections.auth_kind is
  'api_key: api_key_encrypted holds the key. oauth: the oauth_* columns hold the tokens, and api_key_encrypted the ciphertext of an empty string (never a usable credential).';
comment on column public.calcom_connections.oauth_access_token_encrypted is
  'AES-256-GCM ciphertext of the OAuth access token, bound to (row id, column, user id) like api_key_encrypted.';
comment on column public.calcom_connections.oauth_refresh_token_encrypted is
  'AES-256-GCM ciphertext of the OAuth refresh token (Cal.com rotates it on every refresh), bound like api_key_encrypted.';
comment on column public.calcom_connections.oauth_access_token_expires_at is
  'When the access token expires (the token response''s expires_in after it was received); refreshed ahead of it.';
comment on column public.calcom_connections.oauth_scopes is
  'Scopes Cal.com granted (the token response''s scope, else those requested).';

-- Clients may see how a connection is authorised and what it may do, never the tokens.
grant select (auth_kind, oauth_access_token_expires_at, oauth_scopes) on public.calcom_connections to authenticated;

create table public.calcom_oauth_states (
  -- SHA-256 hex of the state sent to Cal.com: the database never holds a value that completes a flow
  state_hash text primary key check (state_hash ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references auth.users (id) on delete cascade,
  return_to text not null check (char_length(return_to) <= 2000),
  scopes text[] not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  check (expires_at > created_at)
);

comment on table public.calcom_oauth_states is
  'OAuth flows in progress: the state bound to the user who started it, where to return, the scopes asked. Single use (deleted when the callback reads it), valid until expires_at.';

create index calcom_oauth_states_expires_at on public.calcom_oauth_states (expires_at);
-- deleting a user finds their flow states by it
create index calcom_oauth_states_user_id on public.calcom_oauth_states (user_id);

alter table public.calcom_oauth_states enable row level security;

-- No policies: only the connection function, as service_role, reads and writes flow states.
revoke all on public.calcom_oauth_states from anon, authenticated, service_role;
grant select, insert, delete on public.calcom_oauth_states to service_role;
