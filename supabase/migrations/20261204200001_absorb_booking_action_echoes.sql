-- Purpose: the webhook Cal.com sends for a change made through the booking action routes (its "echo")
-- changes nothing further. An action stores Cal.com's answer with a source_hash marked 'action:'. A later
-- write of another source that describes the same state (status, times, title, reasons, attendees)
-- within ten minutes would otherwise replace that state with its own spelling of it (form answers,
-- location); a trigger keeps the row as it is and lets only the links a write may always fill in through. A write of another state replaces it as
-- before, and the mark goes with it. A trigger rather than a change to calcom_upsert_bookings, so every
-- writer (the batch upsert, the status change of a reschedule's old booking) is covered, whatever
-- version of the upsert function is installed.

-- Whether `incoming` repeats the state an action stored in `stored` (see the purpose above): the
-- stored row is an action's answer (and the incoming one is not), the incoming one is at most ten
-- minutes newer, and both say the same status, times, title, reasons (a source that gives none agrees)
-- and attendee e-mails. (A seat's webhooks are seat changes, not states: calcom-webhook applies them.)
create or replace function public.calcom_is_action_echo(
  stored public.calcom_bookings,
  incoming public.calcom_bookings
)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(stored.source_hash like 'action:%', false)
    and not coalesce(incoming.source_hash like 'action:%', false)
    and incoming.source_updated_at <= stored.source_updated_at + interval '10 minutes'
    and (incoming.start_time, incoming.end_time, incoming.title)
      is not distinct from (stored.start_time, stored.end_time, stored.title)
    and (incoming.status,
         coalesce(incoming.cancellation_reason, stored.cancellation_reason),
         coalesce(incoming.rejection_reason, stored.rejection_reason))
      is not distinct from (stored.status, stored.cancellation_reason, stored.rejection_reason)
    and (select coalesce(array_agg(lower(a ->> 'email') order by lower(a ->> 'email')), '{}')
         from jsonb_array_elements(incoming.attendees) as a)
      = (select coalesce(array_agg(lower(a ->> 'email') order by lower(a ->> 'email')), '{}')
         from jsonb_array_elements(stored.attendees) as a)
$$;

-- Only the trigger below (writes run by the functions as service_role) needs it.
revoke execute on function public.calcom_is_action_echo(public.calcom_bookings, public.calcom_bookings)
  from public, anon, authenticated;
grant execute on function public.calcom_is_action_echo(public.calcom_bookings, public.calcom_bookings)
  to service_role;

-- Absorbs an echo (see the purpose above). Fact merges (meeting times, recordings, no-show flags) leave
-- source_updated_at and source_hash alone and pass untouched.
create or replace function public.calcom_absorb_action_echo()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  kept public.calcom_bookings;
begin
  if (new.source_updated_at, new.source_hash) is not distinct from (old.source_updated_at, old.source_hash)
    or not public.calcom_is_action_echo(old, new) then
    return new;
  end if;
  -- links that never change once known: any write fills them in (booking_store.ts)
  kept := old;
  kept.rescheduled_from_uid := coalesce(old.rescheduled_from_uid, new.rescheduled_from_uid);
  kept.rescheduled_to_uid := coalesce(old.rescheduled_to_uid, new.rescheduled_to_uid);
  kept.ical_uid := coalesce(old.ical_uid, new.ical_uid);
  kept.calcom_created_at := coalesce(old.calcom_created_at, new.calcom_created_at);
  if kept is not distinct from old then
    return null; -- nothing to write: the row, its updated_at included, stays as it is
  end if;
  return kept;
end;
$$;

revoke execute on function public.calcom_absorb_action_echo() from public, anon, authenticated;

-- Named to run before calcom_bookings_touch_updated_at (triggers fire in name order), so an absorbed
-- echo does not move updated_at.
create trigger calcom_bookings_absorb_action_echo
  before update on public.calcom_bookings
  for each row execute function public.calcom_absorb_action_echo();
