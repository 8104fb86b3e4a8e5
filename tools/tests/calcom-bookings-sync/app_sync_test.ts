/**
 * POST /calcom-bookings-sync over real HTTP (supabase-js functions.invoke), a real database and the Cal.com
 * sandbox, whose clock runs a day behind ours so the watermark lag never hides a change.
 */
import assert from "node:assert/strict";
import { SyncResultSchema } from "../../../supabase/functions/calcom-bookings-sync/responses.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  fullSyncPages,
  insertConnection,
  postSync,
  rowVersions,
  syncClock,
} from "../../testing/sync_test_support.ts";

const REVOKED_KEY_MESSAGE =
  "Cal.com rejected the API key (HTTP 401): it was revoked or is not valid, so syncing is paused: " +
  "create a new API key in Cal.com (Settings, Developer, API keys) and connect again with it " +
  "(POST calcom-connection): the connection keeps its id, bookings and webhook";

const FN = "calcom-bookings-sync";

Deno.test("calcom-bookings-sync mirrors Cal.com bookings completely, incrementally and safely", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox, deps } = stack;
  const sql = deps.db.sql;
  const runOf = async (id: string) => (await sql`select * from public.calcom_sync_runs where id = ${id}`)[0];

  for (const n of [0, 1, 250, 251, 5000]) {
    await t.step(
      `a first sync of ${n} bookings stores every one in ${fullSyncPages(n)} requests`,
      async () => {
        const { user, cal, connectionId } = await connectedUser(stack, n, n + 1);
        const res = await postSync(user);
        assert.deepEqual(
          SyncResultSchema.parse(res.body),
          res.body,
          "the answer is what docs/openapi.json says",
        );
        const run = await runOf(res.body.syncRunId);
        const [connection] = await sql`select * from public.calcom_connections where id = ${connectionId}`;
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, {
          success: true,
          source: "api",
          count: n,
          created: n,
          updated: 0,
          setAside: 0,
          pages: run.pages,
          status: "succeeded",
          mode: "full",
          lastSynced: connection.last_synced_at.toISOString(),
          syncRunId: run.id,
          resumedFrom: null,
        });
        // One page holds 250; each later page asks again for the boundary booking (ties may reorder), so
        // brings 249 new ones. A tie of seeded updatedAt values on a boundary may cost one page more.
        const requests = bookingRequests(stack, cal.apiKey);
        assert.equal(requests.length, run.pages, "one request per page, none retried");
        assert.ok(run.pages >= fullSyncPages(n) && run.pages <= fullSyncPages(n) + 1, `${run.pages} pages`);
        assert.equal(requests[0].query.status, undefined, "every status, not only accepted and pending");
        assert.equal(run.status, "succeeded");
        assert.equal(run.fetched, n);
        assert.equal(connection.last_sync_status, "succeeded");
        assert.equal(connection.last_sync_error, null);
        const newest = sandbox.bookings(cal.user.id).map((b) => b.updatedAt ?? b.createdAt).sort().at(-1);
        assert.equal(connection.sync_watermark?.toISOString() ?? null, newest ?? null);
        await assertMirrors(stack, connectionId, cal);
      },
    );
  }

  await t.step("a second sync with nothing changed makes one request and writes nothing", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 600, 11);
    assert.equal((await postSync(user)).status, 200);
    const before = await rowVersions(stack, connectionId);
    sandbox.resetRequests();
    const res = await postSync(user);
    assert.equal(res.status, 200);
    assert.equal(res.body.mode, "incremental");
    assert.deepEqual([res.body.count, res.body.created, res.body.updated, res.body.pages], [0, 0, 0, 1]);
    const [request] = bookingRequests(stack, cal.apiKey);
    assert.equal(bookingRequests(stack, cal.apiKey).length, 1);
    assert.equal(request.query.sortUpdatedAt, "asc");
    assert.ok(request.query.afterUpdatedAt);
    assert.deepEqual(await rowVersions(stack, connectionId), before);
  });

  await t.step("after new, cancelled and rescheduled bookings the next sync fetches only those", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 700, 12);
    assert.equal((await postSync(user)).status, 200);
    const [first, second] = sandbox.bookings(cal.user.id).filter((b) =>
      b.status === "accepted" && Date.parse(b.start) > sandbox.now().getTime()
    );
    const created = await sandbox.createBooking(cal.user.id);
    await sandbox.cancelBooking(first.uid, "Conflict");
    const moved = await sandbox.rescheduleBooking(
      second.uid,
      new Date(Date.parse(second.start) + 86_400_000),
    );
    sandbox.resetRequests();
    const res = await postSync(user);
    assert.equal(res.status, 200);
    // New booking, cancelled one, and a reschedule's two: the old (cancelled) and the new booking.
    assert.deepEqual([res.body.count, res.body.created, res.body.updated, res.body.pages], [4, 2, 2, 1]);
    const [cancelled] = await sql`
      select status, cancellation_reason from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${first.uid}`;
    assert.deepEqual(cancelled, { status: "CANCELLED", cancellation_reason: "Conflict" });
    const [old] = await sql`
      select status, rescheduled_to_uid from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${second.uid}`;
    assert.deepEqual(old, { status: "CANCELLED", rescheduled_to_uid: moved.uid });
    assert.ok((await sql`select 1 from public.calcom_bookings where booking_uid = ${created.uid}`).length);
    await assertMirrors(stack, connectionId, cal, 1000);
  });

  await t.step("a newer state a webhook stored is never overwritten by the sync", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 300, 13);
    assert.equal((await postSync(user)).status, 200);
    const target = sandbox.bookings(cal.user.id).find((b) => b.status === "accepted")!;
    const newer = new Date(Date.now() + 3_600_000);
    await sql`
      update public.calcom_bookings set status = 'CANCELLED', cancellation_reason = 'From a webhook',
        source_updated_at = ${newer}
      where calcom_connection_id = ${connectionId} and booking_uid = ${target.uid}`;
    const res = await postSync(user, { full: true });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.mode, res.body.count, res.body.updated], ["full", 300, 0]);
    const [row] = await sql`
      select status, cancellation_reason, source_updated_at from public.calcom_bookings
      where calcom_connection_id = ${connectionId} and booking_uid = ${target.uid}`;
    assert.deepEqual(row, {
      status: "CANCELLED",
      cancellation_reason: "From a webhook",
      source_updated_at: newer,
    });
  });
});

Deno.test("calcom-bookings-sync answers errors with the JSON envelope and records failed runs", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { sandbox } = stack;
  const sql = stack.deps.db.sql;

  await t.step("a key Cal.com rejects fails the run, pauses the connection and answers 400", async () => {
    const user = await stack.signUp();
    const cal = sandbox.addUser();
    const connectionId = await insertConnection(stack, user, cal, {
      apiKey: "cal_test_revoked0000000000000000",
    });
    const res = await postSync(user);
    assert.equal(res.status, 400);
    const [run] =
      await sql`select * from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`;
    assert.deepEqual(res.body, {
      success: false,
      error: {
        code: "invalid_api_key",
        message: REVOKED_KEY_MESSAGE,
        details: {
          count: 0,
          created: 0,
          updated: 0,
          setAside: 0,
          pages: 0,
          status: "failed",
          mode: "full",
          lastSynced: null,
          syncRunId: run.id,
          resumedFrom: null,
        },
      },
    });
    assert.deepEqual([run.status, run.error_code], ["failed", "invalid_api_key"]);
    const [connection] = await sql`
      select is_active, last_sync_status, last_sync_error from public.calcom_connections where id = ${connectionId}`;
    assert.deepEqual(connection, {
      is_active: false,
      last_sync_status: "failed",
      last_sync_error: REVOKED_KEY_MESSAGE,
    });
  });

  await t.step("Cal.com answering 5xx fails the run with 502 calcom_unavailable", async () => {
    const { user, connectionId } = await connectedUser(stack, 10);
    sandbox.setFaults({ path: "/v2/bookings", errorRate: 1, errorStatus: 503 });
    const res = await postSync(user);
    sandbox.setFaults({});
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, "calcom_unavailable");
    assert.equal(res.body.error.details.status, "failed");
    const [run] =
      await sql`select * from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`;
    assert.deepEqual([run.status, run.error_code], ["failed", "calcom_unavailable"]);
    const [connection] = await sql`
      select is_active, last_sync_status from public.calcom_connections where id = ${connectionId}`;
    assert.deepEqual(connection, { is_active: true, last_sync_status: "failed" });
  });

  await t.step("another user's connection is not found", async () => {
    const { connectionId } = await connectedUser(stack);
    const stranger = await stack.signUp();
    const res = await postSync(stranger, { connectionId });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, {
      success: false,
      error: { code: "not_found", message: "Cal.com connection not found" },
    });
    const runs =
      await sql`select 1 from public.calcom_sync_runs where calcom_connection_id = ${connectionId}`;
    assert.equal(runs.length, 0);
  });

  await t.step("a user without a connection gets 404, one with several must name one", async () => {
    const nobody = await stack.signUp();
    const none = await postSync(nobody);
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, "not_found");
    const { user, connectionId } = await connectedUser(stack);
    const second = await insertConnection(stack, user, sandbox.addUser());
    const several = await postSync(user);
    assert.equal(several.status, 400);
    assert.equal(several.body.error.code, "invalid_request");
    assert.deepEqual(new Set(several.body.error.details.connectionIds), new Set([connectionId, second]));
  });

  await t.step("invalid bodies are answered 400 with the offending fields", async () => {
    const { user } = await connectedUser(stack);
    for (
      const [body, path] of [
        [{ full: "yes" }, "full"],
        [{ status: ["accepted"] }, "status"],
        [{ status: "" }, "status"],
        [{ afterStart: "yesterday" }, "afterStart"],
        [{ connectionId: "not-a-uuid" }, "connectionId"],
      ] as const
    ) {
      const res = await postSync(user, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.details.issues[0].path, new RegExp(`^${path}`));
    }
  });

  await t.step("a caller without a user token gets 401", async () => {
    const res = await invokeFunction(stack.clientWith(), FN, { method: "POST", body: {} });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "unauthorized");
  });
});
