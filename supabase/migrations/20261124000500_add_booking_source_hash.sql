-- Purpose: let writers recognise a booking state they already hold (so a re-sync with nothing changed
-- writes nothing), and keep the count behind the bound on unverified webhook deliveries cheap.

alter table public.calcom_bookings add column source_hash text;

comment on column public.calcom_bookings.source_hash is
  'SHA-256 (hex) of the mapped source state last written (every column the source gave, raw included, '
  'source_updated_at excluded); null after a partial write. Equal time and equal hash: nothing to write.';

-- Counts a connection's recent unverified deliveries (at most N per hour are logged) without reading
-- its verified traffic.
create index calcom_webhook_events_unverified_idx
  on public.calcom_webhook_events (calcom_connection_id, received_at)
  where not verified;
