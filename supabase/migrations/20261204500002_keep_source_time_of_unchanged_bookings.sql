-- Purpose: one clock for the order guard (docs/decisions.md, "One clock for the order guard"). A booking
-- read from the API is now stamped with the time of the read on Cal.com's clock, not its updatedAt, so it
-- compares with a webhook's envelope createdAt. Every sync's read is then newer than the last one, and the
-- guard of calcom_upsert_bookings (a newer source time replaces the state) would rewrite every unchanged
-- booking on every sync: a write, a new updated_at and a broadcast per row. This trigger keeps the source
-- time of an unchanged state instead: a proposed row whose content hash equals the stored row's takes the
-- stored source time, so the guard sees the same time and the same content and writes nothing. Postgres
-- shows the effects of BEFORE INSERT triggers in ON CONFLICT's `excluded`, so every writer of bookings
-- (the batch upsert, the webhook log, status changes) gets this without its statement changing.

-- An unchanged state keeps the source time it was first seen with.
create function public.calcom_keep_source_time_of_unchanged_state()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  stored timestamptz;
begin
  if new.source_hash is null then
    return new;
  end if;
  select b.source_updated_at into stored
  from public.calcom_bookings b
  where b.calcom_connection_id = new.calcom_connection_id and b.booking_uid = new.booking_uid
    and b.source_hash = new.source_hash;
  if found and stored < new.source_updated_at then
    new.source_updated_at := stored;
  end if;
  return new;
end;
$$;

comment on function public.calcom_keep_source_time_of_unchanged_state() is
  'Before insert on calcom_bookings: a row with the stored row''s source_hash takes its older '
  'source_updated_at, so the order guard writes nothing for an unchanged state seen again later.';

create trigger calcom_bookings_keep_source_time_of_unchanged_state
before insert on public.calcom_bookings
for each row execute function public.calcom_keep_source_time_of_unchanged_state();

-- Only the trigger runs it.
revoke execute on function public.calcom_keep_source_time_of_unchanged_state()
  from public, anon, authenticated, service_role;
