-- Purpose: the webhook Cal.com sends for a change made through the booking action routes (its "echo")
-- changes nothing further. An action stores Cal.com's answer with a source_hash marked 'action:'; a later
-- write that describes the same state (status, times, title, reasons, attendees) within ten minutes of
-- it, or the cancellation of a seat the action already removed, does not replace that state, though it
-- still fills in links as any write does. A write of another
-- state replaces it as before, and the mark goes with it. Signature, result and grants are those of
-- 20261203100000.

-- The batch upsert of 20261203100000, with the echo of an action's answer absorbed.
-- Whether `incoming` repeats the state an action stored in `stored` (see the purpose above): the
-- stored row is an action's answer, the incoming one is at most ten minutes newer, and either both say
-- the same status, times, title, reasons (a source that gives none agrees) and attendee e-mails, or it
-- is the BOOKING_CANCELLED of a seat the action cancelled: Cal.com names the booking, status CANCELLED,
-- and only the attendee who left (contract §9.4), none of whom the stored booking still has.
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
    and incoming.source_updated_at <= stored.source_updated_at + interval '10 minutes'
    and (incoming.start_time, incoming.end_time, incoming.title)
      is not distinct from (stored.start_time, stored.end_time, stored.title)
    and (
      ((incoming.status,
        coalesce(incoming.cancellation_reason, stored.cancellation_reason),
        coalesce(incoming.rejection_reason, stored.rejection_reason))
        is not distinct from (stored.status, stored.cancellation_reason, stored.rejection_reason)
       and (select coalesce(array_agg(lower(a ->> 'email') order by lower(a ->> 'email')), '{}')
            from jsonb_array_elements(incoming.attendees) as a)
         = (select coalesce(array_agg(lower(a ->> 'email') order by lower(a ->> 'email')), '{}')
            from jsonb_array_elements(stored.attendees) as a))
      or (incoming.status = 'CANCELLED' and stored.status <> 'CANCELLED'
       and jsonb_array_length(incoming.attendees) > 0
       and not exists (
         select 1
         from jsonb_array_elements(incoming.attendees) as i(a)
         join jsonb_array_elements(stored.attendees) as s(a)
           on lower(i.a ->> 'email') = lower(s.a ->> 'email'))))
$$;

-- Only the upsert (run by the functions as service_role) needs it.
revoke execute on function public.calcom_is_action_echo(public.calcom_bookings, public.calcom_bookings)
  from public, anon, authenticated;
grant execute on function public.calcom_is_action_echo(public.calcom_bookings, public.calcom_bookings)
  to service_role;

create or replace function public.calcom_upsert_bookings(p_user_id uuid, p_connection_id uuid, p_rows jsonb)
returns table (owned int, created int, updated int)
language plpgsql
security invoker
set search_path = ''
as $$
begin
  return query
  with input as (
    -- Read as the table's own row type: a column added to the table is read without retyping it here,
    -- and a key the batch leaves out is null, as before.
    select * from jsonb_populate_recordset(null::public.calcom_bookings, p_rows)
  ),
  owner as (
    select c.id, c.user_id from public.calcom_connections c
    where c.id = p_connection_id and c.user_id = p_user_id
  ),
  -- The hashes the rows hold before the write (one statement, one snapshot): tells a changed row from a
  -- skipped one in the counts.
  existing as (
    select b.booking_uid, b.source_hash
    from public.calcom_bookings b
    where b.calcom_connection_id = p_connection_id and b.booking_uid in (select i.booking_uid from input i)
  ),
  upserted as (
    insert into public.calcom_bookings as t (
      user_id, calcom_connection_id, booking_id, booking_uid, event_type_id, event_type_slug,
      event_type_title, title, description, start_time, end_time, status, organizer_id, organizer_name,
      organizer_email, organizer_username, organizer_timezone, attendees, location, meeting_url,
      custom_inputs, metadata, rescheduled_from_uid, rescheduled_to_uid, cancellation_reason,
      rejection_reason, ical_uid, recurring_booking_uid, absent_host, calcom_created_at,
      source_updated_at, raw, source_hash, truncated_fields
    )
    select owner.user_id, owner.id, input.booking_id, input.booking_uid, input.event_type_id,
      input.event_type_slug, input.event_type_title, input.title, input.description, input.start_time,
      input.end_time, input.status, input.organizer_id, input.organizer_name, input.organizer_email,
      input.organizer_username, input.organizer_timezone, input.attendees, input.location,
      input.meeting_url, input.custom_inputs,
      -- not null with a default: "not given" stores the default
      coalesce(input.metadata, '{}'::jsonb),
      input.rescheduled_from_uid, input.rescheduled_to_uid, input.cancellation_reason, input.rejection_reason,
      input.ical_uid, input.recurring_booking_uid, coalesce(input.absent_host, false),
      input.calcom_created_at, input.source_updated_at, input.raw, input.source_hash,
      input.truncated_fields
    from input cross join owner
    -- Rows are taken (inserted or locked on conflict) in this order; every writer of bookings takes them
    -- in the same one (byte order of the uid, as JavaScript compares strings), so two writers never wait
    -- for each other's rows in a cycle: a sync's page and a reschedule's two bookings deadlocked (40P01).
    order by input.booking_uid collate "C"
    -- Every column in one multi-column assignment, so the order guard (d.newer) is evaluated once per row.
    on conflict (calcom_connection_id, booking_uid) do update set (
      booking_id, event_type_id, event_type_slug, event_type_title, title, description, start_time, end_time,
      status, organizer_id, organizer_name, organizer_email, organizer_username, organizer_timezone,
      attendees, location, meeting_url, custom_inputs, metadata, rescheduled_from_uid, rescheduled_to_uid,
      cancellation_reason, rejection_reason, ical_uid, recurring_booking_uid, absent_host, calcom_created_at,
      source_updated_at, raw, source_hash, truncated_fields
    ) = (
      select
        -- state: replaced by a newer state as given
        case when d.newer then excluded.booking_id else t.booking_id end,
        -- columns a source may not know (null): a newer state replaces them only with a value
        case when d.newer then coalesce(excluded.event_type_id, t.event_type_id) else t.event_type_id end,
        case when d.newer then coalesce(excluded.event_type_slug, t.event_type_slug)
          else t.event_type_slug end,
        case when d.newer then coalesce(excluded.event_type_title, t.event_type_title)
          else t.event_type_title end,
        case when d.newer then excluded.title else t.title end,
        case when d.newer then excluded.description else t.description end,
        case when d.newer then excluded.start_time else t.start_time end,
        case when d.newer then excluded.end_time else t.end_time end,
        case when d.newer then excluded.status else t.status end,
        case when d.newer then coalesce(excluded.organizer_id, t.organizer_id) else t.organizer_id end,
        case when d.newer then coalesce(excluded.organizer_name, t.organizer_name) else t.organizer_name end,
        case when d.newer then coalesce(excluded.organizer_email, t.organizer_email)
          else t.organizer_email end,
        case when d.newer then coalesce(excluded.organizer_username, t.organizer_username)
          else t.organizer_username end,
        case when d.newer then coalesce(excluded.organizer_timezone, t.organizer_timezone)
          else t.organizer_timezone end,
        -- new attendees, each without an `absent` key taking the flag the row holds for the same email
        case when d.newer then (
          select coalesce(jsonb_agg(case
              when n.a ? 'absent' then n.a
              else n.a || coalesce((
                select jsonb_build_object('absent', o.a -> 'absent')
                from jsonb_array_elements(t.attendees) as o(a)
                where o.a ? 'absent' and lower(o.a ->> 'email') = lower(n.a ->> 'email')
                limit 1), '{}'::jsonb)
            end order by n.i), '[]'::jsonb)
          from jsonb_array_elements(excluded.attendees) with ordinality as n(a, i))
        else t.attendees end,
        case when d.newer then excluded.location else t.location end,
        -- cancellation payloads carry no video link: the booking still has one
        case when d.newer then coalesce(excluded.meeting_url, t.meeting_url) else t.meeting_url end,
        case when d.newer then coalesce(excluded.custom_inputs, t.custom_inputs) else t.custom_inputs end,
        -- defaulted columns: what the batch gave, read from the input (excluded holds the default)
        case when d.newer
          then coalesce((select i.metadata from input i where i.booking_uid = excluded.booking_uid),
            t.metadata)
          else t.metadata end,
        -- links that never change once known: any write fills them in, only a newer one corrects them
        case when d.newer then coalesce(excluded.rescheduled_from_uid, t.rescheduled_from_uid)
          else coalesce(t.rescheduled_from_uid, excluded.rescheduled_from_uid) end,
        case when d.newer then coalesce(excluded.rescheduled_to_uid, t.rescheduled_to_uid)
          else coalesce(t.rescheduled_to_uid, excluded.rescheduled_to_uid) end,
        case when d.newer then coalesce(excluded.cancellation_reason, t.cancellation_reason)
          else t.cancellation_reason end,
        case when d.newer then coalesce(excluded.rejection_reason, t.rejection_reason)
          else t.rejection_reason end,
        case when d.newer then coalesce(excluded.ical_uid, t.ical_uid)
          else coalesce(t.ical_uid, excluded.ical_uid) end,
        case when d.newer then coalesce(excluded.recurring_booking_uid, t.recurring_booking_uid)
          else t.recurring_booking_uid end,
        case when d.newer
          then coalesce((select i.absent_host from input i where i.booking_uid = excluded.booking_uid),
            t.absent_host)
          else t.absent_host end,
        case when d.newer then coalesce(excluded.calcom_created_at, t.calcom_created_at)
          else coalesce(t.calcom_created_at, excluded.calcom_created_at) end,
        case when d.newer then excluded.source_updated_at else t.source_updated_at end,
        case when d.newer then excluded.raw else t.raw end,
        case when d.newer then excluded.source_hash else t.source_hash end,
        -- the fields the new state had cut, and those of a cut value kept because the new state gave none
        case when d.newer then nullif(array(
          select f from unnest(excluded.truncated_fields) as n(f)
          union
          select f from unnest(t.truncated_fields) as o(f)
          where f = any (array['event_type_slug', 'event_type_title', 'organizer_name', 'organizer_email',
              'organizer_username', 'organizer_timezone', 'meeting_url', 'custom_inputs', 'metadata',
              'rescheduled_from_uid', 'rescheduled_to_uid', 'cancellation_reason', 'rejection_reason',
              'ical_uid', 'recurring_booking_uid'])
            and (select to_jsonb(i) -> f from input i where i.booking_uid = excluded.booking_uid) = 'null'::jsonb
        ), '{}') else t.truncated_fields end
      -- the order guard: a newer source time, or the same time with other content; but not the echo of
      -- an action's answer (the same state, spelt by another source, soon after)
      from (select ((excluded.source_updated_at > t.source_updated_at
        or (excluded.source_updated_at = t.source_updated_at
          and excluded.source_hash is distinct from t.source_hash))
        and not public.calcom_is_action_echo(t, excluded)) as newer) as d
    )
    where ((excluded.source_updated_at > t.source_updated_at
        or (excluded.source_updated_at = t.source_updated_at
          and excluded.source_hash is distinct from t.source_hash))
        and not public.calcom_is_action_echo(t, excluded))
      or (t.rescheduled_from_uid is null and excluded.rescheduled_from_uid is not null)
      or (t.rescheduled_to_uid is null and excluded.rescheduled_to_uid is not null)
      or (t.ical_uid is null and excluded.ical_uid is not null)
      or (t.calcom_created_at is null and excluded.calcom_created_at is not null)
    returning t.booking_uid, (t.xmax = 0) as inserted, t.source_hash
  )
  select
    (select count(*) from owner)::int,
    (select count(*) from upserted u where u.inserted)::int,
    (select count(*) from upserted u left join existing e on e.booking_uid = u.booking_uid
     where not u.inserted and u.source_hash is distinct from e.source_hash)::int;
end;
$$;

-- Replacing keeps the grants; restated so this file alone says who may run it.
revoke execute on function public.calcom_upsert_bookings(uuid, uuid, jsonb) from public, anon, authenticated;
grant execute on function public.calcom_upsert_bookings(uuid, uuid, jsonb) to service_role;
