-- The checkpoint's column comment named a documentation page that no longer exists; it now names the
-- module that defines the plan.

comment on column public.calcom_sync_runs.checkpoint is
  'The paging plan after the last saved page (SyncCheckpoint in supabase/functions/calcom-bookings-sync/sync_plan.ts): '
  'a stopped run''s successor resumes from it. Saved in the same transaction as that page''s bookings, so the '
  'two never disagree.';
