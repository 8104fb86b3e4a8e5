/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * One connected Cal.com account: who it is, its status, when it last synced, its bookings count; its
 * webhook and sync panels; "Pause"/"Resume" and "Disconnect" behind a confirmation. An OAuth connection
 * that Cal.com stopped refreshing (paused with "Reconnect Cal.com: …") offers "Reconnect Cal.com".
 *
 * @module
 */
import { useId, useRef, useState } from "react";
import type { CalcomClient, ConnectionView } from "../client/calcom_supabase_client.ts";
import { humanError } from "./error_messages.ts";
import { OAuthButton } from "./OAuthButton.tsx";
import { exactTime, relativeTime } from "./format.ts";
import { SyncPanel } from "./SyncPanel.tsx";
import { WebhookPanel } from "./WebhookPanel.tsx";

/** Props of {@linkcode ConnectionCard}. */
export interface ConnectionCardProps {
  client: CalcomClient;
  connection: ConnectionView;
  now: () => Date;
  timeZone?: string;
  /** Whether "Continue with Cal.com" is offered: then a refused OAuth grant offers "Reconnect Cal.com". */
  oauthEnabled?: boolean;
  /** Called after anything changed the connection (sync, pause, disconnect): reload. */
  onChanged(): void;
}

/** A connection's status word and, when it needs attention, why. */
export function connectionStatus(
  connection: ConnectionView,
  syncing: boolean,
): { label: "Connected" | "Syncing" | "Paused" | "Needs attention"; reason?: string } {
  if (syncing || connection.lastSyncStatus === "running") return { label: "Syncing" };
  const error = connection.lastSyncError ?? null;
  if (!connection.isActive && error) return { label: "Needs attention", reason: error };
  if (!connection.isActive) return { label: "Paused" };
  if (connection.lastSyncStatus === "failed") {
    return { label: "Needs attention", reason: error ?? "The last sync failed: sync again to retry" };
  }
  return { label: "Connected" };
}

/** Whether the connection is an OAuth one paused because Cal.com refused to refresh its grant. */
export function needsOAuthReconnect(connection: ConnectionView): boolean {
  return connection.authKind === "oauth" && !connection.isActive &&
    (connection.lastSyncError ?? "").startsWith("Reconnect Cal.com");
}

/** A connected account. */
export function ConnectionCard(
  { client, connection, now, timeZone, oauthEnabled = false, onChanged }: ConnectionCardProps,
) {
  const id = useId();
  const [syncing, setSyncing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const status = connectionStatus(connection, syncing);
  const user = connection.calcomUser;
  const count = connection.bookingCount;

  async function setActive(isActive: boolean) {
    setBusy(true);
    setError(null);
    try {
      await client.update(connection.id, { isActive });
      onChanged();
    } catch (err) {
      setError(humanError(err, "update").message);
    } finally {
      setBusy(false);
    }
  }

  async function disconnect() {
    setBusy(true);
    setError(null);
    try {
      await client.disconnect(connection.id);
      dialog.current?.close();
      onChanged();
    } catch (err) {
      dialog.current?.close();
      setError(humanError(err, "disconnect").message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="calcom-card calcom-connection" aria-labelledby={`${id}-title`}>
      <header className="calcom-card-header">
        <h3 id={`${id}-title`}>{connection.label}</h3>
        <span className={`calcom-badge calcom-status-${status.label.toLowerCase().replace(" ", "-")}`}>
          {status.label}
        </span>
      </header>
      {status.reason ? <p className="calcom-warning">{status.reason}</p> : null}
      <dl className="calcom-facts">
        <div>
          <dt>Cal.com user</dt>
          <dd>{[user.username, user.email].filter(Boolean).join(" · ") || `#${user.id}`}</dd>
        </div>
        <div>
          <dt>Time zone</dt>
          <dd>{user.timeZone ?? "Unknown"}</dd>
        </div>
        {connection.authKind === "oauth"
          ? (
            <div>
              <dt>Access</dt>
              <dd>Connected with Cal.com (OAuth)</dd>
            </div>
          )
          : (
            <div>
              <dt>API key</dt>
              <dd>
                <span aria-label={`ending in ${connection.apiKeyHint}`}>••••{connection.apiKeyHint}</span>
              </dd>
            </div>
          )}
        <div>
          <dt>Last synced</dt>
          <dd>
            {connection.lastSynced
              ? (
                <time dateTime={connection.lastSynced} title={exactTime(connection.lastSynced, timeZone)}>
                  {relativeTime(connection.lastSynced, now())}
                </time>
              )
              : "Never"}
          </dd>
        </div>
        {count !== undefined
          ? (
            <div>
              <dt>Stored bookings</dt>
              <dd>{count}</dd>
            </div>
          )
          : null}
      </dl>
      <SyncPanel
        client={client}
        connectionId={connection.id}
        onSyncingChange={(value) => {
          setSyncing(value);
          if (!value) onChanged();
        }}
      />
      <WebhookPanel connection={connection} now={now} timeZone={timeZone} />
      <div className="calcom-actions calcom-card-footer">
        {oauthEnabled && needsOAuthReconnect(connection)
          ? <OAuthButton client={client} label="Reconnect Cal.com" />
          : connection.isActive
          ? (
            <button type="button" className="calcom-button" disabled={busy} onClick={() => setActive(false)}>
              Pause
            </button>
          )
          : (
            <button type="button" className="calcom-button" disabled={busy} onClick={() => setActive(true)}>
              Resume
            </button>
          )}
        <button
          type="button"
          className="calcom-button calcom-danger"
          disabled={busy}
          onClick={() => dialog.current?.showModal()}
        >
          Disconnect
        </button>
      </div>
      {error ? <p className="calcom-error" role="alert">{error}</p> : null}
      <dialog ref={dialog} className="calcom-dialog" aria-labelledby={`${id}-confirm`}>
        <h4 id={`${id}-confirm`}>Disconnect {connection.label}?</h4>
        <p>
          This deletes the{" "}
          {count !== undefined ? `${count} ` : ""}stored bookings of this account, its webhook{" "}
          event log and its sync history from this app, and removes the webhook from Cal.com. Your bookings in
          Cal.com stay as they are.
        </p>
        <div className="calcom-actions">
          <button type="button" className="calcom-button" autoFocus onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" className="calcom-button calcom-danger" disabled={busy} onClick={disconnect}>
            Disconnect
          </button>
        </div>
      </dialog>
    </article>
  );
}
