import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

const V2026 = { "cal-api-version": "2026-05-01" };

/**
 * The keys of `GET /v2/bookings` (2026-05-01) as recorded from hosted Cal.com on 2026-08-19
 * (NangoHQ/integration-templates `integrations/cal-com-v2/tests/bookings.test.json`, corrections §7):
 * request `limit=100&sortUpdatedAt=asc`, answer `{status, data, pagination: {nextCursor, hasMore}}`.
 */
const RECORDED = {
  envelope: ["status", "data", "pagination"],
  pagination: ["nextCursor", "hasMore"],
  booking: [
    "id",
    "uid",
    "title",
    "description",
    "hosts",
    "status",
    "cancellationReason",
    "cancelledByEmail",
    "rescheduledByEmail",
    "start",
    "end",
    "duration",
    "eventTypeId",
    "eventType",
    "meetingUrl",
    "location",
    "absentHost",
    "createdAt",
    "updatedAt",
    "metadata",
    "rating",
    "icsUid",
    "attendees",
    "bookingFieldsResponses",
  ],
  host: ["id", "name", "email", "displayEmail", "username", "timeZone"],
  attendee: ["name", "email", "displayEmail", "timeZone", "language", "absent"],
} as const;

type Page = {
  status: string;
  data: Array<Record<string, unknown>>;
  pagination: { nextCursor: string | null; hasMore: boolean };
};

Deno.test("the 2026-05-01 bookings list answers in the shape recorded from hosted Cal.com", async () => {
  await using sandbox = await startSandbox({ seed: 5 });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 3, { seed: 5 });
  const res = await calFetch(sandbox, apiKey, "/v2/bookings?limit=100&sortUpdatedAt=asc", { headers: V2026 });
  assert.equal(res.status, 200);
  const page = res.json as unknown as Page;
  assert.deepEqual(Object.keys(page), RECORDED.envelope);
  assert.equal(page.status, "success");
  assert.deepEqual(page.pagination, { nextCursor: null, hasMore: false });
  assert.equal(page.data.length, 3);
  for (const booking of page.data) {
    for (const key of RECORDED.booking) assert.ok(key in booking, `booking has ${key}`);
    assert.equal(booking.rescheduledByEmail, null, "rescheduledByEmail is there, null");
    assert.match(String(booking.status), /^[a-z_]+$/, "status is lowercase");
    const host = (booking.hosts as Array<Record<string, unknown>>)[0];
    for (const key of RECORDED.host) assert.ok(key in host, `host has ${key}`);
    const attendee = (booking.attendees as Array<Record<string, unknown>>)[0];
    for (const key of RECORDED.attendee) assert.ok(key in attendee, `attendee has ${key}`);
  }
  const times = page.data.map((b) => String(b.updatedAt));
  assert.deepEqual(times, [...times].sort(), "sorted by updatedAt as asked");
  assert.ok(res.headers.get("x-ratelimit-limit-default"), "the rate-limit headers as before");
});

Deno.test("following nextCursor reads every booking once, limit per page", async () => {
  await using sandbox = await startSandbox({ seed: 7 });
  const { user, apiKey } = sandbox.addUser();
  const uids = sandbox.seedBookings(user.id, 23, { seed: 7 });
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=10&sortUpdatedAt=desc${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await calFetch(sandbox, apiKey, `/v2/bookings?${query}`, { headers: V2026 });
    assert.equal(res.status, 200);
    const page = res.json as unknown as Page;
    pages++;
    seen.push(...page.data.map((b) => String(b.uid)));
    assert.equal(page.pagination.hasMore, page.pagination.nextCursor !== null);
    cursor = page.pagination.nextCursor;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual([...seen].sort(), [...uids].sort());
});

Deno.test("a cursor the sandbox did not make and a limit out of range are refused with 400", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const bad = await calFetch(sandbox, apiKey, "/v2/bookings?cursor=not-a-cursor", { headers: V2026 });
  assert.equal(bad.status, 400);
  assert.equal((bad.json.error as { code: string }).code, "BadRequestException");
  const big = await calFetch(sandbox, apiKey, "/v2/bookings?limit=251", { headers: V2026 });
  assert.equal(big.status, 400);
});

Deno.test("a cursor handed out before expireCursors is refused with 400", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 3);
  const first = await calFetch(sandbox, apiKey, "/v2/bookings?limit=1", { headers: V2026 });
  const cursor = (first.json as unknown as Page).pagination.nextCursor;
  assert.ok(cursor);
  sandbox.expireCursors();
  const stale = await calFetch(sandbox, apiKey, `/v2/bookings?limit=1&cursor=${cursor}`, { headers: V2026 });
  assert.equal(stale.status, 400);
});

Deno.test("a self-hosted sandbox answers 2026-05-01 with the legacy list, as the open source does", async () => {
  await using sandbox = await startSandbox({ deployment: "self-hosted" });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 2);
  const res = await calFetch(sandbox, apiKey, "/v2/bookings?limit=10", { headers: V2026 });
  assert.equal(res.status, 200);
  const data = res.json.data as Record<string, unknown>;
  assert.ok(!Array.isArray(data), "data is the legacy object, not a list");
  assert.deepEqual(Object.keys(data).sort(), ["bookings", "nextCursor", "recurringInfo"]);
  assert.equal(res.json.pagination, undefined);
});
