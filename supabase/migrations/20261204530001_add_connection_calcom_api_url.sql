-- Purpose: connections to a self-hosted Cal.com as well as to the default one. Each connection keeps the
-- API origin it talks to (null: the deployment's CALCOM_API_URL), and a user connects a Cal.com account
-- once per server: the same user id on two servers belongs to two different accounts.

alter table public.calcom_connections
  add column calcom_api_url text check (
    calcom_api_url is null
    or (char_length(calcom_api_url) <= 300 and calcom_api_url ~ '^https?://[^/?#@[:space:]]+$')
  ),
  drop constraint calcom_connections_user_id_calcom_user_id_key,
  -- Null is the default server, so existing rows keep their uniqueness as they were
  add constraint calcom_connections_user_id_calcom_api_url_calcom_user_id_key
    unique nulls not distinct (user_id, calcom_api_url, calcom_user_id);

comment on column public.calcom_connections.calcom_api_url is
  'Origin of the Cal.com API this connection talks to, one the operator allowed in CALCOM_API_ORIGINS; null for the default (CALCOM_API_URL). Re-checked against the configuration before every call.';

-- Owners may see which server a connection is on.
grant select (calcom_api_url) on public.calcom_connections to authenticated;
