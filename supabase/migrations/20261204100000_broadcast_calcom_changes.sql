-- Purpose: live updates for a user's settings page. Every change of their bookings or connections is
-- broadcast with Supabase Realtime's Broadcast from the database (realtime.broadcast_changes) on the
-- private topic calcom:user:<user id>, the event named after the table, and only that user may receive it
-- (policies on realtime.messages). Unlike Postgres Changes, this authorises deletes too, and costs one
-- insert per change instead of one RLS check per change and subscriber.

-- Statement-level triggers with transition tables: a page upsert of 250 bookings runs the function once
-- and sends its messages in one set-based statement. realtime.broadcast_changes refuses only level
-- 'STATEMENT', which names a message about a whole statement; each message here is about one row.
-- The message's records are the table's rows, less what a client must not or need not get: the two
-- ciphertexts of a connection (never selectable by clients) and a booking's raw source object (large,
-- and readable from the table by its owner). Security definer: the message insert is the functions'
-- business, not the writer's (an owner renaming their connection holds no insert right on
-- realtime.messages, and realtime.send would drop the message with a warning).
create function public.calcom_broadcast_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- fields sent as null, per table
  v_hidden jsonb := case tg_table_name
    when 'calcom_connections' then '{"api_key_encrypted": null, "webhook_secret_encrypted": null}'::jsonb
    when 'calcom_bookings' then '{"raw": null}'::jsonb
    else '{}'::jsonb
  end;
begin
  if tg_op = 'INSERT' then
    perform realtime.broadcast_changes(
      'calcom:user:' || n.user_id::text, tg_table_name, tg_op, tg_table_name, tg_table_schema,
      jsonb_populate_record(n, v_hidden), null::record
    )
    from calcom_new_rows n;
  elsif tg_op = 'UPDATE' then
    perform realtime.broadcast_changes(
      'calcom:user:' || n.user_id::text, tg_table_name, tg_op, tg_table_name, tg_table_schema,
      jsonb_populate_record(n, v_hidden), jsonb_populate_record(o, v_hidden)
    )
    from calcom_new_rows n
    join calcom_old_rows o on o.id = n.id;
  elsif tg_op = 'DELETE' and tg_table_name = 'calcom_bookings' then
    -- A connection's deletion is its one message: the bookings that go with it by cascade (thousands,
    -- maybe) are not sent one by one. The cascade runs after the connection row is gone.
    perform realtime.broadcast_changes(
      'calcom:user:' || o.user_id::text, tg_table_name, tg_op, tg_table_name, tg_table_schema,
      null::record, jsonb_populate_record(o, v_hidden)
    )
    from calcom_old_rows o
    where exists (select 1 from public.calcom_connections c where c.id = o.calcom_connection_id);
  elsif tg_op = 'DELETE' then
    perform realtime.broadcast_changes(
      'calcom:user:' || o.user_id::text, tg_table_name, tg_op, tg_table_name, tg_table_schema,
      null::record, jsonb_populate_record(o, v_hidden)
    )
    from calcom_old_rows o;
  end if;
  return null;
end;
$$;

comment on function public.calcom_broadcast_changes() is
  'Broadcasts the changed rows of calcom_bookings or calcom_connections on realtime topic '
  'calcom:user:<user_id>, event = table name, one message per row in realtime.broadcast_changes'' shape '
  '(ciphertexts and a booking''s raw object sent as null). Statement-level trigger function.';

-- A trigger function is never called directly; nobody needs to execute it.
revoke execute on function public.calcom_broadcast_changes() from public, anon, authenticated, service_role;

-- Transition tables allow one event per trigger: three per table.
create trigger calcom_bookings_broadcast_insert
after insert on public.calcom_bookings
referencing new table as calcom_new_rows
for each statement execute function public.calcom_broadcast_changes();

create trigger calcom_bookings_broadcast_update
after update on public.calcom_bookings
referencing old table as calcom_old_rows new table as calcom_new_rows
for each statement execute function public.calcom_broadcast_changes();

create trigger calcom_bookings_broadcast_delete
after delete on public.calcom_bookings
referencing old table as calcom_old_rows
for each statement execute function public.calcom_broadcast_changes();

create trigger calcom_connections_broadcast_insert
after insert on public.calcom_connections
referencing new table as calcom_new_rows
for each statement execute function public.calcom_broadcast_changes();

create trigger calcom_connections_broadcast_update
after update on public.calcom_connections
referencing old table as calcom_old_rows new table as calcom_new_rows
for each statement execute function public.calcom_broadcast_changes();

create trigger calcom_connections_broadcast_delete
after delete on public.calcom_connections
referencing old table as calcom_old_rows
for each statement execute function public.calcom_broadcast_changes();

-- Signed-in users receive the broadcasts of their own topic. Realtime checks a subscriber by inserting a
-- message on the topic asked for and selecting it as the subscriber, so the policy reads the row's topic.
create policy "users receive their own calcom broadcasts"
on realtime.messages for select
to authenticated
using (extension = 'broadcast' and topic = 'calcom:user:' || (select auth.uid())::text);

-- Permissive policies add up: one an app has for its own topics (the docs' `using (true)`) would open
-- these too. These fence every calcom:user: topic to its user, whatever else allows.
create policy "calcom user topics are their user's only"
on realtime.messages as restrictive for select
to authenticated
using (not starts_with(topic, 'calcom:user:') or topic = 'calcom:user:' || (select auth.uid())::text);

-- Anon has no user, hence no calcom:user: topic.
create policy "calcom user topics are closed to anon"
on realtime.messages as restrictive for select
to anon
using (not starts_with(topic, 'calcom:user:'));
