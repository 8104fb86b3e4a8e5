-- Purpose: seated bookings change one attendee at a time (a seat booked, cancelled or moved) without
-- moving Cal.com's updatedAt, and the webhooks that say so can arrive in any order. Each booking keeps the
-- time of the last seat change it applied per attendee email, so an older change never undoes a newer one.

alter table public.calcom_bookings add column seat_changes jsonb not null default '{}'::jsonb;

comment on column public.calcom_bookings.seat_changes is
  'Seat changes applied from webhooks, by lowercase attendee email: {"present": boolean, "at": the '
  'delivery''s createdAt}. A seat change older than the one recorded for that email, or than the row''s '
  'source_updated_at, is not applied. Written by the webhook function only.';
