-- Purpose: plan the webhook function's two event-log statements once per database session instead of on
-- every delivery. Sent as text they are planned on each call (no named prepared statements behind
-- Supavisor's transaction mode); PL/pgSQL caches the plans of its statements per session, whatever the
-- pooler.

-- Logs a verified delivery, unprocessed, unless the connection already has one with the same dedupe key
-- (insertVerifiedEvent in supabase/functions/_shared/webhook_events_store.ts). Returns the new event's id,
-- or null for a duplicate. p_payload is JSON text (cast here, so a body is sent once, as text).
create function public.calcom_insert_verified_event(
  p_user_id uuid,
  p_connection_id uuid,
  p_dedupe_key text,
  p_trigger text,
  p_booking_uid text,
  p_payload text,
  p_raw_body text,
  p_error_message text,
  p_received_at timestamptz
)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into public.calcom_webhook_events
    (user_id, calcom_connection_id, trigger_event, booking_uid, payload, raw_body, verified, processed,
     error_message, dedupe_key, received_at)
  values (p_user_id, p_connection_id, p_trigger, p_booking_uid, p_payload::jsonb, p_raw_body, true, false,
    p_error_message, p_dedupe_key, p_received_at)
  on conflict (calcom_connection_id, dedupe_key) do nothing
  returning id into v_id;
  return v_id;
end;
$$;

comment on function public.calcom_insert_verified_event(
  uuid, uuid, text, text, text, text, text, text, timestamptz
) is
  'Logs a verified Cal.com delivery unless its body was logged already (then returns null). For the Edge '
  'Functions only, as service_role.';

-- Records the outcome of processing an event (recordEventOutcome in webhook_events_store.ts): processed_at
-- is set when it was processed, a replay also counts an attempt, a null booking uid keeps the stored one.
create function public.calcom_record_event_outcome(
  p_event_id uuid,
  p_processed boolean,
  p_error_message text,
  p_at timestamptz,
  p_booking_uid text,
  p_is_retry boolean
)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update public.calcom_webhook_events set
    processed = p_processed,
    error_message = p_error_message,
    processed_at = case when p_processed then p_at end,
    booking_uid = coalesce(p_booking_uid, booking_uid),
    attempts = attempts + case when p_is_retry then 1 else 0 end
  where id = p_event_id;
end;
$$;

comment on function public.calcom_record_event_outcome(uuid, boolean, text, timestamptz, text, boolean) is
  'Records whether a logged Cal.com webhook event was processed, and why not. For the Edge Functions only, '
  'as service_role.';

-- Functions are executable by public by default: only the Edge Functions (service_role) write the log.
revoke execute on function public.calcom_insert_verified_event(
  uuid, uuid, text, text, text, text, text, text, timestamptz
) from public, anon, authenticated;
grant execute on function public.calcom_insert_verified_event(
  uuid, uuid, text, text, text, text, text, text, timestamptz
) to service_role;
revoke execute on function public.calcom_record_event_outcome(uuid, boolean, text, timestamptz, text, boolean)
  from public, anon, authenticated;
grant execute on function public.calcom_record_event_outcome(uuid, boolean, text, timestamptz, text, boolean)
  to service_role;
