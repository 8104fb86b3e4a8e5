/**
 * calcom-bookings-sync: mirror a user's Cal.com bookings into Postgres and read them back.
 *
 * - `POST /calcom-bookings-sync` `{connectionId?, full?, status?, afterStart?, beforeEnd?}` → a sync run:
 *   `{success, source:"api", count, created, updated, setAside, pages, status, mode, lastSynced, syncRunId}`;
 *   with `mode: "reconcile"` a re-read of a start-time window that repairs the mirror
 *   (`reconcile_request.ts`, `reconcile.ts`): `{…, mode:"reconcile", compared, repaired, window, …}`
 * - `GET /calcom-bookings-sync?fromDb=true&status=&relation=&afterStart=&beforeEnd=&limit=&cursor=&connectionId=` →
 *   stored bookings: `{success, source:"database", bookings, count, nextCursor}`, a page ending early once
 *   it passes `READ_PAGE_MAX_BYTES` (bookings_query.ts); without `fromDb` (and
 *   without `cursor`) an incremental sync runs first and the answer adds its numbers, `source:"api"`
 * - `GET /calcom-bookings-sync?setAside=true&connectionId=&limit=` → bookings set aside as unstorable:
 *   `{success, source:"database", setAside, count}`
 * - `POST /calcom-bookings-sync/scheduled` with the `x-calcom-cron-secret` header → the due connections,
 *   handed to parallel workers, for pg_cron (supabase/sql/schedule_sync.sql); `POST …/scheduled/work`
 *   (same header, `{limit?}`) is one worker, which the scheduled route calls
 * - `GET /calcom-bookings-sync/event-types`, `GET /calcom-bookings-sync/slots` and
 *   `POST /calcom-bookings-sync/bookings`: offer times and book (event_types_app.ts, slots_app.ts,
 *   create_booking.ts)
 * - `POST /calcom-bookings-sync/bookings/:uid/{cancel,reschedule,confirm,decline,mark-absent}` → act on
 *   a mirrored booking through Cal.com (booking_actions_app.ts)
 *
 * See docs/api.md for the response fields and docs/architecture.md for paging and runs.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import type { Hono } from "hono";
import { requireUser, type UserClaims } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import {
  apiError,
  type AppEnv,
  createFunctionApp,
  jsonBody,
  rejectInvalid,
} from "../_shared/platform/http.ts";
import { decodeCursor, readBookingsPage } from "./bookings_query.ts";
import { readSetAside } from "./set_aside_query.ts";
import { resolveConnection } from "./connection_access.ts";
import { cronSecretHeader, cronSecretMatches } from "./cron_auth.ts";
import { defaultCadence, type SyncCadence } from "./connection_schedule.ts";
import type { SyncOutcome, SyncTiming } from "./sync_engine.ts";
import { ReadQuerySchema, type SyncBody, SyncBodySchema } from "./sync_request.ts";
import type {
  ReadPage,
  ScheduledSummaryResponse,
  SetAsidePage,
  SyncResult,
  WorkerSummaryResponse,
} from "./responses.ts";
import { lazyImport } from "../_shared/platform/lazy_import.ts";
import { type LazyRoute, lazyRoutes } from "../_shared/platform/lazy_routes.ts";

/**
 * The sync machinery (engine, run store, schedule leases), imported by the first request that syncs
 * rather than at start: a read of stored bookings, the usual first request, needs none of it. The
 * dispatcher, the worker and reconcile come the same way, each with the route that uses it.
 */
const syncCode = lazyImport(async () => {
  const [engine, runs, leases] = await Promise.all([
    import("./sync_engine.ts"),
    import("./sync_run_store.ts"),
    import("./sync_leases.ts"),
  ]);
  return { ...engine, ...runs, ...leases };
});

/**
 * The routes that call Cal.com for the user (offering times, booking, acting on a booking), in modules
 * imported on their first request (lazy_routes.ts): a read of stored bookings, the usual first request,
 * loads none of them.
 */
const BOOKING_ACTION_ROUTES: readonly LazyRoute[] = [
  "cancel",
  "reschedule",
  "confirm",
  "decline",
  "mark-absent",
]
  .map((action) => ({ method: "POST", path: `/bookings/:uid/${action}` }));

/** Settings of the app beyond `Deps` (all optional). */
export interface SyncAppOptions {
  /** `CALCOM_CRON_SECRET`; without it the scheduled route answers 401. */
  cronSecret?: string;
  /** See {@linkcode SyncTiming}; default one minute. */
  watermarkLagMs?: number;
  /** See {@linkcode SyncTiming}; default the run deadline plus one minute. */
  staleAfterMs?: number;
  /** A run's time budget; default `config.syncDeadlineSeconds` (tests inject a tiny one). */
  deadlineMs?: number;
  /** Workers a scheduled call starts at most (`CALCOM_SYNC_WORKERS`); default 2. */
  workers?: number;
  /** Where the scheduled route reaches its workers; default `<SUPABASE_URL>/functions/v1/…/scheduled/work`. */
  workerUrl?: string;
  /** When connections are next due; default {@linkcode defaultCadence}. */
  cadence?: SyncCadence;
}

/** Time a run keeps for saving its last page and its outcome after the deadline passes. */
const marginMs = 60_000;

/** Creates the calcom-bookings-sync app. */
export function createApp(deps: Deps, options: SyncAppOptions = {}): Hono<AppEnv> {
  const app = createFunctionApp("calcom-bookings-sync", { log: deps.log });
  const auth = requireUser(deps.verifyUser);
  const deadlineMs = options.deadlineMs ?? deps.config.syncDeadlineSeconds * 1000;
  // firstPageBudgetMs comes with the engine (syncCode), so the timing is worked out when it is there
  const timingFor = ({ firstPageBudgetMs }: { firstPageBudgetMs: number }): SyncTiming => ({
    staleAfterMs: options.staleAfterMs ?? Math.max(deadlineMs, firstPageBudgetMs) + marginMs,
    watermarkLagMs: options.watermarkLagMs ?? 60_000,
  });
  const cadence = options.cadence ?? defaultCadence;
  const requireCron = (secret: string | undefined) => {
    if (!cronSecretMatches(options.cronSecret, secret)) {
      throw apiError(401, "unauthorized", `Scheduled sync needs the cron secret in ${cronSecretHeader}`);
    }
  };

  async function sync(user: UserClaims, body: SyncBody): Promise<SyncOutcome> {
    const connectionId = await deps.db.asUser(user, (tx) => resolveConnection(tx, body.connectionId));
    const outcome = await runOwnerSync(connectionId, body);
    // An unscoped sync the owner asked for counts for the schedule too (a failure backs off as well).
    if (!body.status && !body.afterStart && !body.beforeEnd) {
      const { recordOwnerSync } = await syncCode();
      await deps.db.asService((tx) =>
        recordOwnerSync(
          tx,
          {
            connectionId,
            outcome: outcome.status,
            changed: outcome.fetched > 0,
          },
          deps.now(),
          cadence,
        )
      ).catch((err) => deps.log.error("cannot record a sync on the schedule", { connectionId, error: err }));
    }
    return outcome;
  }

  async function runOwnerSync(connectionId: string, body: SyncBody): Promise<SyncOutcome> {
    const code = await syncCode();
    const { SyncConflictError, SyncConnectionGoneError, SyncRunLostError } = code;
    try {
      return await code.runSync(deps, {
        connectionId,
        trigger: "manual",
        full: body.full,
        scope: { status: body.status, afterStart: body.afterStart, beforeEnd: body.beforeEnd },
        deadlineAt: new Date(deps.now().getTime() + deadlineMs),
        ...timingFor(code),
      });
    } catch (err) {
      if (err instanceof SyncConflictError) {
        throw apiError(409, "conflict", "A sync of this connection is already running", {
          syncRunId: err.runId,
        });
      }
      if (err instanceof SyncRunLostError) {
        throw apiError(409, "conflict", "This sync was taken over by another one", { syncRunId: err.runId });
      }
      if (err instanceof SyncConnectionGoneError) {
        throw apiError(404, "not_found", "Cal.com connection not found");
      }
      throw err;
    }
  }

  lazyRoutes(app, [{ method: "GET", path: "/event-types" }], async (into) => {
    into.route("/", (await import("./event_types_app.ts")).eventTypesRoutes(deps));
  });
  lazyRoutes(app, [{ method: "GET", path: "/slots" }], async (into) => {
    into.route("/", (await import("./slots_app.ts")).slotsRoutes(deps));
  });
  lazyRoutes(app, [{ method: "POST", path: "/bookings" }], async (into) => {
    into.route("/", (await import("./create_booking.ts")).createBookingRoutes(deps));
  });

  app.post("/scheduled", async (c) => {
    requireCron(c.req.header(cronSecretHeader));
    const [{ defaultSyncWorkers, dispatchScheduledSync }, { firstPageBudgetMs }] = await Promise.all([
      import("./sync_dispatcher.ts"),
      syncCode(),
    ]);
    const summary = await dispatchScheduledSync(deps, {
      workers: options.workers ?? defaultSyncWorkers,
      workerUrl: options.workerUrl ??
        `${deps.config.supabaseUrl}/functions/v1/calcom-bookings-sync/scheduled/work`,
      cronSecret: options.cronSecret!,
      // A worker claims nothing after its deadline; its last run may still spend a first page's budget.
      workerTimeoutMs: deadlineMs + firstPageBudgetMs + 10_000,
    });
    const complete = summary.remaining === 0 && summary.workerErrors === 0 &&
      summary.results.every((r) => r.status === "succeeded");
    return c.json(
      {
        success: true,
        source: "api",
        status: complete ? "succeeded" : "partial",
        ...summary,
      } satisfies ScheduledSummaryResponse,
    );
  });

  // The cron secret is checked before the body is read, so a caller without it learns nothing.
  lazyRoutes(app, [{ method: "POST", path: "/scheduled/work" }], async (into) => {
    const [{ runSyncWorker, WorkerBodySchema }, code] = await Promise.all([
      import("./sync_worker.ts"),
      syncCode(),
    ]);
    const timing = timingFor(code);
    into.post(
      "/scheduled/work",
      (c, next) => {
        requireCron(c.req.header(cronSecretHeader));
        return next();
      },
      jsonBody(),
      zValidator("json", WorkerBodySchema, rejectInvalid),
      async (c) => {
        const now = deps.now().getTime();
        const summary = await runSyncWorker(deps, {
          ...timing,
          deadlineAt: new Date(now + deadlineMs),
          perConnectionMs: Math.max(10_000, deadlineMs / 4),
          minSliceMs: Math.min(5_000, deadlineMs / 10),
          // A lease outlives the longest run, as a run's heartbeat does (see SyncTiming.staleAfterMs).
          leaseMs: timing.staleAfterMs,
          ...c.req.valid("json"),
          cadence,
        });
        return c.json({ success: true, source: "api", ...summary } satisfies WorkerSummaryResponse);
      },
    );
  });

  lazyRoutes(app, BOOKING_ACTION_ROUTES, async (into) => {
    (await import("./booking_actions_app.ts")).mountBookingActions(into, deps);
  });

  app.post("/", auth, jsonBody(), zValidator("json", SyncBodySchema, rejectInvalid), async (c) => {
    const body = c.req.valid("json");
    if (body.mode === "reconcile") {
      const { reconcileForUser } = await import("./reconcile_request.ts");
      return c.json(await reconcileForUser(deps, c.var.user, body, deadlineMs));
    }
    const outcome = await sync(c.var.user, body);
    return c.json({ success: true, source: "api", ...outcomeFields(outcome) } satisfies SyncResult);
  });

  app.get("/", auth, zValidator("query", ReadQuerySchema, rejectInvalid), async (c) => {
    const user = c.var.user;
    const query = c.req.valid("query");
    if (query.setAside) {
      const setAside = await deps.db.asUser(user, async (tx) => {
        if (query.connectionId) await resolveConnection(tx, query.connectionId);
        return await readSetAside(tx, { connectionId: query.connectionId, limit: query.limit });
      });
      return c.json(
        { success: true, source: "database", setAside, count: setAside.length } satisfies SetAsidePage,
      );
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) {
      throw apiError(400, "invalid_request", "Invalid query parameters", {
        issues: [{ path: "cursor", message: "is not a cursor this function returned" }],
      });
    }
    // Paging through what the first page's sync stored needs no new sync on every page.
    const syncFirst = !query.fromDb && !after;
    let outcome: SyncOutcome | undefined;
    if (syncFirst) outcome = await sync(user, { connectionId: query.connectionId, full: false });
    const page = await deps.db.asUser(user, async (tx) => {
      // A sync that ran first already resolved the named connection under RLS.
      if (query.connectionId && !outcome) await resolveConnection(tx, query.connectionId);
      return await readBookingsPage(tx, {
        userId: user.sub,
        connectionId: query.connectionId,
        status: query.status,
        relation: query.relation,
        afterStart: query.afterStart,
        beforeEnd: query.beforeEnd,
        limit: query.limit,
        after,
      });
    });
    // The page arrives as JSON text from Postgres and is spliced in as it is (see readBookingsPage)
    const head = JSON.stringify({ success: true, source: outcome ? "api" : "database" });
    const tail = JSON.stringify(
      {
        count: page.count,
        nextCursor: page.nextCursor,
        ...(outcome ? { ...outcomeFields(outcome), count: page.count, fetched: outcome.fetched } : {}),
      } satisfies Omit<ReadPage, "success" | "source" | "bookings">,
    );
    return c.body(`${head.slice(0, -1)},"bookings":${page.bookingsJson},${tail.slice(1)}`, 200, {
      "content-type": "application/json",
    });
  });

  return app;
}

/**
 * The response fields of a run; a failed run becomes the error answer (the run stays recorded with
 * its error, and the next call resumes it).
 */
function outcomeFields(outcome: SyncOutcome): Omit<SyncResult, "success" | "source"> {
  const fields = {
    count: outcome.fetched,
    created: outcome.created,
    updated: outcome.updated,
    setAside: outcome.setAside,
    pages: outcome.pages,
    status: outcome.status,
    mode: outcome.mode,
    lastSynced: outcome.lastSyncedAt?.toISOString() ?? null,
    syncRunId: outcome.runId,
    resumedFrom: outcome.resumedFromRunId,
  };
  if (outcome.status === "succeeded" || outcome.status === "partial") {
    return { ...fields, status: outcome.status };
  }
  const error = outcome.error!;
  const details = { ...fields };
  if (error.code === "invalid_api_key") throw apiError(400, "invalid_api_key", error.message, details);
  if (error.code === "internal_error") {
    throw apiError(500, "internal_error", "Internal server error", details);
  }
  throw apiError(502, "calcom_unavailable", error.message, details);
}
