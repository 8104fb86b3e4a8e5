-- Purpose: when each connection is next due for a scheduled sync, and the lease a worker holds on it while
-- it syncs. The scheduled route dispatches due connections to parallel workers; a worker claims one
-- connection at a time with `for update skip locked` and a lease that expires, so a crashed worker's
-- connection is taken over and no two workers sync the same connection (docs/operations.md, "Scheduled
-- sync"). One row per connection, created by the dispatcher the first time it sees the connection.

create table public.calcom_sync_schedule (
  calcom_connection_id uuid primary key,
  user_id uuid not null,
  next_due_at timestamptz not null,
  consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
  last_outcome text check (last_outcome in ('succeeded', 'partial', 'failed', 'skipped')),
  last_run_at timestamptz,
  last_change_at timestamptz,
  leased_until timestamptz,
  lease_owner text check (char_length(lease_owner) between 1 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((leased_until is null) = (lease_owner is null)),
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_sync_schedule is
  'Scheduled sync state per connection: next due time (cadence and failure backoff), and the worker lease '
  '(leased_until, lease_owner) that keeps one worker per connection; written only by the functions.';
comment on column public.calcom_sync_schedule.last_change_at is
  'Last time a sync received changed bookings: connections that changed recently are synced more often.';
comment on column public.calcom_sync_schedule.leased_until is
  'A worker syncs the connection until then; past it the lease is free for another worker to take over.';

-- The claim's order: oldest due first, so no connection starves.
create index calcom_sync_schedule_next_due_idx
  on public.calcom_sync_schedule (next_due_at, calcom_connection_id);
-- Covers the ownership foreign key for cascading deletes.
create index calcom_sync_schedule_user_id_connection_id_idx
  on public.calcom_sync_schedule (user_id, calcom_connection_id);

create trigger calcom_sync_schedule_touch_updated_at
before update on public.calcom_sync_schedule
for each row execute function public.calcom_touch_updated_at();

alter table public.calcom_sync_schedule enable row level security;

-- Owners see when their connections are next synced and how many syncs failed in a row.
create policy "owners select their sync schedule"
on public.calcom_sync_schedule for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_sync_schedule from anon, authenticated, service_role;

-- Clients read the schedule but not the workers' lease bookkeeping; only the functions write.
grant select (
  calcom_connection_id, user_id, next_due_at, consecutive_failures, last_outcome, last_run_at,
  last_change_at, created_at, updated_at
) on public.calcom_sync_schedule to authenticated;
grant select, insert, update, delete on public.calcom_sync_schedule to service_role;
