/**
 * Syncs against a sandbox that serves hosted Cal.com's cursor version of the bookings list
 * (`cal-api-version: 2026-05-01`), and against a self-hosted one that does not.
 */
import assert from "node:assert/strict";
import { type FunctionResponse } from "../../testing/invoke_function.ts";
import { type StackUser, startTestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  postSync,
  syncClock,
} from "../../testing/sync_test_support.ts";
import type { Sandbox } from "../../calcom_sandbox/mod.ts";
import { cursorPageSize } from "../../../supabase/functions/calcom-bookings-sync/cursor_plan.ts";

const AUTO = { CALCOM_BOOKINGS_PAGING: "auto" };

async function syncToTheEnd(user: StackUser, limit = 50): Promise<FunctionResponse[]> {
  const responses: FunctionResponse[] = [];
  for (let i = 0; i < limit; i++) {
    const res = await postSync(user);
    responses.push(res);
    if (res.status === 200 && res.body.status === "succeeded") return responses;
  }
  throw new Error(`No successful run after ${limit} calls`);
}

/** Bookings Cal.com lets one cancel: accepted, not yet begun. */
function cancellable(sandbox: Sandbox, userId: number) {
  return sandbox.bookings(userId).filter((b) =>
    b.status === "accepted" && Date.parse(b.start) > sandbox.now().getTime()
  );
}

const sum = (responses: FunctionResponse[], field: string) =>
  responses.reduce((n, r) => n + r.body[field], 0);

Deno.test("calcom-bookings-sync pages by cursor where Cal.com serves 2026-05-01", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock, env: AUTO });
  const { sandbox } = stack;

  await t.step("a full sync stores every booking in ceil(N / limit) cursor pages", async () => {
    const n = 250;
    const { user, cal, connectionId } = await connectedUser(stack, n, 41);
    const res = await postSync(user);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.mode, "full");
    assert.equal(res.body.count, n);
    assert.equal(res.body.created, n);
    const requests = bookingRequests(stack, cal.apiKey);
    assert.equal(requests.length, Math.ceil(n / cursorPageSize));
    assert.equal(res.body.pages, requests.length);
    for (const [i, r] of requests.entries()) {
      assert.equal(r.version, "2026-05-01");
      assert.equal(r.query.limit, String(cursorPageSize));
      assert.equal(r.query.sortUpdatedAt, "desc");
      assert.equal(r.query.take, undefined);
      assert.equal(r.query.cursor === undefined, i === 0, "every page after the first names its cursor");
    }
    const [connection] = await stack.deps.db.sql`
      select sync_watermark from public.calcom_connections where id = ${connectionId}`;
    const newest = sandbox.bookings(cal.user.id).map((b) => b.updatedAt ?? b.createdAt).sort().at(-1);
    assert.equal(connection.sync_watermark.toISOString(), newest);
    await assertMirrors(stack, connectionId, cal);
  });

  await t.step("an incremental sync reads only what changed since the watermark", async () => {
    const { user, cal, connectionId } = await connectedUser(stack, 300, 42);
    assert.equal((await postSync(user)).body.status, "succeeded");
    sandbox.resetRequests();
    const changed = cancellable(sandbox, cal.user.id).slice(0, 3);
    for (const b of changed) await sandbox.cancelBooking(b.uid, "changed plans");
    const res = await postSync(user);
    assert.equal(res.body.status, "succeeded");
    assert.equal(res.body.mode, "incremental");
    assert.equal(res.body.count, 3);
    assert.equal(res.body.updated, 3);
    const requests = bookingRequests(stack, cal.apiKey);
    assert.equal(requests.length, 1);
    assert.ok(requests[0].query.afterUpdatedAt, "from the watermark");
    assert.equal(requests[0].version, "2026-05-01");
    await assertMirrors(stack, connectionId, cal);
  });
});

Deno.test("a cursor run stopped by its deadline resumes from the saved cursor", async (t) => {
  // A deadline shorter than any request: every call saves exactly one page, then stops.
  await using stack = await startTestStack({
    apps: { sync: { deadlineMs: 1 } },
    clock: syncClock,
    env: AUTO,
  });
  const { sandbox } = stack;

  await t.step("the chain completes without gaps or duplicates, one page per call", async () => {
    const n = 450;
    const { user, cal, connectionId } = await connectedUser(stack, n, 43);
    const responses = await syncToTheEnd(user);
    assert.equal(responses.length, Math.ceil(n / cursorPageSize));
    for (const [i, res] of responses.entries()) {
      assert.equal(res.body.pages, 1);
      assert.equal(res.body.resumedFrom, i === 0 ? null : responses[i - 1].body.syncRunId);
    }
    assert.equal(sum(responses, "count"), n, "each booking fetched once");
    assert.equal(sum(responses, "created"), n);
    const requests = bookingRequests(stack, cal.apiKey);
    assert.equal(requests.length, responses.length, "no page asked twice");
    assert.ok(requests.slice(1).every((r) => r.query.cursor), "resumed runs continue at the saved cursor");
    const [{ count }] = await stack.deps.db.sql`
      select count(*)::int from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
    assert.equal(count, n);
    await assertMirrors(stack, connectionId, cal);
  });

  await t.step("changes made while a chain runs are caught by the next incremental sync", async () => {
    const n = 400;
    const { user, cal, connectionId } = await connectedUser(stack, n, 44);
    const first = await postSync(user);
    assert.equal(first.body.status, "partial");
    // Bookings already read (the newest) and not yet read (the oldest) change between pages: under an
    // offset cursor each move shifts the rest of the list.
    const byUpdated = cancellable(sandbox, cal.user.id)
      .sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)));
    for (const b of [...byUpdated.slice(0, 5), ...byUpdated.slice(-5)]) {
      await sandbox.cancelBooking(b.uid, "changed during the run");
    }
    const rest = await syncToTheEnd(user);
    assert.equal(rest.at(-1)!.body.mode, "full");
    const stored = async () =>
      (await stack.deps.db.sql`
        select count(*)::int from public.calcom_bookings where calcom_connection_id = ${connectionId}`)[0]
        .count;
    // The unread ones that changed moved ahead of the cursor, past the watermark the chain leaves.
    assert.equal(await stored(), n - 5, "every booking that did not change is in");
    const next = await postSync(user);
    assert.equal(next.body.status, "succeeded");
    assert.equal(next.body.mode, "incremental");
    assert.equal(next.body.count, 10, "the ten changed ones, and only those");
    assert.equal(await stored(), n);
    await assertMirrors(stack, connectionId, cal);
  });
});

Deno.test("a saved cursor Cal.com refuses restarts below the oldest booking received", async () => {
  await using stack = await startTestStack({
    apps: { sync: { deadlineMs: 1 } },
    clock: syncClock,
    env: AUTO,
  });
  const n = 350;
  const { user, cal, connectionId } = await connectedUser(stack, n, 46);
  const first = await postSync(user);
  assert.equal(first.body.status, "partial");
  stack.sandbox.expireCursors();
  const rest = await syncToTheEnd(user);
  const requests = bookingRequests(stack, cal.apiKey);
  const refused = requests.filter((r) => r.status === 400);
  assert.equal(refused.length, 1, "the one stale cursor");
  const restart = requests[requests.indexOf(refused[0]) + 1];
  assert.ok(restart.query.beforeUpdatedAt && restart.query.cursor === undefined);
  assert.equal(first.body.count + sum(rest, "count"), n, "each booking written once");
  assert.equal(first.body.created + sum(rest, "created"), n);
  assert.ok(stack.logs.some((line) => line.includes("refused the saved page cursor")));
  await assertMirrors(stack, connectionId, cal);
});

Deno.test("a Cal.com that does not serve 2026-05-01 is paged with 2024-08-13 offsets", async () => {
  await using stack = await startTestStack({
    apps: { sync: true },
    clock: syncClock,
    env: AUTO,
    sandbox: { deployment: "self-hosted" },
  });
  const { user, cal, connectionId } = await connectedUser(stack, 300, 45);
  const res = await postSync(user);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "succeeded");
  assert.equal(res.body.count, 300);
  const requests = bookingRequests(stack, cal.apiKey);
  assert.equal(requests[0].version, "2026-05-01", "the cursor version is tried first");
  assert.ok(requests.slice(1).every((r) => r.version === "2024-08-13" && r.query.take === "250"));
  assert.equal(res.body.pages, requests.length - 1, "the refused request is no page");
  await assertMirrors(stack, connectionId, cal);

  stack.sandbox.resetRequests();
  await stack.sandbox.cancelBooking(cancellable(stack.sandbox, cal.user.id)[0].uid, "later");
  const next = await postSync(user);
  assert.equal(next.body.mode, "incremental");
  assert.equal(next.body.count, 1);
  const again = bookingRequests(stack, cal.apiKey);
  assert.ok(again.every((r) => r.version === "2024-08-13"), "the choice is remembered");
  const notes = stack.logs.filter((line) => line.includes("does not serve cursor paging"));
  assert.equal(notes.length, 1, "and logged once");
  await assertMirrors(stack, connectionId, cal);
});
