-- Purpose: a quota on what correctly signed webhook deliveries may store per connection. A user may choose
-- their own webhook secret, so they can sign any body of up to 1 MB and post it to their own webhook URL;
-- without a bound every distinct body became an event row and a booking row (issue #14: 60 deliveries of
-- 0.48 MB grew the database by 90 MB in 7 s). Cal.com does not retry a delivery that got a non-2xx answer,
-- so a delivery beyond the quota is still answered 2xx, and only a compact record of it (trigger, booking
-- uid, time) is kept: the next sync reads that booking from Cal.com again. See docs/webhooks.md, "Webhook
-- quota".

-- Usage counters, one row per connection: fixed windows (the minute, the UTC day) of the delivery's
-- received_at, reset by the first delivery of a later window.
create table public.calcom_webhook_quotas (
  calcom_connection_id uuid primary key,
  user_id uuid not null,
  minute_started_at timestamptz not null,
  minute_deliveries integer not null check (minute_deliveries >= 0),
  day_started_at timestamptz not null,
  day_bytes bigint not null check (day_bytes >= 0),
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_webhook_quotas is
  'Per connection: verified webhook deliveries stored in full this minute, and their body bytes this UTC '
  'day, counted against the quota by public.calcom_log_webhook_event.';

-- Covers the ownership foreign key for cascading deletes.
create index calcom_webhook_quotas_user_id_connection_id_idx
  on public.calcom_webhook_quotas (user_id, calcom_connection_id);

-- The compact record of deliveries beyond the quota: one row per booking uid (the latest trigger and time
-- win), at most p_max_deferred per connection; beyond that, one row without a uid says that more were
-- deferred than kept, and the connection needs a full sync.
create table public.calcom_webhook_deferrals (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  calcom_connection_id uuid not null,
  booking_uid text check (length(booking_uid) between 1 and 200),
  trigger_event text check (length(trigger_event) <= 200),
  received_at timestamptz not null,
  created_at timestamptz not null default now(),
  unique nulls not distinct (calcom_connection_id, booking_uid),
  foreign key (user_id, calcom_connection_id)
    references public.calcom_connections (user_id, id) on delete cascade
);

comment on table public.calcom_webhook_deferrals is
  'Verified webhook deliveries beyond the connection''s quota: the booking to read again from Cal.com at the '
  'next sync (booking_uid null: more than the bound, sync everything). Cleared by the sync.';

-- Covers the ownership foreign key for cascading deletes.
create index calcom_webhook_deferrals_user_id_connection_id_idx
  on public.calcom_webhook_deferrals (user_id, calcom_connection_id);

alter table public.calcom_webhook_quotas enable row level security;
alter table public.calcom_webhook_deferrals enable row level security;

-- Owners see their connections' deferred deliveries (a settings page may show them); only the functions
-- write them. The counters stay the functions' own: no policy, no grant.
create policy "owners select their webhook deferrals"
on public.calcom_webhook_deferrals for select
to authenticated
using ((select auth.uid()) = user_id);

-- Start from nothing: Supabase may grant the API roles everything on new public tables by default.
revoke all on public.calcom_webhook_quotas from anon, authenticated, service_role;
revoke all on public.calcom_webhook_deferrals from anon, authenticated, service_role;

-- Clients read their deferrals; the functions write both tables through service_role.
grant select on public.calcom_webhook_deferrals to authenticated;
grant select, insert, update, delete on public.calcom_webhook_quotas to service_role;
grant select, insert, update, delete on public.calcom_webhook_deferrals to service_role;

-- As calcom_log_webhook_event of migration 20261203082000, plus the quota: p_max_per_minute deliveries
-- stored in full per connection and minute, p_max_bytes_per_day bytes of their bodies (payload or raw
-- text) per connection and UTC day, and p_max_deferred compact records per connection. A duplicate costs
-- nothing. A delivery beyond the quota writes no event and applies nothing: it upserts its compact record
-- when the body names a booking (a body that names none has nothing to read again) and answers deferred.
-- The counter row's lock (taken by on conflict do update even when its where refuses) serialises a
-- connection's deliveries from the count to the commit, so concurrent deliveries cannot pass the bound.
create function public.calcom_log_webhook_event(
  p_user_id uuid,
  p_connection_id uuid,
  p_dedupe_key text,
  p_trigger text,
  p_booking_uid text,
  p_payload text,
  p_raw_body text,
  p_processed boolean,
  p_error_message text,
  p_received_at timestamptz,
  p_processed_at timestamptz,
  p_bookings jsonb,
  p_verified_with text,
  p_connection_active boolean,
  p_max_per_minute int,
  p_max_bytes_per_day bigint,
  p_max_deferred int
)
returns table (
  event_id uuid, duplicate boolean, processed boolean, trigger_event text, connection_changed boolean,
  deferred boolean
)
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_owned int;
  v_secret text;
  v_active boolean;
  v_bytes bigint := coalesce(octet_length(p_payload), 0) + coalesce(octet_length(p_raw_body), 0);
  v_minute timestamptz := date_trunc('minute', p_received_at, 'UTC');
  v_day timestamptz := date_trunc('day', p_received_at, 'UTC');
begin
  select c.webhook_secret_encrypted, c.is_active into v_secret, v_active from public.calcom_connections c
  where c.id = p_connection_id and c.user_id = p_user_id;
  if found and (v_secret is distinct from p_verified_with or v_active is distinct from p_connection_active)
  then
    return query select null::uuid, false, false, null::text, true, false;
    return;
  end if;

  -- a duplicate of a committed event costs no quota
  return query
    select e.id, true, e.processed, e.trigger_event, false, false from public.calcom_webhook_events e
    where e.calcom_connection_id = p_connection_id and e.dedupe_key = p_dedupe_key;
  if found then
    return;
  end if;

  insert into public.calcom_webhook_quotas as q
    (calcom_connection_id, user_id, minute_started_at, minute_deliveries, day_started_at, day_bytes)
  select p_connection_id, p_user_id, v_minute, 1, v_day, v_bytes
  where p_max_per_minute >= 1 and v_bytes <= p_max_bytes_per_day
  on conflict (calcom_connection_id) do update set
    minute_started_at = greatest(q.minute_started_at, excluded.minute_started_at),
    minute_deliveries = case when excluded.minute_started_at > q.minute_started_at then 1
      else q.minute_deliveries + 1 end,
    day_started_at = greatest(q.day_started_at, excluded.day_started_at),
    day_bytes = case when excluded.day_started_at > q.day_started_at then excluded.day_bytes
      else q.day_bytes + excluded.day_bytes end
  where (excluded.minute_started_at > q.minute_started_at or q.minute_deliveries < p_max_per_minute)
    and (excluded.day_started_at > q.day_started_at
      or q.day_bytes + excluded.day_bytes <= p_max_bytes_per_day);

  if not found then
    if p_booking_uid is not null then
      update public.calcom_webhook_deferrals d
      set trigger_event = left(p_trigger, 200), received_at = greatest(d.received_at, p_received_at)
      where d.calcom_connection_id = p_connection_id and d.booking_uid = left(p_booking_uid, 200);
      if not found then
        insert into public.calcom_webhook_deferrals
          (user_id, calcom_connection_id, booking_uid, trigger_event, received_at)
        select p_user_id, p_connection_id,
          case when (select count(*) from public.calcom_webhook_deferrals d
                     where d.calcom_connection_id = p_connection_id) < p_max_deferred
            then left(p_booking_uid, 200) end,
          left(p_trigger, 200), p_received_at
        on conflict (calcom_connection_id, booking_uid) do update
          set trigger_event = excluded.trigger_event,
            received_at = greatest(public.calcom_webhook_deferrals.received_at, excluded.received_at);
      end if;
    end if;
    return query select null::uuid, false, false, p_trigger, false, true;
    return;
  end if;

  insert into public.calcom_webhook_events
    (user_id, calcom_connection_id, trigger_event, booking_uid, payload, raw_body, verified, processed,
     processed_at, error_message, dedupe_key, received_at)
  values (p_user_id, p_connection_id, p_trigger, p_booking_uid, p_payload::jsonb, p_raw_body, true,
    p_processed, case when p_processed then p_processed_at end, p_error_message, p_dedupe_key,
    p_received_at)
  on conflict (calcom_connection_id, dedupe_key) do nothing
  returning id into v_id;

  if v_id is null then
    -- an identical delivery committed while this one waited: give back what it was counted
    update public.calcom_webhook_quotas q
    set minute_deliveries = q.minute_deliveries - case when q.minute_started_at = v_minute then 1 else 0 end,
      day_bytes = q.day_bytes - case when q.day_started_at = v_day then v_bytes else 0 end
    where q.calcom_connection_id = p_connection_id;
    -- a new statement, a new snapshot: it sees the first delivery, committed before the conflict was seen
    return query
      select e.id, true, e.processed, e.trigger_event, false, false from public.calcom_webhook_events e
      where e.calcom_connection_id = p_connection_id and e.dedupe_key = p_dedupe_key;
    return;
  end if;

  if p_bookings is not null then
    select u.owned into v_owned from public.calcom_upsert_bookings(p_user_id, p_connection_id, p_bookings) u;
    -- unreachable while the event's ownership foreign key holds; never mark an unapplied event processed
    if v_owned = 0 then
      raise exception 'Cannot write bookings: the connection does not belong to the user'
        using errcode = '42501';
    end if;
  end if;

  return query select v_id, false, p_processed, p_trigger, false, false;
end;
$$;

comment on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean,
  int, bigint, int
) is
  'Logs a verified Cal.com delivery with its outcome and applies its booking upserts within the '
  'connection''s webhook quota (beyond it, keeps only a compact record to read again), or returns the '
  'event logged first for the same body; writes nothing when the connection''s secret or active flag '
  'changed since the delivery was checked. For the Edge Functions only, as service_role.';

-- Superseded by the version above.
drop function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean
);

-- Functions are executable by public by default: only the Edge Functions (service_role) write the log.
revoke execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean,
  int, bigint, int
) from public, anon, authenticated;
grant execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean,
  int, bigint, int
) to service_role;
