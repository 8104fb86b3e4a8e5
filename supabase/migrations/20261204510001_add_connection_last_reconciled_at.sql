-- Purpose: record when each connection's bookings were last reconciled with Cal.com (a re-read of a
-- start-time window that catches what polling by updatedAt cannot see), so the scheduled sync runs a
-- reconciliation at most once per connection per cadence and owners can see when it last ran.

alter table public.calcom_connections add column last_reconciled_at timestamptz;

comment on column public.calcom_connections.last_reconciled_at is
  'When the last complete reconciliation of this connection began (database clock): a re-read of its '
  'bookings by start time that repairs attendees, no-show marks, seats, status and times. Null until one '
  'ran. The scheduled sync claims a reconciliation by moving it, at most once per cadence.';

-- Owners see when their connection was last reconciled, like last_synced_at.
grant select (last_reconciled_at) on public.calcom_connections to authenticated;
