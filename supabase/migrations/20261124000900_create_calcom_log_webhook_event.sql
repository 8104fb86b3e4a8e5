-- Purpose: one statement per webhook delivery instead of three or four. Without named prepared statements
-- (Supavisor's transaction mode), the driver sends every statement with parameters in two round trips
-- (describe, then execute), and a connection of the functions' small pool is held for all of them: the
-- round trips, not the work, bounded the webhook function's throughput (docs/benchmarks.md).

-- Logs a verified delivery and, in the same call, applies the booking writes it stands for when they are
-- plain upserts (logWebhookEvent in supabase/functions/_shared/webhook_events_store.ts). The event is
-- inserted already marked with its outcome (p_processed, p_error_message): when the upsert fails, the
-- whole transaction rolls back and the function logs the event again, unprocessed, with the error. A
-- duplicate (same connection and dedupe key) writes nothing and returns the event logged first.
-- p_payload is JSON text (cast here, so a body is sent once, as text); p_bookings is null or the rows of
-- public.calcom_upsert_bookings.
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
  p_bookings jsonb
)
returns table (event_id uuid, duplicate boolean, processed boolean, trigger_event text)
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_owned int;
begin
  insert into public.calcom_webhook_events
    (user_id, calcom_connection_id, trigger_event, booking_uid, payload, raw_body, verified, processed,
     processed_at, error_message, dedupe_key, received_at)
  values (p_user_id, p_connection_id, p_trigger, p_booking_uid, p_payload::jsonb, p_raw_body, true,
    p_processed, case when p_processed then p_processed_at end, p_error_message, p_dedupe_key,
    p_received_at)
  on conflict (calcom_connection_id, dedupe_key) do nothing
  returning id into v_id;

  if v_id is null then
    -- a new statement, a new snapshot: it sees the first delivery, committed before the conflict was seen
    return query
      select e.id, true, e.processed, e.trigger_event from public.calcom_webhook_events e
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

  return query select v_id, false, p_processed, p_trigger;
end;
$$;

comment on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb
) is
  'Logs a verified Cal.com delivery with its outcome and applies its booking upserts, or returns the event '
  'logged first for the same body. For the Edge Functions only, as service_role.';

-- Logs an unverified delivery unless the connection logged p_max_per_hour of them in the hour before
-- p_received_at (logUnverifiedEvent in webhook_events_store.ts): the transaction-level advisory lock
-- serialises the count and the insert per connection, so a flood of forged requests cannot grow the table
-- past the bound. Only the reason is kept, never the body.
-- p_verified_with is the secret ciphertext the delivery was checked against (the function keeps
-- connections in memory for a while): when the connection holds another one now, nothing is logged and
-- the answer says so, so the delivery is checked again with the new secret instead of being refused.
-- Returns 'logged', 'bounded' (not logged: the bound is reached), 'secret_changed' or 'gone' (no such
-- connection).
create function public.calcom_log_unverified_event(
  p_user_id uuid,
  p_connection_id uuid,
  p_reason text,
  p_received_at timestamptz,
  p_max_per_hour int,
  p_verified_with text
)
returns text
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_current text;
begin
  select c.webhook_secret_encrypted into v_current from public.calcom_connections c
  where c.id = p_connection_id and c.user_id = p_user_id;
  if not found then
    return 'gone';
  end if;
  if v_current is distinct from p_verified_with then
    return 'secret_changed';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('calcom-webhook-unverified:' || p_connection_id::text, 0));
  insert into public.calcom_webhook_events
    (user_id, calcom_connection_id, verified, verification_error, processed, received_at)
  select p_user_id, p_connection_id, false, p_reason, false, p_received_at
  where (
    select count(*) from public.calcom_webhook_events e
    where e.calcom_connection_id = p_connection_id
      and not e.verified
      and e.received_at > p_received_at - interval '1 hour'
  ) < p_max_per_hour;
  return case when found then 'logged' else 'bounded' end;
end;
$$;

comment on function public.calcom_log_unverified_event(uuid, uuid, text, timestamptz, int, text) is
  'Logs an unverified Cal.com delivery (reason only), at most p_max_per_hour per connection and rolling '
  'hour, unless the connection''s webhook secret changed since it was read. For the Edge Functions only, '
  'as service_role.';

-- Superseded by calcom_log_webhook_event.
drop function public.calcom_insert_verified_event(uuid, uuid, text, text, text, text, text, text, timestamptz);

-- Functions are executable by public by default: only the Edge Functions (service_role) write the log.
revoke execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb
) from public, anon, authenticated;
grant execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb
) to service_role;
revoke execute on function public.calcom_log_unverified_event(uuid, uuid, text, timestamptz, int, text)
  from public, anon, authenticated;
grant execute on function public.calcom_log_unverified_event(uuid, uuid, text, timestamptz, int, text)
  to service_role;
