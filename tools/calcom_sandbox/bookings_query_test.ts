import assert from "node:assert/strict";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

const NOW = "2025-06-01T12:00:00.000Z";

interface Fixture {
  sandbox: Sandbox;
  apiKey: string;
  userId: number;
  uids: Record<string, string>;
}

/** A user with one booking of every kind relevant to the status table, at a frozen "now". */
async function fixture(): Promise<Fixture> {
  const sandbox = await startSandbox();
  sandbox.setNow("2025-05-01T00:00:00.000Z");
  const { user, apiKey } = sandbox.addUser({ username: "dana" });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  const uids: Record<string, string> = {};
  const book = async (name: string, start: string, input: Record<string, unknown> = {}) => {
    sandbox.advanceTime(60_000);
    uids[name] = (await sandbox.createBooking(user.id, { start, ...input })).uid;
  };
  await book("pastAccepted", "2025-05-20T10:00:00Z", {
    attendee: { name: "Sam Guest", email: "sam+x@example.org" },
  });
  await book("futureAccepted", "2025-06-10T10:00:00Z", {
    attendee: { name: "Lee Client", email: "lee@example.net" },
  });
  await book("futurePending", "2025-06-11T10:00:00Z", { eventTypeId: types.consult });
  await book("pastPending", "2025-05-21T10:00:00Z", { eventTypeId: types.consult });
  await book("futureCancelled", "2025-06-12T10:00:00Z");
  await book("futureRejected", "2025-06-13T10:00:00Z", { eventTypeId: types.consult });
  await book("recurringAccepted", "2025-06-05T09:00:00Z", { eventTypeId: types["weekly-sync"] });
  await book("recurringPending", "2025-06-06T09:00:00Z", {
    eventTypeId: types["weekly-sync"],
    status: "PENDING",
  });
  sandbox.advanceTime(60_000);
  await sandbox.cancelBooking(uids.futureCancelled, "No longer needed");
  await sandbox.rejectBooking(uids.futureRejected, "Not available");
  sandbox.setNow(NOW);
  return { sandbox, apiKey, userId: user.id, uids };
}

async function list(f: Fixture, query: string) {
  const res = await calFetch(f.sandbox, f.apiKey, `/v2/bookings?${query}`);
  assert.equal(res.status, 200, res.text);
  return {
    uids: (res.json.data as Array<{ uid: string }>).map((b) => b.uid),
    data: res.json.data as Array<Record<string, unknown>>,
    pagination: res.json.pagination as Record<string, unknown>,
  };
}

function names(f: Fixture, uids: string[]): string[] {
  const byUid = Object.fromEntries(Object.entries(f.uids).map(([k, v]) => [v, k]));
  return [...new Set(uids.map((u) => byUid[u] ?? "occurrence"))];
}

Deno.test("each status filter selects the bookings of Cal.com's status table", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const expected: Record<string, string[]> = {
    upcoming: ["futureAccepted", "futurePending", "recurringAccepted"],
    recurring: ["recurringAccepted", "recurringPending"],
    past: ["pastAccepted", "pastPending"],
    cancelled: ["futureCancelled", "futureRejected"],
    unconfirmed: ["futurePending", "recurringPending"],
  };
  for (const [status, want] of Object.entries(expected)) {
    const { uids } = await list(f, `status=${status}&take=250`);
    assert.deepEqual(names(f, uids).filter((n) => n !== "occurrence").sort(), [...want].sort(), status);
  }
});

Deno.test("upcoming, recurring and unconfirmed leave out bookings that started over an hour ago", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow("2025-05-01T00:00:00.000Z");
  const { user, apiKey } = sandbox.addUser();
  const consult = sandbox.eventTypes(user.id).find((e) => e.requiresConfirmation)!;
  const weekly = sandbox.eventTypes(user.id).find((e) => e.slug === "weekly-sync")!;
  const threeHours = { lengthInMinutes: 180 };
  const long = await sandbox.createBooking(user.id, { start: "2025-06-01T10:00:00Z", ...threeHours });
  const pending = await sandbox.createBooking(user.id, {
    start: "2025-06-01T10:00:00Z",
    eventTypeId: consult.id,
    ...threeHours,
  });
  const [series] = await sandbox.createRecurringBooking(user.id, {
    start: "2025-06-01T10:00:00Z",
    eventTypeId: weekly.id,
    ...threeHours,
  });
  const listed = async (status: string) => {
    const res = await calFetch(sandbox, apiKey, `/v2/bookings?status=${status}&take=250`);
    return new Set((res.json.data as { uid: string }[]).map((b) => b.uid));
  };
  // 59 minutes in: still in every filter
  sandbox.setNow("2025-06-01T10:59:00.000Z");
  assert.ok((await listed("upcoming")).has(long.uid));
  assert.ok((await listed("unconfirmed")).has(pending.uid));
  assert.ok((await listed("recurring")).has(series.uid));
  // over an hour in, though none has ended: in none of them, but in the unfiltered list
  sandbox.setNow("2025-06-01T11:00:01.000Z");
  assert.ok(!(await listed("upcoming")).has(long.uid));
  assert.ok(!(await listed("unconfirmed")).has(pending.uid));
  assert.ok(!(await listed("recurring")).has(series.uid));
  const all = await calFetch(sandbox, apiKey, "/v2/bookings?take=250");
  assert.ok((all.json.data as { uid: string }[]).some((b) => b.uid === long.uid));
});

Deno.test("several statuses are OR-ed and no status returns every booking", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const both = await list(f, "status=past,cancelled&take=250");
  assert.deepEqual(names(f, both.uids).sort(), [
    "futureCancelled",
    "futureRejected",
    "pastAccepted",
    "pastPending",
  ]);
  const repeated = await list(f, "status=past&status=cancelled&take=250");
  assert.deepEqual(repeated.uids.sort(), both.uids.sort());
  const all = await list(f, "take=250");
  // 6 single bookings + 2 recurring series of 4 occurrences.
  assert.equal(all.pagination.totalItems, 14);
});

Deno.test("an unknown or empty status is a 400 in Cal.com's error envelope", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  for (const query of ["status=done", "status="]) {
    const res = await calFetch(f.sandbox, f.apiKey, `/v2/bookings?${query}`);
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      status: "error",
      timestamp: NOW,
      path: `/v2/bookings?${query}`,
      error: { code: "BadRequestException", message: "Bad Request Exception" },
    });
  }
});

Deno.test("take outside 1..250 is refused with a 400 envelope and take defaults to 100", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  for (const take of ["0", "251", "-1", "abc", "1.5"]) {
    const res = await calFetch(f.sandbox, f.apiKey, `/v2/bookings?take=${take}`);
    assert.equal(res.status, 400, take);
    assert.equal(res.json.status, "error");
    assert.deepEqual(res.json.error, { code: "BadRequestException", message: "Bad Request Exception" });
  }
  const negativeSkip = await calFetch(f.sandbox, f.apiKey, "/v2/bookings?skip=-1");
  assert.equal(negativeSkip.status, 400);
  const { pagination } = await list(f, "");
  assert.equal(pagination.itemsPerPage, 100);
  assert.equal((await list(f, "take=250")).pagination.itemsPerPage, 250);
  assert.equal((await list(f, "take=1")).pagination.itemsPerPage, 1);
});

Deno.test("validation details appear only when the sandbox runs with error details", async () => {
  await using sandbox = await startSandbox({ errorDetails: true });
  const { apiKey } = sandbox.addUser();
  const res = await calFetch(sandbox, apiKey, "/v2/bookings?take=251&status=nope");
  assert.equal(res.status, 400);
  assert.deepEqual((res.json.error as { details: unknown }).details, {
    errors: [
      "Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed",
      "take must not be greater than 250",
    ],
  });
});

Deno.test("pages follow the pagination formulas: past the end, take=1, no matches, exact multiples", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 500, { seed: 3 });
  const f = { sandbox, apiKey, userId: user.id, uids: {} };

  const past = await list(f, "take=10&skip=600");
  assert.deepEqual(past.uids, []);
  assert.deepEqual(past.pagination, {
    returnedItems: 0,
    totalItems: 500,
    itemsPerPage: 10,
    remainingItems: 0,
    currentPage: 50,
    totalPages: 50,
    hasNextPage: false,
    hasPreviousPage: true,
  });

  const one = await list(f, "take=1&skip=7");
  assert.equal(one.uids.length, 1);
  assert.equal(one.pagination.currentPage, 8);
  assert.equal(one.pagination.remainingItems, 492);

  const none = await list(f, "attendeeEmail=nobody@example.org");
  assert.deepEqual(none.uids, []);
  assert.equal(none.pagination.totalItems, 0);
  assert.equal(none.pagination.totalPages, 0);
  assert.equal(none.pagination.currentPage, 0);
  assert.equal(none.pagination.hasNextPage, false);

  const last = await list(f, "take=250&skip=250");
  assert.equal(last.uids.length, 250);
  assert.equal(last.pagination.hasNextPage, false);
  assert.equal(last.pagination.totalPages, 2);
  const first = await list(f, "take=250&skip=0");
  assert.equal(first.pagination.hasNextPage, true);
  assert.equal(new Set([...first.uids, ...last.uids]).size, 500);
});

Deno.test("paging by sortUpdatedAt asc walks every booking once in updatedAt order", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 1200, { seed: 11 });
  const f = { sandbox, apiKey, userId: user.id, uids: {} };
  const seen: Array<{ uid: string; updatedAt: string }> = [];
  for (let skip = 0;; skip += 250) {
    const page = await list(f, `sortUpdatedAt=asc&take=250&skip=${skip}&afterUpdatedAt=2000-01-01T00:00:00Z`);
    seen.push(...(page.data as Array<{ uid: string; updatedAt: string }>));
    if (!page.pagination.hasNextPage) break;
  }
  assert.equal(seen.length, 1200);
  assert.equal(new Set(seen.map((b) => b.uid)).size, 1200);
  const times = seen.map((b) => b.updatedAt);
  assert.deepEqual(times, [...times].sort());
  assert.ok(new Set(times).size < times.length, "seeded data has equal updatedAt values");
});

Deno.test("date filters are inclusive and afterUpdatedAt returns a booking updated exactly then", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const all = await list(f, "take=250&sortUpdatedAt=asc");
  const pivot = all.data[5] as {
    uid: string;
    updatedAt: string;
    createdAt: string;
    start: string;
    end: string;
  };
  const after = await list(f, `take=250&afterUpdatedAt=${pivot.updatedAt}&sortUpdatedAt=asc`);
  assert.ok(after.uids.includes(pivot.uid));
  assert.ok(after.data.every((b) => (b.updatedAt as string) >= pivot.updatedAt));
  const before = await list(f, `take=250&beforeUpdatedAt=${pivot.updatedAt}`);
  assert.ok(before.uids.includes(pivot.uid));
  assert.ok(before.data.every((b) => (b.updatedAt as string) <= pivot.updatedAt));
  assert.equal(
    after.pagination.totalItems as number + (before.pagination.totalItems as number) -
      all.data.filter((b) => b.updatedAt === pivot.updatedAt).length,
    14,
  );

  const created = await list(
    f,
    `take=250&afterCreatedAt=${pivot.createdAt}&beforeCreatedAt=${pivot.createdAt}`,
  );
  assert.ok(created.uids.includes(pivot.uid));
  assert.ok(created.data.every((b) => b.createdAt === pivot.createdAt));

  // Both bounds are inclusive: the first booking starts at afterStart, the last ends at beforeEnd.
  const window = await list(f, "take=250&afterStart=2025-06-10T10:00:00Z&beforeEnd=2025-06-11T10:45:00Z");
  assert.deepEqual(names(f, window.uids), ["futureAccepted", "futurePending"]);
});

Deno.test("a malformed date filter is a 400", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const res = await calFetch(f.sandbox, f.apiKey, "/v2/bookings?afterUpdatedAt=yesterday");
  assert.equal(res.status, 400);
  assert.equal((res.json.error as { code: string }).code, "BadRequestException");
});

Deno.test("one sort key wins by priority sortStart, sortEnd, sortCreated, sortUpdatedAt", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const field = (data: Array<Record<string, unknown>>, key: string) => data.map((b) => b[key] as string);
  const isSorted = (xs: string[], dir: "asc" | "desc") =>
    xs.every((x, i) => i === 0 || (dir === "asc" ? xs[i - 1] <= x : xs[i - 1] >= x));

  const startDesc = await list(f, "take=250&sortStart=desc&sortUpdatedAt=asc&sortCreated=asc&sortEnd=asc");
  assert.ok(isSorted(field(startDesc.data, "start"), "desc"));
  const endDesc = await list(f, "take=250&sortEnd=desc&sortCreated=asc&sortUpdatedAt=asc");
  assert.ok(isSorted(field(endDesc.data, "end"), "desc"));
  const createdDesc = await list(f, "take=250&sortCreated=desc&sortUpdatedAt=asc");
  assert.ok(isSorted(field(createdDesc.data, "createdAt"), "desc"));
  const updatedDesc = await list(f, "take=250&sortUpdatedAt=desc");
  assert.ok(isSorted(field(updatedDesc.data, "updatedAt"), "desc"));
  assert.ok(!isSorted(field(updatedDesc.data, "start"), "asc"));
});

Deno.test("without a sort, one past or cancelled status sorts by start descending, otherwise ascending", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  const starts = async (q: string) => (await list(f, q)).data.map((b) => b.start as string);
  const desc = (xs: string[]) => xs.every((x, i) => i === 0 || xs[i - 1] >= x);
  const asc = (xs: string[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
  assert.ok(desc(await starts("status=past")));
  assert.ok(desc(await starts("status=cancelled")));
  assert.ok(asc(await starts("status=upcoming")));
  assert.ok(asc(await starts("status=unconfirmed")));
  assert.ok(asc(await starts("status=past,cancelled")));
  assert.ok(asc(await starts("take=250")));
});

Deno.test("attendee, uid, event type and team filters narrow the list; unknown parameters are ignored", async () => {
  const f = await fixture();
  await using _ = f.sandbox;
  // A "+" arrives as a space after decoding; Cal.com restores it.
  const plus = await list(f, "attendeeEmail=sam+x@example.org");
  assert.deepEqual(names(f, plus.uids), ["pastAccepted"]);
  const encoded = await list(f, "attendeeEmail=sam%2Bx%40example.org");
  assert.deepEqual(names(f, encoded.uids), ["pastAccepted"]);
  assert.deepEqual(names(f, (await list(f, "attendeeName=Lee%20Client")).uids), ["futureAccepted"]);
  assert.deepEqual(names(f, (await list(f, `bookingUid=${f.uids.futurePending}`)).uids), ["futurePending"]);

  const consult = f.sandbox.eventTypes(f.userId).find((e) => e.slug === "consult")!.id;
  const thirty = f.sandbox.eventTypes(f.userId).find((e) => e.slug === "30min")!.id;
  const byType = await list(f, `eventTypeId=${consult}`);
  assert.deepEqual(names(f, byType.uids).sort(), ["futurePending", "futureRejected", "pastPending"]);
  const byTypes = await list(f, `eventTypeIds=${consult},${thirty}&eventTypeId=999`);
  assert.equal(byTypes.pagination.totalItems, 6);

  assert.equal((await list(f, "teamsIds=1,2")).pagination.totalItems, 0);
  assert.equal((await list(f, "teamId=1")).pagination.totalItems, 0);
  assert.equal((await list(f, "sortUpdated=desc&teamIds=5&take=250")).pagination.totalItems, 14);
});

Deno.test("a user also lists bookings they attend under their own email", async () => {
  await using sandbox = await startSandbox();
  const host = sandbox.addUser({ username: "host" });
  const guest = sandbox.addUser({ username: "guest", email: "guest@example.com" });
  const booking = await sandbox.createBooking(host.user.id, {
    attendee: { name: "Guest", email: "guest@example.com" },
  });
  const res = await calFetch(sandbox, guest.apiKey, "/v2/bookings");
  const data = res.json.data as Array<{ uid: string; hosts: Array<{ id: number }> }>;
  assert.deepEqual(data.map((b) => b.uid), [booking.uid]);
  assert.equal(data[0].hosts[0].id, host.user.id);
});

Deno.test("a null updatedAt sorts last ascending, first descending, and matches no updatedAt filter", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 400, { seed: 5, nullUpdatedAtShare: 0.5 });
  const f = { sandbox, apiKey, userId: user.id, uids: {} };
  const all = await list(f, "take=250&sortUpdatedAt=asc&skip=150");
  const nulls = sandbox.bookings(user.id).filter((b) => b.updatedAt === null);
  assert.ok(nulls.length > 10, `some bookings have no updatedAt (${nulls.length})`);
  assert.deepEqual(all.data.slice(-nulls.length).map((b) => b.updatedAt), nulls.map(() => null));

  const desc = await list(f, `take=${nulls.length}&sortUpdatedAt=desc`);
  assert.ok(desc.data.every((b) => b.updatedAt === null));

  const after = await list(f, "take=250&sortUpdatedAt=asc&afterUpdatedAt=1970-01-01T00:00:00Z");
  const before = await list(f, "take=250&beforeUpdatedAt=2999-01-01T00:00:00Z");
  assert.equal(after.pagination.totalItems, 400 - nulls.length);
  assert.equal(before.pagination.totalItems, 400 - nulls.length);
  assert.ok(after.data.every((b) => b.updatedAt !== null));

  const oldest = nulls[0];
  const byCreated = await list(f, `afterCreatedAt=${oldest.createdAt}&beforeCreatedAt=${oldest.createdAt}`);
  assert.ok(byCreated.uids.includes(oldest.uid));
});
