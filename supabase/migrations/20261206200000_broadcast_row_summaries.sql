-- Purpose: the broadcast of migration 20261206100000 wrote each table's row summary four times (the new
-- and the old row, for each operation). The two summaries become functions of their own, and the trigger
-- function uses them; the messages are the same (pgTAP 019).

-- What a client gets of a booking row: ids, state and times; the raw object stays a key with a null value.
create function public.calcom_booking_summary(b public.calcom_bookings)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('id', b.id, 'user_id', b.user_id, 'calcom_connection_id', b.calcom_connection_id,
    'booking_id', b.booking_id, 'booking_uid', b.booking_uid, 'status', b.status, 'start_time', b.start_time,
    'end_time', b.end_time, 'updated_at', b.updated_at, 'raw', null)
$$;

-- What a client gets of a connection row: ids and state; the ciphertexts stay keys with null values.
create function public.calcom_connection_summary(c public.calcom_connections)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('id', c.id, 'user_id', c.user_id, 'label', c.label, 'is_active', c.is_active,
    'auth_kind', c.auth_kind, 'last_sync_status', c.last_sync_status, 'updated_at', c.updated_at,
    'api_key_encrypted', null, 'webhook_secret_encrypted', null)
$$;

comment on function public.calcom_booking_summary(public.calcom_bookings) is
  'A booking row as the live-update broadcast sends it: ids, state and times, raw as null.';
comment on function public.calcom_connection_summary(public.calcom_connections) is
  'A connection row as the live-update broadcast sends it: ids and state, the ciphertexts as null.';

-- Only the trigger function needs them.
revoke execute on function public.calcom_booking_summary(public.calcom_bookings)
  from public, anon, authenticated, service_role;
revoke execute on function public.calcom_connection_summary(public.calcom_connections)
  from public, anon, authenticated, service_role;

create or replace function public.calcom_broadcast_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- connection columns whose change alone is not news to a client (migration 20261206100000)
  v_bookkeeping constant text[] := array[
    'last_synced_at', 'sync_watermark', 'last_reconciled_at', 'updated_at', 'oauth_access_token_encrypted',
    'oauth_refresh_token_encrypted', 'oauth_access_token_expires_at'
  ];
begin
  if tg_table_name = 'calcom_bookings' then
    if tg_op = 'INSERT' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', public.calcom_booking_summary(n), 'old_record', null),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n;
    elsif tg_op = 'UPDATE' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', public.calcom_booking_summary(n), 'old_record', public.calcom_booking_summary(o),
          'changed_columns', to_jsonb(array(
            select e.key from jsonb_each(to_jsonb(n)) e
            where e.value is distinct from to_jsonb(o) -> e.key and e.key <> 'updated_at'
            order by e.key))),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n
      join calcom_old_rows o on o.id = n.id;
    elsif tg_op = 'DELETE' then
      -- A connection's deletion is its one message: the bookings that go with it by cascade (thousands,
      -- maybe) are not sent one by one. The cascade runs after the connection row is gone.
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', null, 'old_record', public.calcom_booking_summary(o)),
        tg_table_name, 'calcom:user:' || o.user_id::text, true
      )
      from calcom_old_rows o
      where exists (select 1 from public.calcom_connections c where c.id = o.calcom_connection_id);
    end if;
  elsif tg_table_name = 'calcom_connections' then
    if tg_op = 'INSERT' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', public.calcom_connection_summary(n), 'old_record', null),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n;
    elsif tg_op = 'UPDATE' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', public.calcom_connection_summary(n), 'old_record', public.calcom_connection_summary(o),
          'changed_columns', to_jsonb(array(
            select e.key from jsonb_each(to_jsonb(n) - v_bookkeeping) e
            where e.value is distinct from to_jsonb(o) -> e.key
            order by e.key))),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n
      join calcom_old_rows o on o.id = n.id
      where to_jsonb(n) - v_bookkeeping is distinct from to_jsonb(o) - v_bookkeeping;
    elsif tg_op = 'DELETE' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', null, 'old_record', public.calcom_connection_summary(o)),
        tg_table_name, 'calcom:user:' || o.user_id::text, true
      )
      from calcom_old_rows o;
    end if;
  end if;
  return null;
end;
$$;

-- Replacing keeps the grants; restated so this file alone says who may run it: nobody calls it directly.
revoke execute on function public.calcom_broadcast_changes() from public, anon, authenticated, service_role;
