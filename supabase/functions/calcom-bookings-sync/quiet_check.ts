/**
 * The scheduled sweep's quiet check: a connection that last synced completely is asked for what changed
 * since its watermark with the very request its incremental run would make first. Most connections have
 * changed nothing between two sweeps, and their answer, empty, is all they need: no run is started or
 * recorded, and the caller writes the check's time in one statement for many connections
 * (`sync_leases.ts`). An answer with changes, or a failed read, is handed to the run
 * (`SyncRequest.firstRead`), which uses it instead of asking again.
 *
 * @module
 */
import { calcomForConnection, type ConnectionCredential } from "../_shared/oauth/connection_client.ts";
import { prefersCursorPaging } from "./bookings_paging_choice.ts";
import { streamCheckpoint } from "./cursor_plan.ts";
import { readPlanStep } from "./read_plan_step.ts";
import { firstPageBudgetMs, type PrefetchedRead, settle, type SyncEngineDeps } from "./sync_engine.ts";
import { incrementalCheckpoint } from "./sync_plan.ts";

/** A connection the quiet check may ask for, as the claim read it (`sync_leases.ts`). */
export interface QuietCandidate {
  credential: ConnectionCredential;
  /** The connection's watermark, which its last run, a complete one, left. */
  watermark: Date;
  /** The uids that run received at exactly the watermark. */
  watermarkUids: string[];
}

/** What the check found: nothing changed, or the read the run goes on from (none: the run reads). */
export type QuietCheck = { quiet: true } | { quiet: false; firstRead?: PrefetchedRead };

/**
 * Checks `candidate` with one request, as the module doc says. Never throws: a read that fails is the
 * run's to classify and record, and a client that cannot be built is the run's to report.
 */
export async function checkQuietly(
  deps: SyncEngineDeps,
  candidate: QuietCandidate,
  deadlineAt: Date,
): Promise<QuietCheck> {
  const incremental = incrementalCheckpoint(candidate.watermark.toISOString(), candidate.watermarkUids);
  // the run's own choice of paging for a chain's first checkpoint (sync_engine.ts)
  const connectionId = candidate.credential.id;
  const plan = prefersCursorPaging(deps.config, connectionId) ? streamCheckpoint(incremental) : incremental;
  let client;
  try {
    client = await calcomForConnection(deps, candidate.credential, {
      deadlineAt: new Date(Math.max(deadlineAt.getTime(), deps.now().getTime() + firstPageBudgetMs)),
    });
  } catch {
    return { quiet: false };
  }
  const read = await settle(readPlanStep({
    client,
    connectionId,
    scope: {},
    log: deps.log.child({ connectionId }),
  }, plan));
  if (read.ok && read.value.step.accepted.length === 0 && read.value.step.next.phase === "done") {
    return { quiet: true };
  }
  return { quiet: false, firstRead: { plan, read } };
}
