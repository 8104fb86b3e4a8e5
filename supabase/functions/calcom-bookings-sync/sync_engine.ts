/**
 * One sync run of one connection, end to end: start (or resume) the run, page through Cal.com as the
 * plan says, save each page with its checkpoint, stop at the deadline, and record the outcome.
 *
 * @module
 */
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import { BookingOwnerError } from "../_shared/bookings/booking_store.ts";
import type { CalcomClient } from "../_shared/calcom/client.ts";
import { CalcomError, CalcomErrorCode } from "../_shared/calcom/errors.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { calcomForConnection } from "../_shared/oauth/connection_client.ts";
import { safeErrorMessage } from "../_shared/platform/http.ts";
import { mapApiBooking } from "../_shared/bookings/map_api_booking.ts";
import {
  hasLoneSurrogate,
  rejectBooking,
  type RejectedBooking,
  unstorableReason,
} from "../_shared/bookings/storable_booking.ts";
import { wellFormedValue } from "../_shared/bookings/jsonb_text.ts";
import { withKeyRelation } from "../_shared/bookings/key_relation.ts";
import { readDeferredBookings } from "./deferred_bookings.ts";
import { prefersCursorPaging } from "./bookings_paging_choice.ts";
import { streamCheckpoint } from "./cursor_plan.ts";
import { finalWatermark, type SyncCheckpoint, type SyncScope } from "./sync_plan.ts";
import { readPlanStep, type ReadStep, type ReceivedItem } from "./read_plan_step.ts";
import {
  finishSyncRun,
  startSyncRun,
  type StoredCheckpoint,
  SyncConnectionGoneError,
  type SyncErrorCode,
  type SyncMode,
  SyncRunLostError,
  type SyncRunStatus,
  type SyncTrigger,
} from "./sync_run_store.ts";
import { saveSyncPage } from "./save_sync_page.ts";

/** Time the first page of a run may take whatever the deadline: a run always saves one page. */
export const firstPageBudgetMs = 30_000;

/** What a run needs from the function's dependencies. */
export type SyncEngineDeps = Pick<Deps, "db" | "secrets" | "calcom" | "now" | "log" | "fetch" | "config">;

/** Timing of runs; see docs/decisions.md. */
export interface SyncTiming {
  /** A running run whose heartbeat is older than this is taken as crashed. */
  staleAfterMs: number;
  /** How far behind the chain's start the watermark stays (Cal.com commits and clocks lag). */
  watermarkLagMs: number;
}

/** One run to make. */
export interface SyncRequest extends SyncTiming {
  connectionId: string;
  trigger: SyncTrigger;
  full: boolean;
  scope: SyncScope;
  /** The run stops (partial) at this time; resumable by the next call. */
  deadlineAt: Date;
  /**
   * The first page, already asked for by the caller (the scheduled sweep's quiet check): used instead of
   * a request when the run's first checkpoint is the one it was read for, so no page is asked for twice.
   */
  firstRead?: PrefetchedRead;
}

/** A page read ahead of a run: the checkpoint it was read for, and its step or the read's failure. */
export interface PrefetchedRead {
  plan: SyncCheckpoint;
  read: Settled<ReadStep>;
}

/** What a run did, for the response and the scheduled summary. */
export interface SyncOutcome {
  runId: string;
  status: Exclude<SyncRunStatus, "running">;
  mode: SyncMode;
  /** Requests answered (pages received) in this run. */
  pages: number;
  /** Bookings received in this run. */
  fetched: number;
  created: number;
  updated: number;
  /** Bookings received that cannot be stored: set aside with their reason (`calcom_booking_rejects`). */
  setAside: number;
  /** Set when the run failed: safe to show the owner. */
  error?: { code: SyncErrorCode; message: string };
  lastSyncedAt: Date | null;
  /** The stopped run this one continued, if any. */
  resumedFromRunId: string | null;
  /** The crashed run this one took over, if any. */
  tookOverRunId: string | null;
}

/** How a failure ends the run. */
export type FailureVerdict =
  | { status: "partial" }
  | { status: "failed"; code: SyncErrorCode; message: string; deactivate: boolean };

/** How to get going again after Cal.com refused the key; a reconnect keeps the connection as it is. */
const reconnectHint = "create a new API key in Cal.com (Settings, Developer, API keys) and connect again " +
  "with it (POST calcom-connection): the connection keeps its id, bookings and webhook";

/**
 * The message of a run Cal.com refused the key for: an expired key (Cal.com says "Your api key is
 * expired") apart from a revoked or invalid one (it says "not valid" or, from its rate-limit guard,
 * "Invalid API Key"), both with how to reconnect; a refused OAuth access token says to reconnect that way.
 */
export function rejectedKeyMessage(err: CalcomError): string {
  if (err.status === 401 && /access token/i.test(err.message)) {
    // an OAuth connection: its token, not a key, was refused
    return `Cal.com rejected the connection's access token (HTTP 401), so syncing is paused: ` +
      "connect the account again with Continue with Cal.com";
  }
  if (err.status === 401 && /api key is expired/i.test(err.message)) {
    return `Your Cal.com API key has expired, so syncing is paused: ${reconnectHint}`;
  }
  return `Cal.com rejected the API key (HTTP ${err.status}): it was revoked or is not valid, ` +
    `so syncing is paused: ${reconnectHint}`;
}

/**
 * Classifies what stopped a run. Retryable failures at or past the deadline are the deadline's doing
 * (partial); a rejected key fails and pauses the connection; everything else fails, resumable.
 */
export function classifyFailure(err: unknown, deadlinePassed: boolean): FailureVerdict {
  // An OAuth grant Cal.com refused to renew: the connection was paused with this message
  if (err instanceof CalcomError && err.code === CalcomErrorCode.reauthorize) {
    return { status: "failed", code: "invalid_api_key", message: err.message, deactivate: true };
  }
  if (err instanceof CalcomError) {
    if (err.code === "DeadlineExceeded" || (err.retryable && deadlinePassed)) return { status: "partial" };
    if (err.status === 401 || err.status === 403) {
      return {
        status: "failed",
        code: "invalid_api_key",
        message: rejectedKeyMessage(err),
        deactivate: true,
      };
    }
    if (err.status === 429) {
      return {
        status: "failed",
        code: "rate_limited",
        message: "Cal.com's rate limit stopped the sync: the next sync continues where this one stopped",
        deactivate: false,
      };
    }
    // The client builds its messages without the key; scrubbing again guards against Cal.com's own words.
    return {
      status: "failed",
      code: "calcom_unavailable",
      message: safeErrorMessage(err),
      deactivate: false,
    };
  }
  return {
    status: "failed",
    code: "internal_error",
    message: "The sync failed on an internal error: the next sync continues where this one stopped",
    deactivate: false,
  };
}

/** A promise's outcome as a value, so a rejection waiting behind a slow save is not unhandled. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
}

function unwrap<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

/**
 * Runs one sync of a connection until done, the deadline, or a failure, and records the outcome.
 * Never throws for Cal.com failures (they are outcomes); throws what the caller answers differently.
 *
 * @throws {import("./sync_run_store.ts").SyncConflictError} while another run of the connection is alive
 * @throws {import("./sync_run_store.ts").SyncConnectionGoneError} when the connection does not exist
 * @throws {SyncRunLostError} when another caller took the run over meanwhile
 */
export async function runSync(deps: SyncEngineDeps, request: SyncRequest): Promise<SyncOutcome> {
  const log = deps.log.child({ connectionId: request.connectionId });
  const started = await deps.db.asService((tx) =>
    startSyncRun(tx, {
      connectionId: request.connectionId,
      trigger: request.trigger,
      full: request.full,
      scope: request.scope,
      now: deps.now(),
      staleAfterMs: request.staleAfterMs,
    })
  );
  const { run } = started;
  if (started.tookOverRunId) log.warn("took over a crashed sync run", { runId: started.tookOverRunId });
  const totals = { pages: 0, fetched: 0, created: 0, updated: 0, setAside: 0 };
  let checkpoint: StoredCheckpoint = started.checkpoint;
  let verdict: FailureVerdict | { status: "succeeded" } = { status: "partial" };
  let unreadableKey: FailureVerdict | undefined;
  // The first page may overrun a deadline shorter than a request, so every run makes progress.
  const callsEnd = new Date(Math.max(request.deadlineAt.getTime(), deps.now().getTime() + firstPageBudgetMs));

  try {
    let client: CalcomClient;
    try {
      client = await calcomForConnection(deps, {
        id: request.connectionId,
        userId: started.userId,
        authKind: started.authKind,
        apiKeyEncrypted: started.apiKeyEncrypted,
        calcomApiUrl: started.calcomApiUrl,
      }, { deadlineAt: callsEnd });
    } catch (err) {
      // a server the operator no longer allows: classified like any Cal.com refusal below
      if (err instanceof CalcomError) throw err;
      log.error("cannot decrypt the connection's API key", { error: err });
      unreadableKey = {
        status: "failed",
        code: "invalid_api_key",
        message: "The stored Cal.com API key cannot be read: connect the account again",
        deactivate: false,
      };
      throw err;
    }
    // A run that starts its chain pages by cursor where Cal.com serves it (cursor_plan.ts); a resumed
    // run keeps the paging its checkpoint was made with.
    if (
      prefersCursorPaging(deps.config, request.connectionId) &&
      (checkpoint.plan.phase === "head" ||
        (run.resumed_from_run_id === null && checkpoint.plan.phase === "keyset"))
    ) {
      checkpoint = { ...checkpoint, plan: streamCheckpoint(checkpoint.plan) };
    }
    const readContext = {
      client,
      connectionId: request.connectionId,
      scope: request.scope,
      log: log.child({ runId: run.id }),
    };
    // The caller's page stands for the first request when it was read for this very checkpoint.
    let prefetched = request.firstRead;
    const readStep = (plan: SyncCheckpoint): Promise<ReadStep> => {
      const ahead = prefetched;
      prefetched = undefined;
      if (ahead && JSON.stringify(ahead.plan) === JSON.stringify(plan)) {
        return ahead.read.ok ? Promise.resolve(ahead.read.value) : Promise.reject(ahead.read.error);
      }
      return readPlanStep(readContext, plan);
    };
    // Page k+1 is fetched, planned and mapped while page k is saved: its request's filters come from the
    // plan page k is saved with, known before the save, so the process (parsing, validation, mapping) and
    // the database work at the same time instead of taking turns. Saves stay in order and the checkpoint
    // only moves with them, so a stop anywhere still resumes after the last saved page. At most one page
    // waits ahead, so memory stays at about one page.
    const preparePage = (plan: SyncCheckpoint) =>
      settle(
        readStep(plan).then(({ step, readAt }) => {
          const { rows, rejects } = mapRows(step.accepted, readAt, log);
          return { step, rows: rows.map((row) => withKeyRelation(row, started.keyUser)), rejects };
        }),
      );
    let pending = checkpoint.plan.phase === "done" ? undefined : preparePage(checkpoint.plan);
    while (pending) {
      const { step, rows, rejects } = unwrap(await pending);
      pending = undefined;
      const next: StoredCheckpoint = { ...checkpoint, plan: step.next };
      // Checked before the request starts, as the sequential loop did: a page asked for before the
      // deadline is saved, so no request is wasted and every answered request is a saved page.
      if (next.plan.phase !== "done" && deps.now() < request.deadlineAt) pending = preparePage(next.plan);
      let result: { created: number; updated: number };
      try {
        result = await deps.db.asService((tx) =>
          saveSyncPage(tx, {
            run,
            userId: started.userId,
            rows,
            rejects,
            fetched: step.accepted.length,
            checkpoint: next,
            now: deps.now(),
          })
        );
      } catch (err) {
        // The prefetched page is dropped (the resumed run asks for it again), but waited for: a request
        // still running after the run has ended would race its successor and blur the request counts.
        await pending;
        throw err;
      }
      totals.pages++;
      totals.fetched += step.accepted.length;
      totals.created += result.created;
      totals.updated += result.updated;
      totals.setAside += rejects.length;
      checkpoint = next;
    }
    verdict = checkpoint.plan.phase === "done" ? { status: "succeeded" } : { status: "partial" };
    if (verdict.status === "succeeded") {
      // webhook deliveries beyond their quota kept only the booking uid: read those bookings again
      const deferred = await readDeferredBookings(deps, client, {
        userId: started.userId,
        connectionId: request.connectionId,
      }, {
        deadlineAt: callsEnd,
        fullRunSucceeded: run.mode === "full" && isEverything(request.scope),
        keyUser: started.keyUser,
      });
      totals.fetched += deferred.cleared;
      totals.created += deferred.created;
      totals.updated += deferred.updated;
    }
  } catch (err) {
    if (err instanceof SyncRunLostError || err instanceof SyncConnectionGoneError) throw err;
    // The connection was deleted under us: its runs went with it, there is nothing to record.
    if (err instanceof BookingOwnerError) throw new SyncConnectionGoneError(request.connectionId);
    verdict = unreadableKey ?? classifyFailure(err, deps.now() >= callsEnd);
    if (verdict.status === "failed" && verdict.code === "internal_error") {
      log.error("sync run failed", { runId: run.id, error: err });
    }
  }

  const failed = verdict.status === "failed" ? verdict : undefined;
  const finished = await deps.db.asService((tx) =>
    finishSyncRun(tx, {
      run,
      status: verdict.status,
      error: failed?.message,
      errorCode: failed?.code,
      deactivate: failed?.deactivate,
      apiKeyEncrypted: started.apiKeyEncrypted,
      final: verdict.status === "succeeded"
        ? finalWatermark(checkpoint.plan, {
          startedAt: new Date(checkpoint.chainStartedAt),
          lagMs: request.watermarkLagMs,
          previous: started.previousWatermark,
        })
        : undefined,
      now: deps.now(),
    })
  );
  return {
    runId: run.id,
    status: verdict.status,
    mode: run.mode,
    ...totals,
    ...(failed ? { error: { code: failed.code, message: failed.message } } : {}),
    lastSyncedAt: finished.lastSyncedAt,
    resumedFromRunId: run.resumed_from_run_id,
    tookOverRunId: started.tookOverRunId,
  };
}

/** Whether a run's scope leaves no booking out (no status, no time window). */
function isEverything(scope: SyncScope): boolean {
  return scope.status === undefined && scope.afterStart === undefined && scope.beforeEnd === undefined;
}

/**
 * Maps received bookings to rows. One the client could not read, the mapper refuses or the table could
 * not hold is set aside with its reason (`storable_booking.ts`), so the rest of its page is stored.
 * Lone surrogates are replaced, not a reason.
 */
function mapRows(
  items: readonly ReceivedItem[],
  readAt: string,
  log: SyncEngineDeps["log"],
): { rows: BookingRow[]; rejects: RejectedBooking[] } {
  const rows: BookingRow[] = [];
  const rejects: RejectedBooking[] = [];
  for (const item of items) {
    if ("unreadable" in item) {
      rejects.push(rejectBooking(item.unreadable.raw, item.unreadable.reason));
      continue;
    }
    // A lone surrogate (half an emoji) is stored as U+FFFD, as a webhook's body is.
    const booking = hasLoneSurrogate(item.booking)
      ? wellFormedValue(item.booking) as ApiBooking
      : item.booking;
    let row: BookingRow;
    try {
      row = mapApiBooking(booking, { readAt });
    } catch (err) {
      rejects.push(rejectBooking(booking, err instanceof Error ? err.message : String(err)));
      continue;
    }
    const reason = unstorableReason(row);
    if (reason) rejects.push(rejectBooking(booking, reason));
    else rows.push(row);
  }
  if (rejects.length > 0) {
    log.warn("bookings set aside by the sync", { count: rejects.length, uids: rejects.map((r) => r.uid) });
  }
  return { rows, rejects };
}
