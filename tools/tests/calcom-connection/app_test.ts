/**
 * calcom-connection over real HTTP with supabase-js, a real database and the Cal.com sandbox. The
 * functions URL here is local (127.0.0.1), so no webhook is registered; app_webhook_test.ts covers
 * registration with a public URL.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";
import { tablesContaining } from "../../testing/database_scan.ts";
import { signTestJwt } from "../../testing/jwt.ts";
import {
  connectionSecret,
  type ConnectionSecretColumn,
} from "../../../supabase/functions/_shared/platform/connection_secret.ts";

const FN = "calcom-connection";

/** Every text the functions sent back, to prove no secret ever left in a response. */
const responses: string[] = [];

async function call(
  user: StackUser | { client: StackUser["client"] },
  options: Parameters<typeof invokeFunction>[2] & { query?: string } = {},
): Promise<FunctionResponse> {
  const res = await invokeFunction(user.client, `${FN}${options.query ?? ""}`, options);
  responses.push(JSON.stringify(res.body));
  return res;
}

function connect(user: StackUser, body: Record<string, unknown>) {
  return call(user, { method: "POST", body });
}

async function rowsOf(stack: TestStack, userId: string) {
  return await stack.deps.db.sql`
    select id, label, api_key_hint, api_key_encrypted, webhook_secret_encrypted, calcom_user_id, calcom_username,
           calcom_email, calcom_time_zone, calcom_webhook_id, calcom_webhook_error, is_active, created_at
    from public.calcom_connections where user_id = ${userId} order by created_at, id`;
}

Deno.test("calcom-connection connects, lists and disconnects Cal.com accounts over HTTP", async (t) => {
  // A short per-request timeout lets the "Cal.com hangs" case finish in a second
  await using stack = await startTestStack({ apps: { connection: true }, calcom: { timeoutMs: 500 } });
  const open = (ciphertext: string, column: ConnectionSecretColumn, id: string, userId: string) =>
    stack.deps.secrets.decrypt(ciphertext, connectionSecret(column, { id, userId }));
  const { sandbox } = stack;
  const keys: string[] = [];
  const addCalUser = (username?: string) => {
    const added = sandbox.addUser({ username, timeZone: "Europe/Berlin" });
    keys.push(added.apiKey);
    return added;
  };

  await t.step("connecting a valid key answers 201 with the connection and stores it encrypted", async () => {
    const dana = await stack.signUp();
    const cal = addCalUser("dana");
    const res = await connect(dana, { apiKey: cal.apiKey });
    assert.equal(res.status, 201);
    const [row] = await rowsOf(stack, dana.id);
    assert.deepEqual(res.body, {
      success: true,
      message: "Connected Cal.com account dana; webhook not registered: the functions URL is local",
      connection: {
        id: row.id,
        label: "Cal.com dana",
        isActive: true,
        calcomUser: { id: cal.user.id, username: "dana", email: cal.user.email, timeZone: "Europe/Berlin" },
        calcomApiUrl: stack.sandbox.url,
        authKind: "api_key",
        apiKeyHint: cal.apiKey.slice(-4),
        scopes: null,
        webhookUrl: `http://127.0.0.1:54321/functions/v1/calcom-webhook/${row.id}`,
        webhookRegistered: false,
        webhookError: row.calcom_webhook_error,
        lastSynced: null,
        lastSyncStatus: null,
        lastSyncError: null,
        bookingCount: 0,
        webhookHealth: { lastVerifiedAt: null, deliveries24h: 0, refused24h: 0, notApplied24h: 0 },
        createdAt: row.created_at.toISOString(),
      },
      webhookUrl: `http://127.0.0.1:54321/functions/v1/calcom-webhook/${row.id}`,
    });
    assert.equal(row.calcom_user_id, cal.user.id);
    assert.equal(row.calcom_webhook_id, null);
    assert.match(row.calcom_webhook_error, /local address Cal\.com cannot reach/);
    assert.match(row.api_key_encrypted, /^v2\.[0-9a-f]{8}\./);
    assert.match(row.webhook_secret_encrypted, /^v2\.[0-9a-f]{8}\./);
    assert.equal(await open(row.api_key_encrypted, "api_key_encrypted", row.id, dana.id), cal.apiKey);
    assert.match(
      await open(row.webhook_secret_encrypted, "webhook_secret_encrypted", row.id, dana.id),
      /^[0-9a-f]{64}$/,
    );
    assert.deepEqual(sandbox.webhooks(cal.user.id), []);
  });

  await t.step("an account whose username, email and time zone hold NUL is stored with U+FFFD", async () => {
    const user = await stack.signUp();
    const cal = sandbox.addUser({
      username: "nu\u0000ll",
      email: "nu\u0000ll@example.com",
      timeZone: "Europe/\u0000Berlin",
    });
    keys.push(cal.apiKey);
    const res = await connect(user, { apiKey: cal.apiKey });
    assert.equal(res.status, 201);
    assert.equal(
      res.body.message,
      "Connected Cal.com account nu\uFFFDll; webhook not registered: the functions URL is local",
    );
    assert.deepEqual(res.body.connection.calcomUser, {
      id: cal.user.id,
      username: "nu\uFFFDll",
      email: "nu\uFFFDll@example.com",
      timeZone: "Europe/\uFFFDBerlin",
    });
    const [row] = await rowsOf(stack, user.id);
    assert.equal(row.label, "Cal.com nu\uFFFDll");
    assert.equal(row.calcom_username, "nu\uFFFDll");
    assert.equal(row.calcom_email, "nu\uFFFDll@example.com");
    assert.equal(row.calcom_time_zone, "Europe/\uFFFDBerlin");
  });

  await t.step(
    "rotating the webhook secret with a local functions URL is a 400, and nothing changes",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      await connect(user, { apiKey: cal.apiKey });
      const [before] = await rowsOf(stack, user.id);
      const res = await connect(user, { apiKey: cal.apiKey, rotateWebhookSecret: true });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.message, /^Cannot rotate the webhook secret: the functions URL is local/);
      const [after] = await rowsOf(stack, user.id);
      assert.equal(after.webhook_secret_encrypted, before.webhook_secret_encrypted);
    },
  );

  await t.step("GET lists the caller's connections with the hint only", async () => {
    const erin = await stack.signUp();
    const empty = await call(erin, { method: "GET" });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, {
      success: true,
      connected: false,
      connection: null,
      connections: [],
      oauthEnabled: false,
      calcomOrigins: [stack.sandbox.url],
    });

    const cal = addCalUser();
    const created = await connect(erin, { apiKey: cal.apiKey, label: "Work" });
    const res = await call(erin, { method: "GET" });
    assert.equal(res.status, 200);
    assert.equal(res.body.connected, true);
    assert.deepEqual(res.body.connection, created.body.connection);
    assert.deepEqual(res.body.connections, [created.body.connection]);
    assert.equal(res.body.connection.label, "Work");
    assert.equal(res.body.connection.apiKeyHint, cal.apiKey.slice(-4));
    assert.ok(!JSON.stringify(res.body).includes(cal.apiKey));
  });

  await t.step("a malformed key is a 400 naming the field, and Cal.com is never asked", async () => {
    const user = await stack.signUp();
    sandbox.resetRequests();
    for (const apiKey of ["sk_live_0123456789abcdef", "cal_short", "cal_with spaces in it", 42, undefined]) {
      const res = await connect(user, { apiKey });
      assert.equal(res.status, 400, String(apiKey));
      assert.equal(res.body.success, false);
      assert.equal(res.body.error.code, "invalid_request");
      assert.equal(res.body.error.details.issues[0].path, "apiKey");
    }
    assert.deepEqual(sandbox.requests, []);
    assert.deepEqual([...await rowsOf(stack, user.id)], []);
  });

  await t.step("malformed JSON is a 400, not a 500", async () => {
    const user = await stack.signUp();
    const res = await fetch(`${stack.server.url}/${FN}`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
      body: '{"apiKey": "cal_',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      success: false,
      error: { code: "invalid_request", message: "Request body is not valid JSON" },
    });
  });

  await t.step("a key Cal.com rejects is a 400 invalid_api_key", async () => {
    const user = await stack.signUp();
    const unknownKey = "cal_0123456789abcdef0123456789abcdef";
    keys.push(unknownKey);
    const res = await connect(user, { apiKey: unknownKey });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_api_key");
    assert.match(res.body.error.message, /Cal\.com rejected the API key/);
    assert.deepEqual([...await rowsOf(stack, user.id)], []);
  });

  await t.step("an expired key is a 400 invalid_api_key", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const expired = sandbox.addApiKey(cal.user.id, { expiresAt: new Date(Date.now() - 60_000) });
    keys.push(expired);
    const res = await connect(user, { apiKey: expired });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_api_key");
  });

  await t.step(
    "Cal.com failing, hanging or unreachable is a 502 calcom_unavailable and nothing is stored",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      try {
        for (
          const faults of [
            { errorRate: 1 },
            { errorRate: 1, errorStatus: 503 },
            { dropConnection: true },
            { hang: true },
            { malformedBody: true },
          ]
        ) {
          sandbox.setFaults(faults);
          const res = await connect(user, { apiKey: cal.apiKey });
          assert.equal(res.status, 502, JSON.stringify(faults));
          assert.deepEqual(res.body, {
            success: false,
            error: {
              code: "calcom_unavailable",
              message: "Cal.com could not be reached to check the API key: try again later",
            },
          });
        }
      } finally {
        sandbox.setFaults({});
      }
      assert.deepEqual([...await rowsOf(stack, user.id)], []);
    },
  );

  await t.step("requests without a signed-in user's valid token are 401", async () => {
    const user = await stack.signUp();
    const secret = "an-attacker-secret-that-is-at-least-32-chars";
    const tokens: [string, string | undefined][] = [
      ["the anon key", `Bearer ${stack.anonKey}`],
      ["an expired token", `Bearer ${await signTestJwt({ sub: user.id, expiresIn: -10 })}`],
      ["a forged token", `Bearer ${await signTestJwt({ sub: user.id, secret })}`],
      ["a service_role key", `Bearer ${await signTestJwt({ role: "service_role" })}`],
      ["garbage", "Bearer nonsense"],
    ];
    for (const [what, authorization] of tokens) {
      for (const method of ["GET", "POST", "DELETE"] as const) {
        const res = await call({ client: stack.clientWith(authorization) }, {
          method,
          body: method === "POST" ? { apiKey: "cal_0123456789abcdef" } : undefined,
        });
        assert.equal(res.status, 401, `${what} ${method}`);
        assert.equal(res.body.error.code, "unauthorized", `${what} ${method}`);
      }
    }
    const bare = await fetch(`${stack.server.url}/${FN}`);
    assert.equal(bare.status, 401);
    assert.match((await bare.json()).error.message, /Missing authorization header/);
  });

  await t.step("an alg:none token with a valid shape is 401", async () => {
    const user = await stack.signUp();
    const unsigned = await new SignJWT({ role: "authenticated", sub: user.id })
      .setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new Uint8Array(32));
    const [, payload] = unsigned.split(".");
    const token = `${btoa('{"alg":"none"}').replace(/=+$/, "")}.${payload}.`;
    const res = await call({ client: stack.clientWith(`Bearer ${token}`) }, { method: "GET" });
    assert.equal(res.status, 401);
  });

  await t.step("one user may connect two Cal.com accounts", async () => {
    const user = await stack.signUp();
    const first = addCalUser();
    const second = addCalUser();
    const a = await connect(user, { apiKey: first.apiKey, label: "Personal" });
    const b = await connect(user, { apiKey: second.apiKey, label: "Team" });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    const list = await call(user, { method: "GET" });
    assert.deepEqual(list.body.connections.map((c: { label: string }) => c.label), ["Personal", "Team"]);
    assert.equal(list.body.connection.id, a.body.connection.id);
    assert.equal((await rowsOf(stack, user.id)).length, 2);

    const ambiguous = await call(user, { method: "DELETE" });
    assert.equal(ambiguous.status, 400);
    assert.equal(ambiguous.body.error.code, "invalid_request");
    assert.match(ambiguous.body.error.message, /You have 2 Cal\.com connections: pass \?id=/);
    assert.deepEqual(ambiguous.body.error.details.connectionIds, [
      a.body.connection.id,
      b.body.connection.id,
    ]);
    assert.equal((await rowsOf(stack, user.id)).length, 2);
  });

  await t.step("reconnecting the same account updates the connection in place", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const first = await connect(user, { apiKey: cal.apiKey, label: "Mine" });
    const [before] = await rowsOf(stack, user.id);
    await stack.deps.db.sql`update public.calcom_connections set is_active = false where id = ${before.id}`;

    const newKey = sandbox.addApiKey(cal.user.id);
    keys.push(newKey);
    const again = await connect(user, { apiKey: newKey });
    assert.equal(again.status, 200);
    assert.match(again.body.message, /^Reconnected Cal\.com account /);
    assert.equal(again.body.connection.id, first.body.connection.id);
    assert.equal(again.body.connection.label, "Mine");
    assert.equal(again.body.connection.isActive, true);
    assert.equal(again.body.connection.apiKeyHint, newKey.slice(-4));

    const rows = await rowsOf(stack, user.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, before.id);
    assert.deepEqual(rows[0].created_at, before.created_at);
    assert.equal(await open(rows[0].api_key_encrypted, "api_key_encrypted", before.id, user.id), newKey);
    // the webhook secret survives a reconnect, so a webhook registered with it keeps working
    assert.equal(
      await open(rows[0].webhook_secret_encrypted, "webhook_secret_encrypted", before.id, user.id),
      await open(before.webhook_secret_encrypted, "webhook_secret_encrypted", before.id, user.id),
    );
  });

  await t.step("a second user can neither see, update nor delete the first user's connection", async () => {
    const owner = await stack.signUp();
    const stranger = await stack.signUp();
    const cal = addCalUser();
    const created = await connect(owner, { apiKey: cal.apiKey });
    const id = created.body.connection.id;
    const [before] = await rowsOf(stack, owner.id);

    const list = await call(stranger, { method: "GET" });
    assert.deepEqual(list.body, {
      success: true,
      connected: false,
      connection: null,
      connections: [],
      oauthEnabled: false,
      calcomOrigins: [stack.sandbox.url],
    });

    const del = await call(stranger, { method: "DELETE", query: `?id=${id}` });
    assert.equal(del.status, 404);
    assert.deepEqual(del.body, {
      success: false,
      error: { code: "not_found", message: "Cal.com connection not found" },
    });

    // connecting the same Cal.com account makes the stranger's own row and leaves the owner's alone
    const theirs = await connect(stranger, { apiKey: cal.apiKey, label: "Hijack" });
    assert.equal(theirs.status, 201);
    assert.notEqual(theirs.body.connection.id, id);
    const [after] = await rowsOf(stack, owner.id);
    assert.deepEqual({ ...after }, { ...before });
    assert.equal((await rowsOf(stack, stranger.id)).length, 1);
  });

  await t.step(
    "DELETE removes the connection and, by cascade, its bookings, events and sync runs",
    async () => {
      const user = await stack.signUp();
      const cal = addCalUser();
      const created = await connect(user, { apiKey: cal.apiKey });
      const id = created.body.connection.id;
      await stack.deps.db.sql`
      insert into public.calcom_bookings
        (user_id, calcom_connection_id, booking_id, booking_uid, start_time, end_time, status, source_updated_at)
      values (${user.id}, ${id}, 1, 'uid-1', now(), now() + interval '30 minutes', 'ACCEPTED', now())`;
      await stack.deps.db.sql`
      insert into public.calcom_webhook_events (user_id, calcom_connection_id, trigger_event, verified)
      values (${user.id}, ${id}, 'BOOKING_CREATED', false)`;
      await stack.deps.db.sql`
      insert into public.calcom_sync_runs (user_id, calcom_connection_id, trigger, mode, status, finished_at)
      values (${user.id}, ${id}, 'manual', 'full', 'succeeded', now())`;

      const res = await call(user, { method: "DELETE" });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        success: true,
        message: `Disconnected Cal.com account ${cal.user.username}`,
      });
      const [counts] = await stack.deps.db.sql`
      select (select count(*) from public.calcom_connections where id = ${id}) as connections,
             (select count(*) from public.calcom_bookings where calcom_connection_id = ${id}) as bookings,
             (select count(*) from public.calcom_webhook_events where calcom_connection_id = ${id}) as events,
             (select count(*) from public.calcom_sync_runs where calcom_connection_id = ${id}) as runs`;
      assert.deepEqual({ ...counts }, { connections: 0, bookings: 0, events: 0, runs: 0 });
    },
  );

  await t.step(
    "DELETE of an unknown or malformed id is a 404, and with no connection at all too",
    async () => {
      const user = await stack.signUp();
      for (const query of [`?id=${crypto.randomUUID()}`, "?id=not-a-uuid", "?id=1%27%20or%201=1"]) {
        const res = await call(user, { method: "DELETE", query });
        assert.equal(res.status, 404, query);
        assert.equal(res.body.error.code, "not_found");
      }
      const none = await call(user, { method: "DELETE" });
      assert.equal(none.status, 404);
      assert.equal(none.body.error.message, "No Cal.com connection to disconnect");
    },
  );

  await t.step("a ciphertext copied to another row does not decrypt", async () => {
    const user = await stack.signUp();
    const a = addCalUser();
    const b = addCalUser();
    const first = (await connect(user, { apiKey: a.apiKey })).body.connection.id;
    const second = (await connect(user, { apiKey: b.apiKey })).body.connection.id;
    const [source] = await stack.db
      .sql`select api_key_encrypted from public.calcom_connections where id = ${first}`;
    await stack.deps.db.sql`
      update public.calcom_connections set api_key_encrypted = ${source.api_key_encrypted} where id = ${second}`;
    assert.equal(await open(source.api_key_encrypted, "api_key_encrypted", first, user.id), a.apiKey);
    await assert.rejects(
      open(source.api_key_encrypted, "api_key_encrypted", second, user.id),
      /authentication failed/,
    );
  });

  await t.step("an API key copied into the webhook secret column does not decrypt there", async () => {
    const user = await stack.signUp();
    const cal = addCalUser();
    const id = (await connect(user, { apiKey: cal.apiKey })).body.connection.id;
    const [row] = await stack.db
      .sql`select api_key_encrypted from public.calcom_connections where id = ${id}`;
    await assert.rejects(
      open(row.api_key_encrypted, "webhook_secret_encrypted", id, user.id),
      /authentication failed/,
    );
  });

  await t.step("a connection row moved to another user does not decrypt", async () => {
    const owner = await stack.signUp();
    const thief = await stack.signUp();
    const cal = addCalUser();
    const id = (await connect(owner, { apiKey: cal.apiKey })).body.connection.id;
    await stack.deps.db.sql`update public.calcom_connections set user_id = ${thief.id} where id = ${id}`;
    const [row] = await stack.db
      .sql`select api_key_encrypted from public.calcom_connections where id = ${id}`;
    await assert.rejects(
      open(row.api_key_encrypted, "api_key_encrypted", id, thief.id),
      /authentication failed/,
    );
    await stack.deps.db.sql`update public.calcom_connections set user_id = ${owner.id} where id = ${id}`;
  });

  await t.step("a CORS preflight is answered without a token", async () => {
    const res = await fetch(`${stack.server.url}/${FN}`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, x-client-info, apikey, content-type",
      },
    });
    await res.body?.cancel();
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(
      res.headers.get("access-control-allow-headers") ?? "",
      /authorization,x-client-info,apikey,content-type/,
    );
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /DELETE/);
  });

  await t.step("other methods are a 405 envelope", async () => {
    const user = await stack.signUp();
    const res = await call(user, { method: "PUT", body: {} });
    assert.equal(res.status, 405);
    assert.equal(res.body.error.code, "method_not_allowed");
  });

  await t.step("no API key or webhook secret appears in the database, a response or a log line", async () => {
    assert.ok(keys.length >= 5);
    assert.ok(stack.logs.length > 10);
    for (const key of keys) {
      assert.deepEqual(await tablesContaining(stack.deps.db.sql, key), [], "plaintext key in the database");
      assert.ok(!responses.some((r) => r.includes(key)), "key in a response");
      assert.ok(!stack.logs.some((line) => line.includes(key)), "key in a log line");
    }
    const stored = await stack.deps.db
      .sql`select id, user_id, webhook_secret_encrypted from public.calcom_connections`;
    for (const row of stored) {
      const secret = await open(
        row.webhook_secret_encrypted,
        "webhook_secret_encrypted",
        row.id,
        row.user_id,
      );
      assert.deepEqual(
        await tablesContaining(stack.deps.db.sql, secret),
        [],
        "plaintext webhook secret in the database",
      );
      assert.ok(!responses.some((r) => r.includes(secret)), "webhook secret in a response");
      assert.ok(!stack.logs.some((line) => line.includes(secret)), "webhook secret in a log line");
    }
    // the scan itself finds what is there
    assert.deepEqual(await tablesContaining(stack.deps.db.sql, stored[0].webhook_secret_encrypted), [
      "public.calcom_connections",
    ]);
  });
});
