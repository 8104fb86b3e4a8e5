-- Purpose: the log of every webhook delivery a connection received, verified or not, so failures can be
-- inspected and replayed and duplicates recognised.

create table public.calcom_webhook_events (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  calcom_connection_id uuid not null,
  trigger_event text,
  booking_uid text,
  payload jsonb,
  raw_body text,
  verified boolean not null default false,
  verification_error text,
  processed boolean not null default false,
  error_message text,
  dedupe_key text,
  attempts integer not null default 1 check (attempts >= 1),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  created_at timestamptz not null default now(),
  unique (calcom_connection_id, dedupe_key),
  check (verified or dedupe_key is null),
  -- The row belongs to its connection's owner (never another user's), and goes with the connection.
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_webhook_events is
  'Cal.com webhook deliveries per connection: verified ones deduplicated by body hash, unverified ones '
  'kept (bounded) for inspection but never applied.';
comment on column public.calcom_webhook_events.dedupe_key is
  'SHA-256 (hex) of the exact signed body; null for unverified deliveries so they cannot block a real one.';
comment on column public.calcom_webhook_events.raw_body is
  'Kept only when the body could not be parsed as JSON, so the event can be replayed after a fix.';

create index calcom_webhook_events_connection_received_idx
  on public.calcom_webhook_events (calcom_connection_id, received_at desc);
-- Covers both foreign keys (user_id, and user_id with calcom_connection_id) for cascading deletes.
create index calcom_webhook_events_user_id_connection_id_idx
  on public.calcom_webhook_events (user_id, calcom_connection_id);
-- Finds the events waiting for a replay.
create index calcom_webhook_events_unprocessed_idx
  on public.calcom_webhook_events (calcom_connection_id, received_at)
  where verified and not processed;

alter table public.calcom_webhook_events enable row level security;

-- Owners see their connections' webhook log; only the webhook function writes it.
create policy "owners select their webhook events"
on public.calcom_webhook_events for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_webhook_events from anon, authenticated, service_role;

-- Clients read; the functions write through service_role.
grant select on public.calcom_webhook_events to authenticated;
grant select, insert, update, delete on public.calcom_webhook_events to service_role;
