/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `<CalcomSettings supabase={supabase} />`: the settings section an app drops into its settings page.
 * Connect Cal.com accounts (with an API key, or "Continue with Cal.com" where OAuth is configured: the
 * outcome comes back in the page's query, which is read once and removed), see and manage each one (sync, webhook, pause, disconnect) and the recent
 * bookings. It talks to the functions only through the typed client, styles itself through the
 * `--calcom-*` custom properties of calcom_settings.css, and stays current through Supabase Realtime
 * (private channel `calcom:user:<user id>`) or, where Realtime is not available, by polling.
 *
 * @module
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { SupabaseClient } from "@supabase/supabase-js";
import {
  type CalcomClient,
  type ConnectionView,
  createCalcomClient,
} from "../client/calcom_supabase_client.ts";
import { ConnectForm } from "./ConnectForm.tsx";
import { ConnectionCard } from "./ConnectionCard.tsx";
import { humanError } from "./error_messages.ts";
import { oauthReturnMessage, readOAuthReturn } from "./oauth_return.ts";
import { RecentBookings } from "./RecentBookings.tsx";

/** Props of {@linkcode CalcomSettings}. */
export interface CalcomSettingsProps {
  /** The app's supabase-js client, signed in as the user. */
  supabase: SupabaseClient;
  /** A client to use instead of one made from `supabase`. */
  client?: CalcomClient;
  /**
   * The signed-in user's id: with it (and `realtime` not false) the component listens on the private
   * Realtime channel `calcom:user:<userId>`; without it, or while Realtime is not connected, it polls.
   */
  userId?: string;
  /** Listen to Realtime when `userId` is known (default true). */
  realtime?: boolean;
  /** Polling interval in ms while Realtime is not connected (default 10 000; 0 turns polling off). */
  pollIntervalMs?: number;
  /** Bookings per page of Recent Bookings (default 10, at most 250). */
  pageSize?: number;
  /** The time zone bookings are shown in (default the viewer's). */
  timeZone?: string;
  /** The clock for "upcoming" and relative times (default the real one). */
  now?: () => Date;
  /** Extra class names on the root element. */
  className?: string;
}

type Connections = { kind: "loading" } | { kind: "ready"; list: ConnectionView[] } | {
  kind: "error";
  message: string;
  list?: ConnectionView[];
};

const realNow = () => new Date();

/** The Cal.com settings section. */
export function CalcomSettings(props: CalcomSettingsProps) {
  const { supabase, userId, realtime = true, pollIntervalMs = 10_000, pageSize = 10, timeZone } = props;
  const now = props.now ?? realNow;
  const client = useMemo(() => props.client ?? createCalcomClient(supabase), [props.client, supabase]);
  const [connections, setConnections] = useState<Connections>({ kind: "loading" });
  const [refreshKey, setRefreshKey] = useState(0);
  const [live, setLive] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [oauthError, setOAuthError] = useState<string | null>(null);
  const [oauthEnabled, setOAuthEnabled] = useState(false);
  const [calcomOrigins, setCalcomOrigins] = useState<string[]>([]);
  const refresh = useCallback(() => setRefreshKey((k) => k + 1), []);

  useEffect(() => {
    let cancelled = false;
    client.list().then(({ connections: list, oauthEnabled, calcomOrigins }) => {
      if (cancelled) return;
      setConnections({ kind: "ready", list });
      setOAuthEnabled(oauthEnabled);
      setCalcomOrigins(calcomOrigins);
    }).catch((err) => {
      if (cancelled) return;
      setConnections((old) => ({
        kind: "error",
        message: humanError(err, "load").message,
        list: old.kind === "loading" ? undefined : old.list,
      }));
    });
    return () => {
      cancelled = true;
    };
  }, [client, refreshKey]);

  // Back from Cal.com's consent page: say how it went, once, and take the outcome out of the address bar
  useEffect(() => {
    if (typeof globalThis.location === "undefined") return;
    const { outcome, cleanUrl } = readOAuthReturn(globalThis.location.href);
    if (!outcome) return;
    globalThis.history.replaceState(globalThis.history.state, "", cleanUrl);
    const said = oauthReturnMessage(outcome);
    if (said.ok) setNotice(said.message);
    else setOAuthError(said.message);
  }, []);

  useEffect(() => {
    if (!realtime || !userId) return;
    // Broadcast from the database: one private channel per user, one event per table.
    const channel = supabase.channel(`calcom:user:${userId}`, { config: { private: true } })
      .on("broadcast", { event: "*" }, () => refresh())
      .subscribe((status) => setLive(status === "SUBSCRIBED"));
    return () => {
      setLive(false);
      supabase.removeChannel(channel);
    };
  }, [supabase, realtime, userId, refresh]);

  useEffect(() => {
    if (live || pollIntervalMs <= 0) return;
    const timer = setInterval(() => {
      if (typeof document === "undefined" || document.visibilityState !== "hidden") refresh();
    }, pollIntervalMs);
    return () => clearInterval(timer);
  }, [live, pollIntervalMs, refresh]);

  const list = connections.kind === "loading" ? undefined : connections.list;

  return (
    <div className={`calcom-settings${props.className ? ` ${props.className}` : ""}`}>
      <h2 className="calcom-title">Cal.com</h2>
      {notice ? <p className="calcom-ok" role="status">{notice}</p> : null}
      {oauthError ? <p className="calcom-error" role="alert">{oauthError}</p> : null}
      {connections.kind === "loading" ? <p role="status">Loading your Cal.com accounts…</p> : null}
      {connections.kind === "error"
        ? <p className="calcom-error" role="alert">{connections.message}</p>
        : null}
      {list && list.length === 0
        ? <p className="calcom-empty">No Cal.com account is connected yet.</p>
        : null}
      {list?.map((connection) => (
        <ConnectionCard
          key={connection.id}
          client={client}
          connection={connection}
          now={now}
          timeZone={timeZone}
          oauthEnabled={oauthEnabled}
          onChanged={refresh}
        />
      ))}
      {list
        ? (
          <ConnectForm
            client={client}
            hasConnections={list.length > 0}
            oauthEnabled={oauthEnabled}
            calcomOrigins={calcomOrigins}
            onConnected={(_, message) => {
              setOAuthError(null);
              setNotice(message);
              refresh();
            }}
          />
        )
        : null}
      {list && list.length > 0
        ? (
          <RecentBookings
            client={client}
            now={now}
            timeZone={timeZone}
            pageSize={Math.min(250, Math.max(1, pageSize))}
            refreshKey={refreshKey}
            accounts={list.filter((c) => c.isActive).map((c) => ({ id: c.id, label: c.label }))}
          />
        )
        : null}
    </div>
  );
}
