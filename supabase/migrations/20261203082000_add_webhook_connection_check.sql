-- Purpose: a paused connection or a replaced webhook secret takes effect at the very next delivery. The
-- webhook function keeps a connection's secret in memory for a minute (connection_cache.ts); the statement
-- that logs every verified delivery now first checks that the connection still holds the secret ciphertext
-- and the active flag the delivery was checked and decided with, at no extra round trip.

-- As calcom_log_webhook_event of migration 20261124000900, plus p_verified_with (the secret ciphertext the
-- delivery verified against) and p_connection_active (the is_active its outcome was decided with). When
-- the connection holds other values now, nothing is written and connection_changed is true: the function
-- reads the connection again, verifies the delivery again, and calls again. A connection that is gone is
-- left to the event's ownership foreign key (23503), as before.
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
  p_connection_active boolean
)
returns table (
  event_id uuid, duplicate boolean, processed boolean, trigger_event text, connection_changed boolean
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
begin
  select c.webhook_secret_encrypted, c.is_active into v_secret, v_active from public.calcom_connections c
  where c.id = p_connection_id and c.user_id = p_user_id;
  if found and (v_secret is distinct from p_verified_with or v_active is distinct from p_connection_active)
  then
    return query select null::uuid, false, false, null::text, true;
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
    -- a new statement, a new snapshot: it sees the first delivery, committed before the conflict was seen
    return query
      select e.id, true, e.processed, e.trigger_event, false from public.calcom_webhook_events e
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

  return query select v_id, false, p_processed, p_trigger, false;
end;
$$;

comment on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean
) is
  'Logs a verified Cal.com delivery with its outcome and applies its booking upserts, or returns the event '
  'logged first for the same body; writes nothing when the connection''s secret or active flag changed '
  'since the delivery was checked. For the Edge Functions only, as service_role.';

-- Superseded by the version above.
drop function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb
);

-- Functions are executable by public by default: only the Edge Functions (service_role) write the log.
revoke execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean
) from public, anon, authenticated;
grant execute on function public.calcom_log_webhook_event(
  uuid, uuid, text, text, text, text, text, boolean, text, timestamptz, timestamptz, jsonb, text, boolean
) to service_role;
