-- Purpose: the mirror of each connection's Cal.com bookings, written by the sync and webhook functions
-- and read by clients under RLS (and live through Realtime).

create table public.calcom_bookings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  calcom_connection_id uuid not null,
  booking_id bigint not null,
  booking_uid text not null,
  event_type_id bigint,
  event_type_slug text,
  event_type_title text,
  title text not null default '',
  description text,
  start_time timestamptz not null,
  end_time timestamptz not null,
  status text not null check (status in ('ACCEPTED', 'PENDING', 'CANCELLED', 'REJECTED', 'AWAITING_HOST')),
  organizer_id bigint,
  organizer_name text,
  organizer_email text,
  organizer_username text,
  organizer_timezone text,
  attendees jsonb not null default '[]' check (jsonb_typeof(attendees) = 'array'),
  location text,
  meeting_url text,
  custom_inputs jsonb,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  rescheduled_from_uid text,
  rescheduled_to_uid text,
  cancellation_reason text,
  rejection_reason text,
  ical_uid text,
  recurring_booking_uid text,
  absent_host boolean not null default false,
  meeting_started_at timestamptz,
  meeting_ended_at timestamptz,
  recording_links jsonb,
  calcom_created_at timestamptz,
  source_updated_at timestamptz not null,
  raw jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (calcom_connection_id, booking_uid),
  check (end_time >= start_time),
  -- The row belongs to its connection's owner (never another user's), and goes with the connection.
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_bookings is
  'Cal.com bookings mirrored per connection by API sync and webhooks; one row per booking uid.';
comment on column public.calcom_bookings.source_updated_at is
  'Cal.com''s time of the state this row holds (booking updatedAt, or the webhook''s createdAt). '
  'A write carrying an older time never overwrites the row: the order guard for unordered deliveries.';
comment on column public.calcom_bookings.raw is 'The last source object (API booking or webhook payload).';

-- "My bookings by start time", keyset-paginated by (start_time, id).
create index calcom_bookings_user_id_start_time_idx on public.calcom_bookings (user_id, start_time, id);
-- The same for one connection; also covers the (user_id, calcom_connection_id) foreign key, which
-- deleting a connection looks its bookings up by.
create index calcom_bookings_user_id_connection_id_start_time_idx
  on public.calcom_bookings (user_id, calcom_connection_id, start_time, id);

create trigger calcom_bookings_touch_updated_at
before update on public.calcom_bookings
for each row execute function public.calcom_touch_updated_at();

alter table public.calcom_bookings enable row level security;

-- Owners see the bookings of their own connections; only the functions write.
create policy "owners select their bookings"
on public.calcom_bookings for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_bookings from anon, authenticated, service_role;

-- Clients read; the functions write through service_role.
grant select on public.calcom_bookings to authenticated;
grant select, insert, update, delete on public.calcom_bookings to service_role;

-- Clients subscribe to their bookings' changes; Realtime applies the select policy above.
alter publication supabase_realtime add table public.calcom_bookings;
