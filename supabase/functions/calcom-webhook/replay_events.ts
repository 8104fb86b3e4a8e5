/**
 * Replays a connection's verified events that were not processed (a payload that failed its schema, a
 * booking not mirrored yet, a paused connection, an unknown trigger), oldest first. Each event is
 * re-processed in its own transaction, locked so concurrent replays never process it twice; the order
 * guard makes a replayed old event harmless to newer state.
 *
 * @module
 */
import type { Deps } from "../_shared/platform/deps.ts";
import type { ReplayResult } from "./responses.ts";
import {
  countReplayableEvents,
  listReplayableEventIds,
  lockReplayableEvent,
  recordEventOutcome,
  type ReplayableEvent,
} from "./webhook_events_store.ts";
import { type EventConnection, logFailedApply, processWebhookEvent } from "./process_event.ts";

function bodyOf(event: ReplayableEvent): { body: unknown } | { error: string } {
  if (event.payload !== null || event.rawBody === null) return { body: event.payload };
  try {
    return { body: JSON.parse(event.rawBody) };
  } catch {
    return { error: "Body is not valid JSON" };
  }
}

/** Replays up to `batch` of a connection's unprocessed verified events, in the order they were received. */
export async function replayEvents(
  deps: Pick<Deps, "db" | "now">,
  connection: EventConnection,
  batch: number,
): Promise<ReplayResult> {
  const ids = await deps.db.asService((tx) => listReplayableEventIds(tx, connection.id, batch));
  let processed = 0;
  let failed = 0;
  for (const id of ids) {
    const outcome = await logFailedApply(
      () =>
        deps.db.asService(async (tx) => {
          const event = await lockReplayableEvent(tx, connection.id, id);
          if (!event) return null;
          const parsed = bodyOf(event);
          const result = "error" in parsed
            ? { processed: false, error: parsed.error }
            : await processWebhookEvent(tx, connection, parsed.body);
          await recordEventOutcome(tx, event.id, { ...result, at: deps.now(), isRetry: true });
          return result;
        }),
      // the apply rolled back with its lock: lock the event again (unless another replay took it) and
      // record the failure
      (failure) =>
        deps.db.asService(async (tx) => {
          const event = await lockReplayableEvent(tx, connection.id, id);
          if (!event) return null;
          await recordEventOutcome(tx, event.id, { ...failure, at: deps.now(), isRetry: true });
          return failure;
        }),
    );
    if (outcome?.processed) processed++;
    else if (outcome) failed++;
  }
  const remaining = await deps.db.asService((tx) => countReplayableEvents(tx, connection.id));
  return { replayed: processed + failed, processed, failed, remaining };
}
