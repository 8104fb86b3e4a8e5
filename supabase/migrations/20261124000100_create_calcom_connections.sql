-- Purpose: one row per Cal.com account a user connected, with its API key and webhook secret encrypted
-- by the Edge Functions (AES-256-GCM, never decryptable in SQL) and the state of its sync.

-- Shared by every calcom_* table: keeps updated_at honest whoever writes the row.
create function public.calcom_touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create table public.calcom_connections (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  label text not null default 'Cal.com' check (char_length(label) between 1 and 100),
  api_key_encrypted text not null,
  api_key_hint text not null check (char_length(api_key_hint) <= 8),
  webhook_secret_encrypted text not null,
  calcom_user_id bigint not null,
  calcom_username text,
  calcom_email text,
  calcom_time_zone text,
  calcom_webhook_id text,
  calcom_webhook_error text,
  is_active boolean not null default true,
  last_synced_at timestamptz,
  sync_watermark timestamptz,
  last_sync_status text check (last_sync_status in ('running', 'succeeded', 'partial', 'failed')),
  last_sync_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, calcom_user_id),
  -- Target of the child tables' (user_id, calcom_connection_id) foreign keys: a row can only belong to
  -- the user who owns its connection, which is what their RLS policies rely on.
  unique (user_id, id)
);

comment on table public.calcom_connections is
  'Cal.com accounts connected by users. Secrets are encrypted by the Edge Functions; clients never see them.';
comment on column public.calcom_connections.api_key_encrypted is
  'AES-256-GCM ciphertext (versioned, with key id; the row id is the additional data).';
comment on column public.calcom_connections.sync_watermark is
  'Largest Cal.com updatedAt fully synced; the next incremental sync asks for afterUpdatedAt >= this.';

create trigger calcom_connections_touch_updated_at
before update on public.calcom_connections
for each row execute function public.calcom_touch_updated_at();

alter table public.calcom_connections enable row level security;

-- Owners see their own connections.
create policy "owners select their connections"
on public.calcom_connections for select
to authenticated
using ((select auth.uid()) = user_id);

-- Owners may rename or pause their own connections (the column grants below limit what they may touch).
create policy "owners update their connections"
on public.calcom_connections for update
to authenticated
using ((select auth.uid()) = user_id)
with check ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default
-- (config.toml's auto_expose_new_tables), and a table-wide select would expose the ciphertexts.
revoke all on public.calcom_connections from anon, authenticated, service_role;

-- Clients read every column but the two ciphertexts, and write only label and is_active; creating and
-- deleting connections goes through the calcom-connection function, which also talks to Cal.com.
grant select (
  id, user_id, label, api_key_hint, calcom_user_id, calcom_username, calcom_email, calcom_time_zone,
  calcom_webhook_id, calcom_webhook_error, is_active, last_synced_at, sync_watermark, last_sync_status,
  last_sync_error, created_at, updated_at
) on public.calcom_connections to authenticated;
grant update (label, is_active) on public.calcom_connections to authenticated;

-- The functions' privileged work and operators' tools run as service_role.
grant select, insert, update, delete on public.calcom_connections to service_role;
