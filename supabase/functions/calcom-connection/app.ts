/**
 * calcom-connection: connect, list and disconnect a user's Cal.com accounts.
 *
 * - `GET /calcom-connection` → `{success, connected, connection, connections, oauthEnabled, calcomOrigins}`
 * - `POST /calcom-connection`
 *   `{apiKey, calcomApiUrl?, label?, webhookSecret?, registerWebhook?, rotateWebhookSecret?}` →
 *   201 new / 200 updated,
 *   `{success, message, connection, webhookUrl}`
 * - `PATCH /calcom-connection?id=<uuid>` `{label?, isActive?}` → `{success, connection}`
 * - `DELETE /calcom-connection?id=<uuid>` → `{success, message}`
 *
 * See docs/api.md for the contract and docs/security.md for how the secrets are kept.
 *
 * @module
 */
import { zValidator } from "@hono/zod-validator";
import type { Hono } from "hono";
import type { CalcomMe } from "../_shared/calcom/schemas.ts";
import { CalcomErrorCode, isCalcomError } from "../_shared/calcom/errors.ts";
import { requireUser, type UserClaims } from "../_shared/platform/auth.ts";
import type { CalcomCallOptions, Deps } from "../_shared/platform/deps.ts";
import type { Tx } from "../_shared/platform/db.ts";
import {
  apiError,
  type AppEnv,
  createFunctionApp,
  jsonBody,
  rejectInvalid,
  safeErrorMessage,
} from "../_shared/platform/http.ts";
import {
  apiKeyHint,
  type ConnectRequest,
  ConnectRequestSchema,
  DisconnectQuerySchema,
  generateWebhookSecret,
} from "./connect_request.ts";
import {
  changeConnection,
  deleteConnection,
  findConnection,
  findOwnConnection,
  insertConnection,
  listConnections,
  listConnectionsWithStats,
  lockCalcomAccount,
  readConnectionStats,
  setWebhookState,
  updateConnection,
} from "./connection_store.ts";
import { type ConnectionRow, toConnectionView } from "./connection_view.ts";
import { UpdateQuerySchema, UpdateRequestSchema } from "./update_request.ts";
import type { ConnectionList, ConnectResult, DisconnectResult, UpdateResult } from "./responses.ts";
import { registerWebhook } from "./register_webhook.ts";
import { type CalcomAccount, calcomAccount } from "./calcom_account.ts";
import { isUuid } from "../_shared/platform/uuid.ts";
import { connectionSecret } from "../_shared/platform/connection_secret.ts";
import { cloudSubscriberUrlProblem, isCalcomCloud, isLocalUrl, webhookUrlFor } from "./webhook_url.ts";
import { lazyRoutes } from "../_shared/platform/lazy_routes.ts";
import { readCredential } from "./oauth_connection_store.ts";
import { calcomForConnection } from "../_shared/oauth/connection_client.ts";
import { allowedServers, serverUrlFor, storedServerFor } from "../_shared/platform/calcom_servers.ts";

/**
 * Longest one request's whole conversation with Cal.com may take (key check, webhook create, list,
 * delete, create again): a person is waiting, and the function must answer before they give up.
 */
export const connectDeadlineMs = 30_000;

/**
 * A person is waiting: fail fast rather than retry through a minute of Cal.com trouble, and end every
 * call at one deadline fixed when the request arrived, so no sequence of calls can outlast it.
 */
function interactive(now: Date): CalcomCallOptions {
  return {
    maxAttempts: 2,
    timeoutMs: 10_000,
    deadlineMs: 20_000,
    deadlineAt: new Date(now.getTime() + connectDeadlineMs),
  };
}

/** Creates the calcom-connection app. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = createFunctionApp("calcom-connection", { log: deps.log });
  const base = deps.config.publicFunctionsUrl;
  const auth = requireUser(deps.verifyUser);
  const servers = allowedServers(deps.config);
  const view = (row: Parameters<typeof toConnectionView>[0]) => toConnectionView(row, base, servers[0]);

  app.get("/", auth, async (c) => {
    const rows = await deps.db.asUser(c.var.user, listConnectionsWithStats);
    const connections = rows.map(view);
    return c.json(
      {
        success: true,
        connected: connections.some((conn) => conn.isActive),
        connection: connections[0] ?? null,
        connections,
        oauthEnabled: deps.config.oauth !== undefined,
        calcomOrigins: servers,
      } satisfies ConnectionList,
    );
  });

  app.post("/", auth, jsonBody(), zValidator("json", ConnectRequestSchema, rejectInvalid), async (c) => {
    const user = c.var.user;
    const body = c.req.valid("json");
    // Only a server the operator listed is ever called: a URL of the caller's own would let anyone make
    // the functions send requests (with a key) wherever they like
    const server = storedServerFor(deps.config, body.calcomApiUrl);
    if (server === undefined) {
      throw apiError(
        400,
        "invalid_request",
        "calcomApiUrl is not a Cal.com server this deployment allows: the operator lists the allowed " +
          "self-hosted servers in CALCOM_API_ORIGINS (see calcomOrigins in GET calcom-connection)",
        { calcomOrigins: servers },
      );
    }
    const serverUrl = serverUrlFor(deps.config, server);
    const calcom = deps.calcom(body.apiKey, { ...interactive(deps.now()), baseUrl: serverUrl });
    if (body.rotateWebhookSecret && isLocalUrl(webhookUrlFor(base, crypto.randomUUID()))) {
      throw apiError(
        400,
        "invalid_request",
        "Cannot rotate the webhook secret: the functions URL is local, so Cal.com's webhook cannot be updated",
      );
    }
    const me = calcomAccount(await validateKey(() => calcom.me()));

    // One transaction, locked on (user, Cal.com account), from reading the row to recording its webhook:
    // concurrent connects of one account run one after the other, so the secret stored and the one
    // Cal.com signs with are the same request's, and no webhook id is overwritten by another's. It stays
    // open across the Cal.com calls, which interactive() bounds.
    const { existing, id, webhook, row } = await deps.db.asService(async (tx) => {
      await lockOrConflict(() => lockCalcomAccount(tx, user.sub, me.id, server));
      const existing = await findOwnConnection(tx, user.sub, me.id, server);
      const id = existing?.id ?? crypto.randomUUID();
      const secret = body.rotateWebhookSecret
        ? generateWebhookSecret()
        : body.webhookSecret ?? (existing && await storedWebhookSecret(deps, existing, user)) ??
          generateWebhookSecret();
      const saved = await saveConnection(deps, tx, user, { id, isNew: !existing, body, me, secret, server });
      const webhook = await webhookState(deps, calcom, {
        serverUrl,
        webhookUrl: webhookUrlFor(base, id),
        secret,
        body,
        existing,
      });
      const state = webhook.state;
      // Each write answers with the row as clients see it, so it is not read again.
      const written = state ? await setWebhookState(tx, id, user.sub, state) : saved;
      const stats = written && await readConnectionStats(tx, id, user.sub);
      return { existing, id, webhook, row: written && stats && { ...written, ...stats } };
    });
    const webhookUrl = webhookUrlFor(base, id);
    const state = webhook.state;
    if (state?.error) c.var.log.warn("webhook not registered", { connectionId: id, reason: state.error });
    if (!row) throw new Error("Connection vanished right after it was saved");
    const who = me.username ?? me.email;
    return c.json(
      {
        success: true,
        message: `${existing ? "Reconnected" : "Connected"} Cal.com account ${who}; ${webhook.note}`,
        connection: view(row),
        webhookUrl,
      } satisfies ConnectResult,
      existing ? 200 : 201,
    );
  });

  app.patch(
    "/",
    auth,
    zValidator("query", UpdateQuerySchema, rejectInvalid),
    jsonBody(),
    zValidator("json", UpdateRequestSchema, rejectInvalid),
    async (c) => {
      const user = c.var.user;
      const { id } = c.req.valid("query");
      const change = c.req.valid("json");
      // As the user: RLS finds only their own connection, the column grants allow only these two columns
      const row = isUuid(id)
        ? await deps.db.asUser(user, async (tx) => {
          const changed = await changeConnection(tx, id, change);
          const stats = changed && await readConnectionStats(tx, id, user.sub);
          return changed && stats && { ...changed, ...stats };
        })
        : undefined;
      if (!row) throw apiError(404, "not_found", "Cal.com connection not found");
      return c.json({ success: true, connection: view(row) } satisfies UpdateResult);
    },
  );

  app.delete("/", auth, zValidator("query", DisconnectQuerySchema, rejectInvalid), async (c) => {
    const user = c.var.user;
    const { id } = c.req.valid("query");
    const target = await pickConnection(deps, user, id);

    let note = "";
    if (target.calcom_webhook_id) {
      const removed = await removeWebhook(deps, user, target.id, target.calcom_webhook_id);
      if (!removed.ok) {
        c.var.log.warn("webhook not removed", { connectionId: target.id, error: removed.error });
        note =
          "; its Cal.com webhook could not be removed: delete it in Cal.com under Settings → Developer → " +
          "Webhooks";
      }
    }
    const deleted = await deps.db.asService((tx) => deleteConnection(tx, target.id, user.sub));
    if (!deleted) throw apiError(404, "not_found", "Cal.com connection not found");
    return c.json(
      {
        success: true,
        message: `Disconnected Cal.com account ${target.calcom_username ?? target.label}${note}`,
      } satisfies DisconnectResult,
    );
  });

  // "Continue with Cal.com": its flow's modules are imported on the first OAuth request (lazy_routes.ts)
  lazyRoutes(
    app,
    [{ method: "POST", path: "/oauth/start" }, { method: "GET", path: "/oauth/callback" }],
    async (into) => {
      (await import("./oauth_app.ts")).registerOAuthRoutes(into, deps);
    },
  );

  app.all("/", () => {
    throw apiError(405, "method_not_allowed", "Use GET, POST, PATCH or DELETE on calcom-connection");
  });

  return app;
}

/** Failures the client names itself (its messages hold no secret and nothing Cal.com said). */
const clientVerdicts: ReadonlySet<string> = new Set([
  CalcomErrorCode.tooLarge,
  CalcomErrorCode.redirect,
  CalcomErrorCode.deadline,
]);

/** Calls Cal.com to validate a key: a refused key is the caller's problem, anything else is Cal.com's. */
async function validateKey(me: () => Promise<CalcomMe>): Promise<CalcomMe> {
  try {
    return await me();
  } catch (err) {
    if (isCalcomError(err) && (err.status === 401 || err.status === 403)) {
      throw apiError(
        400,
        "invalid_api_key",
        "Cal.com rejected the API key: check that it is complete and not expired or revoked",
      );
    }
    if (isCalcomError(err) && clientVerdicts.has(err.code)) {
      throw apiError(502, "calcom_unavailable", `Cannot check the API key: ${safeErrorMessage(err)}`);
    }
    if (isCalcomError(err)) {
      throw apiError(
        502,
        "calcom_unavailable",
        "Cal.com could not be reached to check the API key: try again later",
      );
    }
    throw err;
  }
}

/** Takes a lock; another request holding it too long is a 409 the caller may retry. */
async function lockOrConflict(lock: () => Promise<void>): Promise<void> {
  try {
    await lock();
  } catch (err) {
    if ((err as { code?: unknown }).code !== "55P03") throw err;
    throw apiError(409, "conflict", "This Cal.com account is being connected by another request: try again");
  }
}

/** The webhook secret kept from an earlier connect, so an existing webhook stays valid; undefined if unreadable. */
async function storedWebhookSecret(
  deps: Deps,
  existing: { id: string; webhook_secret_encrypted: string },
  user: UserClaims,
): Promise<string | undefined> {
  try {
    return await deps.secrets.decrypt(
      existing.webhook_secret_encrypted,
      connectionSecret("webhook_secret_encrypted", { id: existing.id, userId: user.sub }),
    );
  } catch {
    // e.g. its key was retired: a new secret and a re-registered webhook repair it
    return undefined;
  }
}

/** Writes the connection (new or reconnected) and returns it as clients see it. */
async function saveConnection(
  deps: Deps,
  tx: Tx,
  user: UserClaims,
  input: {
    id: string;
    isNew: boolean;
    body: ConnectRequest;
    me: CalcomAccount;
    secret: string;
    server: string | null;
  },
): Promise<ConnectionRow> {
  const { id, body, me } = input;
  // Each ciphertext is bound to its row, column and owner: it opens nowhere else. Every write stores
  // both in the current format, which is how older (v1) ciphertexts are re-encrypted.
  const owner = { id, userId: user.sub };
  const write = {
    id,
    userId: user.sub,
    label: body.label ?? (input.isNew ? `Cal.com ${me.username ?? me.email}`.slice(0, 100) : undefined),
    apiKeyEncrypted: await deps.secrets.encrypt(body.apiKey, connectionSecret("api_key_encrypted", owner)),
    apiKeyHint: apiKeyHint(body.apiKey),
    webhookSecretEncrypted: await deps.secrets.encrypt(
      input.secret,
      connectionSecret("webhook_secret_encrypted", owner),
    ),
    calcomUserId: me.id,
    calcomApiUrl: input.server,
    calcomUsername: me.username ?? null,
    calcomEmail: me.email,
    calcomTimeZone: me.timeZone ?? null,
  };
  const saved = input.isNew ? await insertConnection(tx, write) : await updateConnection(tx, write);
  if (!saved) {
    throw apiError(409, "conflict", "This Cal.com account is being connected by another request: try again");
  }
  return saved;
}

/** What to record about the webhook (nothing when it stays as it was) and what to tell the caller. */
async function webhookState(
  deps: Deps,
  calcom: ReturnType<Deps["calcom"]>,
  input: {
    serverUrl: string;
    webhookUrl: string;
    secret: string;
    body: ConnectRequest;
    existing: ConnectionRow | undefined;
  },
): Promise<{ state?: { webhookId: string | null; error: string | null }; note: string }> {
  if (input.body.registerWebhook === false) {
    return { note: "webhook registration skipped as requested" };
  }
  const cloudProblem = isCalcomCloud(input.serverUrl) ? cloudSubscriberUrlProblem(input.webhookUrl) : null;
  if (cloudProblem) {
    const error = `Not registered: ${cloudProblem}, and the functions URL is ` +
      `${deps.config.publicFunctionsUrl} (set PUBLIC_FUNCTIONS_URL to the functions' public https:// URL)`;
    return input.existing?.calcom_webhook_id
      ? { note: "webhook left as it was (the functions URL is not one Cal.com's cloud accepts)" }
      : {
        state: { webhookId: null, error },
        note: "webhook not registered: the functions URL is not one Cal.com's cloud accepts",
      };
  }
  if (isLocalUrl(input.webhookUrl)) {
    const error =
      `Not registered: ${deps.config.publicFunctionsUrl} is a local address Cal.com cannot reach ` +
      "(set PUBLIC_FUNCTIONS_URL to the functions' public URL)";
    // A webhook registered earlier, from a public URL, is left alone
    return input.existing?.calcom_webhook_id
      ? { note: "webhook left as it was (local functions URL)" }
      : { state: { webhookId: null, error }, note: "webhook not registered: the functions URL is local" };
  }
  const result = await registerWebhook(calcom, { subscriberUrl: input.webhookUrl, secret: input.secret });
  if (result.webhookId === null) {
    return {
      state: { webhookId: null, error: result.error },
      note: "the webhook could not be registered (see webhookError)",
    };
  }
  return { state: { webhookId: result.webhookId, error: null }, note: "webhook registered" };
}

/** The connection a DELETE means: the given id, or the only one. Someone else's is not found. */
async function pickConnection(deps: Deps, user: UserClaims, id: string | undefined): Promise<ConnectionRow> {
  if (id !== undefined) {
    const row = isUuid(id) ? await deps.db.asUser(user, (tx) => findConnection(tx, id)) : undefined;
    if (!row) throw apiError(404, "not_found", "Cal.com connection not found");
    return row;
  }
  const rows = await deps.db.asUser(user, listConnections);
  if (rows.length === 0) throw apiError(404, "not_found", "No Cal.com connection to disconnect");
  if (rows.length > 1) {
    throw apiError(
      400,
      "invalid_request",
      `You have ${rows.length} Cal.com connections: pass ?id=<connection id> to choose one`,
      { connectionIds: rows.map((r) => r.id) },
    );
  }
  return rows[0];
}

/** Deletes the connection's webhook at Cal.com; one that is already gone counts as removed. */
async function removeWebhook(
  deps: Deps,
  user: UserClaims,
  id: string,
  webhookId: string,
): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    const credential = await deps.db.asService((tx) => readCredential(tx, id, user.sub));
    if (!credential) return { ok: true };
    // an OAuth connection's token is refreshed first if need be: its webhook goes while the grant works
    const calcom = await calcomForConnection(deps, credential, interactive(deps.now()));
    await calcom.deleteWebhook(webhookId);
    return { ok: true };
  } catch (err) {
    if (isCalcomError(err) && err.status === 404) return { ok: true };
    return { ok: false, error: err };
  }
}
