-- Purpose: one row per booking sync (API polling) run: what a UI shows as progress, the checkpoint a
-- stopped run resumes from, and the lock that keeps one sync per connection at a time.

create table public.calcom_sync_runs (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  calcom_connection_id uuid not null,
  trigger text not null check (trigger in ('manual', 'scheduled')),
  mode text not null check (mode in ('full', 'incremental')),
  status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
  filters jsonb not null default '{}' check (jsonb_typeof(filters) = 'object'),
  pages integer not null default 0 check (pages >= 0),
  fetched integer not null default 0 check (fetched >= 0),
  created integer not null default 0 check (created >= 0),
  updated integer not null default 0 check (updated >= 0),
  next_skip integer not null default 0 check (next_skip >= 0),
  watermark_before timestamptz,
  watermark_after timestamptz,
  error text,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'running') = (finished_at is null)),
  -- The row belongs to its connection's owner (never another user's), and goes with the connection.
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_sync_runs is
  'Booking sync runs per connection: progress, outcome and the checkpoint (next_skip, watermark_after) '
  'that a partial or interrupted run resumes from.';

-- At most one running sync per connection: a second start fails on this index and gets a 409.
create unique index calcom_sync_runs_one_running_idx
  on public.calcom_sync_runs (calcom_connection_id)
  where status = 'running';
create index calcom_sync_runs_connection_started_idx
  on public.calcom_sync_runs (calcom_connection_id, started_at desc);
-- Covers both foreign keys (user_id, and user_id with calcom_connection_id) for cascading deletes.
create index calcom_sync_runs_user_id_connection_id_idx
  on public.calcom_sync_runs (user_id, calcom_connection_id);

alter table public.calcom_sync_runs enable row level security;

-- Owners see their connections' sync runs; only the sync function writes them.
create policy "owners select their sync runs"
on public.calcom_sync_runs for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_sync_runs from anon, authenticated, service_role;

-- Clients read; the functions write through service_role.
grant select on public.calcom_sync_runs to authenticated;
grant select, insert, update, delete on public.calcom_sync_runs to service_role;
