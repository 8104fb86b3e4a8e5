-- Purpose: make a retried "create a booking" book once. Cal.com's POST /v2/bookings takes no idempotency
-- key, so calcom-bookings-sync keeps, per user and client-chosen Idempotency-Key, a hash of the request and
-- the booking it made. The function takes a transaction-level advisory lock on (user, key), calls Cal.com
-- and writes this row with the booking in that one transaction: a concurrent request with the same key
-- waits for the lock, then finds the answer (or, when the first failed and wrote nothing, books itself).
-- See docs/api.md, "Create a booking".

create table public.calcom_booking_requests (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  calcom_connection_id uuid not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 255),
  request_hash text not null check (request_hash ~ '^[0-9a-f]{64}$'),
  booking_uid text not null check (length(booking_uid) between 1 and 200),
  seat_uid text check (length(seat_uid) between 1 and 200),
  created_at timestamptz not null default now(),
  unique (user_id, idempotency_key),
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_booking_requests is
  'One row per booking created through calcom-bookings-sync with an Idempotency-Key: the key, the SHA-256 '
  'of the request it came with, and the uid of the booking Cal.com made, so a retry answers that booking.';
comment on column public.calcom_booking_requests.seat_uid is
  'For a seated event type: the attendee''s seat the request took, answered again on a retry.';
comment on column public.calcom_booking_requests.request_hash is
  'SHA-256 (hex) of the resolved connection id and the request body: the same key with another body is a 409.';

-- Covers the ownership foreign key for cascading deletes.
create index calcom_booking_requests_user_id_connection_id_idx
  on public.calcom_booking_requests (user_id, calcom_connection_id);

alter table public.calcom_booking_requests enable row level security;

-- Owners may see which of their requests made which booking; only the functions write.
create policy "owners select their booking requests"
on public.calcom_booking_requests for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_booking_requests from anon, authenticated, service_role;

-- Clients read their own rows; the functions write through service_role.
grant select on public.calcom_booking_requests to authenticated;
grant select, insert, update, delete on public.calcom_booking_requests to service_role;
