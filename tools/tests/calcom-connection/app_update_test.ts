/**
 * PATCH calcom-connection?id=<uuid> over real HTTP: renaming, pausing and resuming one's own connection,
 * the 400s of a body or query it does not take, 404 for anyone else's connection, 401 without a user.
 */
import assert from "node:assert/strict";
import { cronSecretHeader } from "../../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import { insertConnection, syncClock } from "../../testing/sync_test_support.ts";
import { UpdateResultSchema } from "../../../supabase/functions/calcom-connection/responses.ts";
import { ErrorBodySchema } from "../../../supabase/functions/_shared/platform/api_error.ts";
import { type StackUser, startTestStack, type TestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";
const CRON_SECRET = "test-cron-secret-0123456789abcdef0123456789";

function patch(user: Pick<StackUser, "client">, query: string, body: unknown): Promise<FunctionResponse> {
  return invokeFunction(user.client, `${FN}${query}`, { method: "PATCH", body });
}

async function stored(stack: TestStack, id: string) {
  const [row] = await stack.db.sql`
    select label, is_active, last_sync_status, last_sync_error, sync_watermark, updated_at
    from public.calcom_connections where id = ${id}`;
  return { ...row };
}

Deno.test("PATCH calcom-connection renames, pauses and resumes the caller's own connection", async (t) => {
  await using stack = await startTestStack({
    apps: { connection: true, sync: { cronSecret: CRON_SECRET } },
    clock: syncClock,
  });
  const { sandbox } = stack;
  const dana = await stack.signUp();
  const cal = sandbox.addUser({ username: "dana" });
  sandbox.seedBookings(cal.user.id, 3);
  const id = await insertConnection(stack, dana, cal);

  await t.step("a new label answers the connection as GET shows it, and is stored", async () => {
    const res = await patch(dana, `?id=${id}`, { label: "  Work  " });
    assert.equal(res.status, 200);
    const list = await invokeFunction(dana.client, FN, { method: "GET" });
    assert.deepEqual(res.body, { success: true, connection: list.body.connection });
    assert.deepEqual(
      UpdateResultSchema.parse(res.body),
      res.body,
      "the answer is what docs/openapi.json says",
    );
    assert.equal(res.body.connection.label, "Work");
    assert.equal(res.body.connection.isActive, true);
    assert.equal((await stored(stack, id)).label, "Work");
  });

  await t.step("the change is broadcast on the owner's private topic, without the ciphertexts", async () => {
    const messages = await stack.db.sql<
      { event: string; private: boolean; payload: { record: Record<string, unknown> } }[]
    >`
      select event, private, payload from realtime.messages
      where topic = ${`calcom:user:${dana.id}`} and payload ->> 'operation' = 'UPDATE'`;
    assert.equal(messages.length, 1);
    const [{ event, private: isPrivate, payload }] = messages;
    assert.equal(event, "calcom_connections");
    assert.equal(isPrivate, true);
    assert.equal(payload.record.id, id);
    assert.equal(payload.record.label, "Work");
    assert.equal(payload.record.api_key_encrypted, null);
    assert.equal(payload.record.webhook_secret_encrypted, null);
  });

  await t.step("pausing keeps the connection out of the scheduled sync", async () => {
    const res = await patch(dana, `?id=${id}`, { isActive: false });
    assert.equal(res.status, 200);
    assert.equal(res.body.connection.isActive, false);
    assert.equal(res.body.connection.label, "Work");
    const run = await scheduled(stack);
    assert.equal(run.status, 200);
    assert.equal(run.body.connections, 0);
  });

  await t.step("resuming changes nothing else, and the next scheduled sync runs it", async () => {
    const reason = "Cal.com rejected the API key (HTTP 401): connect the account again with a valid key";
    await stack.db.sql`
      update public.calcom_connections set last_sync_status = 'failed', last_sync_error = ${reason}
      where id = ${id}`;
    const before = await stored(stack, id);
    const res = await patch(dana, `?id=${id}`, { isActive: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.connection.isActive, true);
    assert.equal(res.body.connection.lastSyncStatus, "failed");
    assert.equal(res.body.connection.lastSyncError, reason);
    const after = await stored(stack, id);
    assert.deepEqual({ ...after, updated_at: undefined }, {
      ...before,
      is_active: true,
      updated_at: undefined,
    });

    const run = await scheduled(stack);
    assert.equal(run.status, 200);
    assert.deepEqual(
      run.body.results.map((r: { connectionId: string; status: string }) => [r.connectionId, r.status]),
      [[id, "succeeded"]],
    );
    const [counted] = (await invokeFunction(dana.client, FN, { method: "GET" })).body.connections;
    assert.equal(counted.bookingCount, 3);
    assert.equal(counted.lastSyncStatus, "succeeded");
  });

  await t.step(
    "a body or query it does not take is a 400 naming the field, and nothing changes",
    async () => {
      const before = await stored(stack, id);
      const cases: [string, unknown, string][] = [
        [`?id=${id}`, {}, "(root)"],
        [`?id=${id}`, { label: "" }, "label"],
        [`?id=${id}`, { label: "x".repeat(101) }, "label"],
        [`?id=${id}`, { label: 7 }, "label"],
        [`?id=${id}`, { isActive: "yes" }, "isActive"],
        [`?id=${id}`, { isActive: null }, "isActive"],
        [`?id=${id}`, { label: "Mine", userId: crypto.randomUUID() }, "(root)"],
        ["", { isActive: false }, "id"],
      ];
      for (const [query, body, path] of cases) {
        const res = await patch(dana, query, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.success, false);
        assert.equal(res.body.error.code, "invalid_request");
        assert.equal(res.body.error.details.issues[0].path, path, JSON.stringify(body));
        ErrorBodySchema.parse(res.body);
      }
      const notJson = await fetch(`${stack.server.url}/${FN}?id=${id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${dana.token}` },
        body: "{label",
      });
      assert.equal(notJson.status, 400);
      assert.deepEqual(await notJson.json(), {
        success: false,
        error: { code: "invalid_request", message: "Request body is not valid JSON" },
      });
      assert.deepEqual(await stored(stack, id), before);
    },
  );

  await t.step("another user's connection, an unknown or a malformed id is a 404 like DELETE's", async () => {
    const erin = await stack.signUp();
    const before = await stored(stack, id);
    for (const query of [`?id=${id}`, `?id=${crypto.randomUUID()}`, "?id=not-a-uuid"]) {
      const res = await patch(erin, query, { label: "Hijacked", isActive: false });
      assert.equal(res.status, 404, query);
      assert.deepEqual(res.body, {
        success: false,
        error: { code: "not_found", message: "Cal.com connection not found" },
      });
    }
    assert.deepEqual(await stored(stack, id), before);
  });

  await t.step("without a signed-in user's token it is a 401", async () => {
    for (const authorization of [undefined, `Bearer ${stack.anonKey}`, "Bearer nonsense"]) {
      const res = await patch({ client: stack.clientWith(authorization) }, `?id=${id}`, { isActive: false });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.body.error.code, "unauthorized");
    }
    assert.equal((await stored(stack, id)).is_active, true);
  });

  await t.step("a browser may send PATCH: the preflight allows it", async () => {
    const res = await fetch(`${stack.server.url}/${FN}`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "PATCH" },
    });
    await res.body?.cancel();
    assert.equal(res.status, 204);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /PATCH/);
  });
});

/** POST /calcom-bookings-sync/scheduled with the cron secret. */
function scheduled(stack: TestStack): Promise<FunctionResponse> {
  return invokeFunction(stack.clientWith(), "calcom-bookings-sync/scheduled", {
    method: "POST",
    headers: { [cronSecretHeader]: CRON_SECRET },
  });
}
