-- Purpose: a booking Cal.com sends in a shape the mirror cannot store (a lone surrogate, a start in year
-- 0000, an end before its start, an id beyond what a bigint or a JavaScript number holds) is set aside
-- with its reason instead of failing its page: the rest of the page is stored, the sync's watermark moves
-- on, and the owner sees what was left out and why. The sync runs count them.

-- One row per connection, source and booking uid: seeing the same booking again moves last_seen_at.
create table public.calcom_booking_rejects (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  calcom_connection_id uuid not null,
  -- null when Cal.com sent no usable uid
  booking_uid text check (length(booking_uid) between 1 and 255),
  reason text not null check (length(reason) between 1 and 500),
  source text not null check (source in ('sync', 'webhook')),
  raw_excerpt text not null check (octet_length(raw_excerpt) <= 4096),
  seen_count integer not null default 1 check (seen_count >= 1),
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  unique nulls not distinct (calcom_connection_id, source, booking_uid),
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_booking_rejects is
  'Bookings Cal.com sent that the mirror cannot store, set aside with the reason (sync pages and webhook '
  'deliveries). A sync that later stores the booking removes its sync row.';
comment on column public.calcom_booking_rejects.raw_excerpt is
  'The start of the booking as received (JSON text, lone surrogates and NUL replaced), at most 4 KB.';

-- Covers the ownership foreign key for cascading deletes.
create index calcom_booking_rejects_user_id_connection_id_idx
  on public.calcom_booking_rejects (user_id, calcom_connection_id);

alter table public.calcom_booking_rejects enable row level security;

-- Owners see what was set aside from their connections; only the functions write.
create policy "owners select their booking rejects"
on public.calcom_booking_rejects for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_booking_rejects from anon, authenticated, service_role;

-- Clients read their rows; the functions write through service_role.
grant select on public.calcom_booking_rejects to authenticated;
grant select, insert, update, delete on public.calcom_booking_rejects to service_role;

-- A run's count of bookings set aside.
alter table public.calcom_sync_runs
  add column set_aside integer not null default 0 check (set_aside >= 0);

comment on column public.calcom_sync_runs.set_aside is
  'Bookings of this run set aside (public.calcom_booking_rejects) instead of stored.';
