/**
 * `listBookingsByCursor` over real HTTP against the sandbox: hosted Cal.com's 2026-05-01 page, and the
 * answers that mean the version is not served or the cursor was refused.
 */
import assert from "node:assert/strict";
import { startSandbox } from "../../../calcom_sandbox/mod.ts";
import { createCalcomClient } from "../../../../supabase/functions/_shared/calcom/client.ts";
import { CalcomErrorCode, isCalcomError } from "../../../../supabase/functions/_shared/calcom/errors.ts";

const quick = { sleep: () => Promise.resolve(), maxAttempts: 1 };

Deno.test("a cursor page reads its bookings and the cursor of the next one", async () => {
  await using sandbox = await startSandbox({ seed: 3 });
  const { user, apiKey } = sandbox.addUser();
  const uids = sandbox.seedBookings(user.id, 5, { seed: 3 });
  const client = createCalcomClient({ apiKey, baseUrl: sandbox.url, ...quick });
  const first = await client.listBookingsByCursor({ limit: 3, sortUpdatedAt: "desc" });
  assert.equal(first.bookings.length, 3);
  assert.equal(first.hasMore, true);
  assert.ok(first.nextCursor);
  assert.ok(first.readAt);
  const second = await client.listBookingsByCursor({
    limit: 3,
    sortUpdatedAt: "desc",
    cursor: first.nextCursor,
  });
  assert.deepEqual(second.hasMore, false);
  assert.equal(second.nextCursor, null);
  assert.deepEqual([...first.bookings, ...second.bookings].map((b) => b.uid).sort(), [...uids].sort());
  const request = sandbox.requests.at(-1)!;
  assert.equal(request.version, "2026-05-01");
  assert.deepEqual(request.query.limit, "3");
});

Deno.test("a self-hosted instance's legacy answer means the version is not served", async () => {
  await using sandbox = await startSandbox({ deployment: "self-hosted" });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 2);
  const client = createCalcomClient({ apiKey, baseUrl: sandbox.url, ...quick });
  await assert.rejects(
    client.listBookingsByCursor(),
    (err) => isCalcomError(err, CalcomErrorCode.versionNotServed),
  );
});

Deno.test("a 404 means the version is not served; a 400 to a later page, a refused cursor", async () => {
  const answer = (status: number) => () =>
    Promise.resolve(Response.json({ status: "error", error: { code: "X", message: "no" } }, { status }));
  const client = (status: number) =>
    createCalcomClient({
      apiKey: "cal_live_x",
      baseUrl: "https://cal.example",
      fetch: answer(status),
      ...quick,
    });
  await assert.rejects(
    client(404).listBookingsByCursor(),
    (err) => isCalcomError(err, CalcomErrorCode.versionNotServed),
  );
  await assert.rejects(
    client(400).listBookingsByCursor({ cursor: "stale" }),
    (err) => isCalcomError(err, CalcomErrorCode.cursorRefused),
  );
  await assert.rejects(
    client(400).listBookingsByCursor(),
    (err) => isCalcomError(err, CalcomErrorCode.versionNotServed),
  );
  await assert.rejects(
    client(401).listBookingsByCursor(),
    (err) => isCalcomError(err) && err.status === 401 && err.code !== CalcomErrorCode.versionNotServed,
    "a refused key stays what it is",
  );
});
