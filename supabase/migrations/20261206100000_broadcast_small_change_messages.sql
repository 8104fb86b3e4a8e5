-- Purpose: make the live-update broadcast of migration 20261204100000 cheap enough for every webhook
-- delivery, and silent for the bookkeeping writes of a scheduled sweep. Topic (calcom:user:<user id>),
-- event (the table's name), private delivery and the realtime.messages policies stay as they are. What
-- changes is the message (docs/api.md, "Live updates"):
--
-- * One realtime.send per changed row, with a small summary of the row, instead of
--   realtime.broadcast_changes with the whole row twice. realtime.broadcast_changes turned each row into
--   a record with jsonb_populate_record, then the new and the old record into jsonb (a booking's attendees,
--   form answers and metadata, some kilobytes), and wrapped realtime.send in a second exception block (a
--   second subtransaction per message): about 240 µs of every webhook delivery's database time, spent
--   while the delivery holds its connection's quota row (the connection's other deliveries wait).
--   The settings page does not read the payload at all (any message makes it read again); a client that
--   wants the row reads it from the table, where RLS decides.
-- * The summary names the row (ids, a booking's uid), its state (a booking's status and times, a
--   connection's label, active flag and sync outcome) and, for an update, the names of the columns that
--   changed. The ciphertexts are never in it: api_key_encrypted and webhook_secret_encrypted stay as keys
--   with null values, as clients of the old shape read them, a booking's raw object likewise; the OAuth
--   token ciphertexts, which the old message carried, are no longer sent.
-- * An update of a connection that changes only bookkeeping columns sends nothing: last_synced_at,
--   sync_watermark, last_reconciled_at (moved by every sync and by the scheduled sweep, thousands of
--   connections a minute), the OAuth access token's refresh (its two ciphertexts and expiry) and updated_at
--   (moved by every update). A change of anything else is sent as before.

create or replace function public.calcom_broadcast_changes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- connection columns whose change alone is not news to a client (see the migration's purpose)
  v_bookkeeping constant text[] := array[
    'last_synced_at', 'sync_watermark', 'last_reconciled_at', 'updated_at', 'oauth_access_token_encrypted',
    'oauth_refresh_token_encrypted', 'oauth_access_token_expires_at'
  ];
begin
  if tg_table_name = 'calcom_bookings' then
    if tg_op = 'INSERT' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', jsonb_build_object('id', n.id, 'user_id', n.user_id,
            'calcom_connection_id', n.calcom_connection_id, 'booking_id', n.booking_id,
            'booking_uid', n.booking_uid, 'status', n.status, 'start_time', n.start_time,
            'end_time', n.end_time, 'updated_at', n.updated_at, 'raw', null),
          'old_record', null),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n;
    elsif tg_op = 'UPDATE' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', jsonb_build_object('id', n.id, 'user_id', n.user_id,
            'calcom_connection_id', n.calcom_connection_id, 'booking_id', n.booking_id,
            'booking_uid', n.booking_uid, 'status', n.status, 'start_time', n.start_time,
            'end_time', n.end_time, 'updated_at', n.updated_at, 'raw', null),
          'old_record', jsonb_build_object('id', o.id, 'user_id', o.user_id,
            'calcom_connection_id', o.calcom_connection_id, 'booking_id', o.booking_id,
            'booking_uid', o.booking_uid, 'status', o.status, 'start_time', o.start_time,
            'end_time', o.end_time, 'updated_at', o.updated_at, 'raw', null),
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
          'record', null,
          'old_record', jsonb_build_object('id', o.id, 'user_id', o.user_id,
            'calcom_connection_id', o.calcom_connection_id, 'booking_id', o.booking_id,
            'booking_uid', o.booking_uid, 'status', o.status, 'start_time', o.start_time,
            'end_time', o.end_time, 'updated_at', o.updated_at, 'raw', null)),
        tg_table_name, 'calcom:user:' || o.user_id::text, true
      )
      from calcom_old_rows o
      where exists (select 1 from public.calcom_connections c where c.id = o.calcom_connection_id);
    end if;
  elsif tg_table_name = 'calcom_connections' then
    if tg_op = 'INSERT' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', jsonb_build_object('id', n.id, 'user_id', n.user_id, 'label', n.label,
            'is_active', n.is_active, 'auth_kind', n.auth_kind, 'last_sync_status', n.last_sync_status,
            'updated_at', n.updated_at, 'api_key_encrypted', null, 'webhook_secret_encrypted', null),
          'old_record', null),
        tg_table_name, 'calcom:user:' || n.user_id::text, true
      )
      from calcom_new_rows n;
    elsif tg_op = 'UPDATE' then
      perform realtime.send(
        jsonb_build_object('operation', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
          'record', jsonb_build_object('id', n.id, 'user_id', n.user_id, 'label', n.label,
            'is_active', n.is_active, 'auth_kind', n.auth_kind, 'last_sync_status', n.last_sync_status,
            'updated_at', n.updated_at, 'api_key_encrypted', null, 'webhook_secret_encrypted', null),
          'old_record', jsonb_build_object('id', o.id, 'user_id', o.user_id, 'label', o.label,
            'is_active', o.is_active, 'auth_kind', o.auth_kind, 'last_sync_status', o.last_sync_status,
            'updated_at', o.updated_at, 'api_key_encrypted', null, 'webhook_secret_encrypted', null),
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
          'record', null,
          'old_record', jsonb_build_object('id', o.id, 'user_id', o.user_id, 'label', o.label,
            'is_active', o.is_active, 'auth_kind', o.auth_kind, 'last_sync_status', o.last_sync_status,
            'updated_at', o.updated_at, 'api_key_encrypted', null, 'webhook_secret_encrypted', null)),
        tg_table_name, 'calcom:user:' || o.user_id::text, true
      )
      from calcom_old_rows o;
    end if;
  end if;
  return null;
end;
$$;

comment on function public.calcom_broadcast_changes() is
  'Broadcasts the changed rows of calcom_bookings or calcom_connections on realtime topic '
  'calcom:user:<user_id>, event = table name: one realtime.send per row with a summary of it (ids, state, '
  'the names of the changed columns; never a ciphertext nor a booking''s raw object). A connection update '
  'of bookkeeping columns only (last_synced_at, sync_watermark, last_reconciled_at, the OAuth access '
  'token''s refresh) sends nothing. Statement-level trigger function.';

-- Replacing keeps the grants; restated so this file alone says who may run it: nobody calls it directly.
revoke execute on function public.calcom_broadcast_changes() from public, anon, authenticated, service_role;
