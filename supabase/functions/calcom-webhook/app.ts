/**
 * The calcom-webhook function: Cal.com's signed deliveries for one connection
 * (`POST /calcom-webhook/:connectionId`, no JWT: the signature is the authentication), and the owner's
 * replay of events that were not processed (`POST /calcom-webhook/:connectionId/replay`, user JWT).
 * See `docs/api.md`.
 *
 * @module
 */
import type { Hono } from "hono";
import { requireUser } from "../_shared/platform/auth.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { type AppEnv, createFunctionApp } from "../_shared/platform/http.ts";
import { createConnectionCache } from "./connection_cache.ts";
import { receiveDelivery } from "./receive_delivery.ts";
import { replayEvents } from "./replay_events.ts";
import { DEFAULT_WEBHOOK_QUOTA, type WebhookQuota } from "./webhook_quota.ts";
import { connectionNotFound, findOwnConnection, isConnectionId } from "./webhook_connection.ts";
import type { ReplayResponse } from "./responses.ts";

/** Limits, changeable for tests. */
export interface WebhookAppOptions {
  /** Largest accepted body in bytes (default 1 MB). */
  maxBodyBytes?: number;
  /** Unverified deliveries logged per connection and rolling hour (default 100). */
  unverifiedPerHour?: number;
  /** Events one replay call re-processes at most (default 500). */
  replayBatch?: number;
  /** How long a connection read for a delivery serves the next ones (default 60 s: connection_cache.ts). */
  connectionTtlMs?: number;
  /** What signed deliveries may store per connection (defaults: `DEFAULT_WEBHOOK_QUOTA`). */
  quota?: Partial<WebhookQuota>;
}

/** Builds the app. */
export function createApp(deps: Deps, options: WebhookAppOptions = {}): Hono<AppEnv> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const unverifiedPerHour = options.unverifiedPerHour ?? 100;
  const replayBatch = options.replayBatch ?? 500;
  const quota = { ...DEFAULT_WEBHOOK_QUOTA, ...options.quota };
  const app = createFunctionApp("calcom-webhook", { log: deps.log, maxBodyBytes });

  const connections = createConnectionCache({ now: deps.now, ttlMs: options.connectionTtlMs });
  app.post(
    "/:connectionId",
    (c) => receiveDelivery(c, deps, { unverifiedPerHour, connections, quota }),
  );

  app.post("/:connectionId/replay", requireUser(deps.verifyUser), async (c) => {
    const connectionId = c.req.param("connectionId");
    if (!isConnectionId(connectionId)) throw connectionNotFound();
    // ownership is decided by RLS, as the user; the replay itself writes as service role
    const connection = await deps.db.asUser(c.var.user, (tx) => findOwnConnection(tx, connectionId));
    if (!connection) throw connectionNotFound();
    const result = await replayEvents(deps, connection, replayBatch);
    return c.json({ success: true, ...result } satisfies ReplayResponse);
  });

  return app;
}
