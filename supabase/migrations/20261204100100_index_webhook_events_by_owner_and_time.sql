-- Purpose: count a connection's webhook deliveries of the last 24 hours (the connection view's
-- webhookHealth) from an index range. Read as the owner, the query carries RLS's user_id condition, which
-- steered the planner to the (user_id, calcom_connection_id) index and a read of every event the
-- connection ever logged. This index serves that condition, the connection and the time range at once,
-- and still covers the (user_id, calcom_connection_id) foreign key, so the narrower index goes.

create index calcom_webhook_events_user_id_connection_id_received_idx
  on public.calcom_webhook_events (user_id, calcom_connection_id, received_at desc);

drop index public.calcom_webhook_events_user_id_connection_id_idx;
