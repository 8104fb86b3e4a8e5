/**
 * What calcom-bookings-sync answers on success, as zod schemas: the routes' bodies are typed from them and
 * docs/openapi.json is generated from them. Failures answer the common error envelope (`ErrorBodySchema`).
 *
 * @module
 */
import { z } from "zod";
import { BookingViewSchema } from "./bookings_query.ts";

const isoTime = z.iso.datetime();

/** The numbers of one sync call (a run of a chain: `partial` means call again to continue). */
const syncFields = {
  /** Bookings received from Cal.com in this call. */
  count: z.int().nonnegative(),
  created: z.int().nonnegative(),
  updated: z.int().nonnegative(),
  /** Bookings received that cannot be stored, set aside (`GET ?setAside=true`). */
  setAside: z.int().nonnegative(),
  /** Pages Cal.com answered. */
  pages: z.int().nonnegative(),
  /** A failed run answers an error instead, with these fields in `details`. */
  status: z.enum(["succeeded", "partial"]),
  mode: z.enum(["full", "incremental"]),
  /** The connection's last complete sync. */
  lastSynced: isoTime.nullable(),
  syncRunId: z.uuid(),
  /** The stopped run this one continued. */
  resumedFrom: z.uuid().nullable(),
};

/** `POST /calcom-bookings-sync`: a sync call. */
export const SyncResultSchema = z.object({
  success: z.literal(true),
  source: z.literal("api"),
  ...syncFields,
}).meta({ id: "SyncResult" });

/** A sync call's answer. */
export type SyncResult = z.infer<typeof SyncResultSchema>;

/** The numbers of one reconciliation (`POST /calcom-bookings-sync {"mode": "reconcile"}`). */
const reconcileFields = {
  /** `partial` when the call's deadline or its lookup cap stopped it: call again to finish. */
  status: z.enum(["succeeded", "partial"]),
  /** The start-time window re-read: bookings starting at or after `afterStart` and ending by `beforeEnd`. */
  window: z.object({ afterStart: isoTime, beforeEnd: isoTime }),
  /** Bookings Cal.com listed in the window. */
  count: z.int().nonnegative(),
  /** Listed bookings compared with their stored row. */
  compared: z.int().nonnegative(),
  /** Bookings missing from the mirror, now stored. */
  created: z.int().nonnegative(),
  /** Stored bookings repaired (attendees, no-show marks, status, times, title). */
  updated: z.int().nonnegative(),
  /** Stored bookings in the window Cal.com no longer has, removed. */
  removed: z.int().nonnegative(),
  /** `created + updated + removed`. */
  repaired: z.int().nonnegative(),
  /** Bookings that differed but whose stored state is newer than the read (a webhook's): kept. */
  kept: z.int().nonnegative(),
  /** Listing pages Cal.com answered. */
  pages: z.int().nonnegative(),
  /** Bookings read one by one because the listing left out their stored row. */
  lookups: z.int().nonnegative(),
  /** The connection's last complete reconciliation. */
  lastReconciled: isoTime.nullable(),
};

/** `POST /calcom-bookings-sync` with `mode: "reconcile"`: a reconciliation. */
export const ReconcileResultSchema = z.object({
  success: z.literal(true),
  source: z.literal("api"),
  mode: z.literal("reconcile"),
  ...reconcileFields,
}).meta({ id: "ReconcileResult" });

/** A reconciliation's answer. */
export type ReconcileResult = z.infer<typeof ReconcileResultSchema>;

/**
 * `GET /calcom-bookings-sync`: a page of stored bookings; without `fromDb` (and without `cursor`) an
 * incremental sync ran first (`source: "api"`) and its numbers are added, `fetched` being its `count`.
 */
export const ReadPageSchema = z.object({
  success: z.literal(true),
  source: z.enum(["database", "api"]),
  bookings: z.array(BookingViewSchema),
  /** Bookings on this page. */
  count: z.int().nonnegative(),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
  created: syncFields.created.optional(),
  updated: syncFields.updated.optional(),
  setAside: syncFields.setAside.optional(),
  pages: syncFields.pages.optional(),
  status: syncFields.status.optional(),
  mode: syncFields.mode.optional(),
  lastSynced: syncFields.lastSynced.optional(),
  syncRunId: syncFields.syncRunId.optional(),
  resumedFrom: syncFields.resumedFrom.optional(),
  fetched: z.int().nonnegative().optional(),
}).meta({ id: "ReadPage" });

/** A read page's answer. */
export type ReadPage = z.infer<typeof ReadPageSchema>;

/** One booking set aside because the mirror cannot store it (`calcom_booking_rejects`). */
export const SetAsideBookingSchema = z.object({
  connectionId: z.uuid(),
  /** Null when Cal.com sent no usable uid. */
  bookingUid: z.string().nullable(),
  /** Why it cannot be stored, e.g. `end_time … is before start_time …`. */
  reason: z.string(),
  source: z.enum(["sync", "webhook"]),
  /** The start of the booking as received (JSON text), at most 2 KB. */
  rawExcerpt: z.string(),
  seenCount: z.int().positive(),
  firstSeenAt: isoTime,
  lastSeenAt: isoTime,
}).meta({ id: "SetAsideBooking" });

/** `GET /calcom-bookings-sync?setAside=true`: the bookings set aside, the most recently seen first. */
export const SetAsidePageSchema = z.object({
  success: z.literal(true),
  source: z.literal("database"),
  setAside: z.array(SetAsideBookingSchema),
  count: z.int().nonnegative(),
}).meta({ id: "SetAsidePage" });

/** A set-aside listing's answer. */
export type SetAsidePage = z.infer<typeof SetAsidePageSchema>;

/** One connection's line in a scheduled call's (or a worker's) summary. */
const ScheduledResultSchema = z.object({
  connectionId: z.uuid(),
  /** `skipped` when another sync of the connection was running. */
  status: z.enum(["succeeded", "partial", "failed", "skipped"]),
  syncRunId: z.uuid().nullable(),
  count: z.int().nonnegative(),
  created: z.int().nonnegative(),
  updated: z.int().nonnegative(),
  pages: z.int().nonnegative(),
  /** Bookings set aside as unstorable, when the run set any aside. */
  setAside: z.int().positive().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /**
   * One request found nothing changed since the connection's last complete sync, so no run was made
   * (`syncRunId` null): the connection is current and its `last_synced_at` says when (docs/operations.md).
   */
  quiet: z.literal(true).optional(),
  /** The reconciliation run for the connection after its sync, when one was due (docs/operations.md). */
  reconciled: z.object(reconcileFields).omit({ window: true, lastReconciled: true }).extend({
    status: z.enum(["succeeded", "partial", "failed"]),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }).optional(),
});

/** `POST /calcom-bookings-sync/scheduled`: the due connections, through parallel workers, for operators. */
export const ScheduledSummarySchema = z.object({
  success: z.literal(true),
  source: z.literal("api"),
  /** `partial` unless every claimed connection's run succeeded, none remains and every worker answered. */
  status: z.enum(["succeeded", "partial"]),
  /** Active connections when the call began. */
  connections: z.int().nonnegative(),
  /** Connections due when the call began. */
  due: z.int().nonnegative(),
  /** Workers started. */
  workers: z.int().nonnegative(),
  /** Connections the workers claimed, and how their syncs ended. */
  claimed: z.int().nonnegative(),
  done: z.int().nonnegative(),
  /** Of `done`, the connections the quiet check found unchanged with one request (no run made). */
  quiet: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  partial: z.int().nonnegative(),
  skipped: z.int().nonnegative(),
  /** Due when the call began and claimed by no worker. */
  remaining: z.int().nonnegative(),
  /** Expired leases of crashed workers taken over. */
  tookOver: z.int().nonnegative(),
  /** Workers that did not answer (their leases expire and are taken over). */
  workerErrors: z.int().nonnegative(),
  results: z.array(ScheduledResultSchema),
  /** The remaining connections, oldest due first (at most 1,000). */
  deferred: z.array(z.uuid()),
  /** Finished runs past the retention deleted by this call. */
  prunedRuns: z.int().nonnegative(),
}).meta({ id: "ScheduledSummary" });

/** A scheduled call's answer. */
export type ScheduledSummaryResponse = z.infer<typeof ScheduledSummarySchema>;

/** `POST /calcom-bookings-sync/scheduled/work`: what one worker claimed and how each sync ended. */
export const WorkerSummarySchema = z.object({
  success: z.literal(true),
  source: z.literal("api"),
  /** The worker's name in its leases. */
  worker: z.string(),
  results: z.array(ScheduledResultSchema),
  /** Expired leases of crashed workers it took over. */
  tookOver: z.int().nonnegative(),
}).meta({ id: "WorkerSummary" });

/** A worker's answer. */
export type WorkerSummaryResponse = z.infer<typeof WorkerSummarySchema>;
