-- Purpose: let a stopped booking sync resume exactly where it stopped (the paging plan's checkpoint),
-- chain the runs that continue one another, and record why a run failed in a form the functions act on.

alter table public.calcom_sync_runs
  add column checkpoint jsonb check (checkpoint is null or jsonb_typeof(checkpoint) = 'object'),
  add column resumed_from_run_id uuid,
  add column error_code text check (error_code is null or error_code ~ '^[a-z_]{1,40}$');

comment on column public.calcom_sync_runs.checkpoint is
  'The paging plan after the last saved page (see docs/sync.md): a stopped run''s successor resumes from it. '
  'Saved in the same transaction as that page''s bookings, so the two never disagree.';
comment on column public.calcom_sync_runs.resumed_from_run_id is
  'The partial or failed run this one continues (same plan, same watermark_before); null for a fresh run. '
  'No foreign key: old runs are pruned, and deleting one must neither cascade to nor block its successors.';
comment on column public.calcom_sync_runs.error_code is
  'Why a failed run failed: invalid_api_key, rate_limited, calcom_unavailable, interrupted, internal_error.';

