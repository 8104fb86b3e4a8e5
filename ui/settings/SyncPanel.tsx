/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * "Sync Bookings Now" for one connection: keeps calling while the run answers `partial`, shows the
 * bookings fetched so far, then the result; a full resync sits behind a second action.
 *
 * @module
 */
import { useId, useState } from "react";
import type { CalcomClient, SyncProgress } from "../client/calcom_supabase_client.ts";
import { humanError } from "./error_messages.ts";

/** Props of {@linkcode SyncPanel}. */
export interface SyncPanelProps {
  client: CalcomClient;
  connectionId: string;
  /** Told when a sync starts and ends (the card shows "Syncing"), and after it ends, to reload. */
  onSyncingChange(syncing: boolean): void;
}

type SyncState =
  | { kind: "idle" }
  | { kind: "running"; full: boolean; progress?: SyncProgress }
  | { kind: "done"; progress: SyncProgress }
  | { kind: "failed"; message: string; progress?: SyncProgress };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The sync part of a connection card. */
export function SyncPanel({ client, connectionId, onSyncingChange }: SyncPanelProps) {
  const id = useId();
  const [state, setState] = useState<SyncState>({ kind: "idle" });
  const running = state.kind === "running";

  async function run(full: boolean) {
    setState({ kind: "running", full });
    onSyncingChange(true);
    let last: SyncProgress | undefined;
    try {
      const progress = await client.syncUntilDone({ connectionId, full }, {
        onProgress: (p) => {
          last = p;
          setState({ kind: "running", full, progress: p });
        },
      });
      setState({ kind: "done", progress });
    } catch (err) {
      setState({ kind: "failed", message: humanError(err, "sync").message, progress: last });
    } finally {
      onSyncingChange(false);
    }
  }

  return (
    <section className="calcom-panel" aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>Sync</h4>
      <div className="calcom-actions">
        <button
          type="button"
          className="calcom-button calcom-primary"
          disabled={running}
          aria-busy={running}
          onClick={() => run(false)}
        >
          Sync Bookings Now
        </button>
        <details className="calcom-details">
          <summary>More sync options</summary>
          <p className="calcom-hint">
            A full resync reads every booking from Cal.com again. Use it when bookings look wrong or missing.
          </p>
          <button type="button" className="calcom-button" disabled={running} onClick={() => run(true)}>
            Full resync
          </button>
        </details>
      </div>
      <div role="status" aria-live="polite" className="calcom-sync-status">
        {state.kind === "running"
          ? (
            <p>
              <span className="calcom-spinner" aria-hidden="true" />
              {state.full ? "Full resync in progress" : "Syncing"}
              {state.progress ? `: ${plural(state.progress.fetched, "booking")} fetched so far` : "…"}
            </p>
          )
          : null}
        {state.kind === "done"
          ? (
            <p className="calcom-ok">
              Sync complete: {state.progress.created} new, {state.progress.updated} updated
              {state.progress.fetched > 0 ? ` (${plural(state.progress.fetched, "booking")} checked)` : ""}
            </p>
          )
          : null}
      </div>
      {state.kind === "failed"
        ? (
          <p className="calcom-error" role="alert">
            Sync failed: {state.message}
            {state.progress
              ? ` (${plural(state.progress.fetched, "booking")} were fetched before it stopped)`
              : ""}
          </p>
        )
        : null}
    </section>
  );
}
