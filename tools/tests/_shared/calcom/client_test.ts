import assert from "node:assert/strict";
import {
  calcomWebhookTriggers,
  createCalcomClient,
} from "../../../../supabase/functions/_shared/calcom/client.ts";
import { CalcomError } from "../../../../supabase/functions/_shared/calcom/errors.ts";
import {
  bookingsPage,
  calcomErrorBody,
  fakeClock,
  fakeServer,
  json,
  minimalBooking,
  type RecordedRequest,
  rejection,
  testApiKey,
} from "../../../testing/calcom_test_data.ts";

const baseUrl = "http://calcom.test";

function clientFor(server: { fetch: typeof fetch }, apiKey = testApiKey()) {
  const clock = fakeClock();
  return createCalcomClient({ apiKey, baseUrl, fetch: server.fetch, now: clock.now, sleep: clock.sleep });
}

function bookingsServer(all: unknown[]) {
  return fakeServer((req) => {
    if (req.path !== "/v2/bookings") return json(calcomErrorBody("NotFoundException", "Cannot GET"), 404);
    return json(bookingsPage(all, Number(req.query.get("skip") ?? 0), Number(req.query.get("take") ?? 100)));
  });
}

function query(req: RecordedRequest): Record<string, string> {
  return Object.fromEntries(req.query);
}

const me = {
  id: 512,
  username: "dana",
  email: "dana@example.com",
  name: "Dana Host",
  avatarUrl: null,
  bio: null,
  timeFormat: 24,
  defaultScheduleId: 77,
  weekStart: "Monday",
  timeZone: "Europe/Berlin",
  organizationId: null,
};

Deno.test("me sends the key as a bearer token without a version header and returns the account", async () => {
  const apiKey = testApiKey();
  const server = fakeServer(() => json({ status: "success", data: me }));
  assert.deepEqual(await clientFor(server, apiKey).me(), me);
  assert.equal(server.requests.length, 1);
  const [req] = server.requests;
  assert.equal(req.method, "GET");
  assert.equal(req.path, "/v2/me");
  assert.equal(req.headers.get("authorization"), `Bearer ${apiKey}`);
  assert.equal(req.headers.has("cal-api-version"), false);
});

Deno.test("listing bookings sends the 2024-08-13 version header and the default page parameters", async () => {
  const server = bookingsServer([minimalBooking(1)]);
  await Array.fromAsync(clientFor(server).listBookings());
  const [req] = server.requests;
  assert.equal(req.headers.get("cal-api-version"), "2024-08-13");
  assert.deepEqual(query(req), { sortUpdatedAt: "asc", take: "250", skip: "0" });
});

Deno.test("listing bookings sends filters under Cal.com's parameter names", async () => {
  const server = bookingsServer([]);
  await Array.fromAsync(
    clientFor(server).listBookings({
      status: ["past", "cancelled"],
      afterStart: "2025-01-01T00:00:00Z",
      beforeEnd: new Date("2025-06-01T00:00:00Z"),
      afterUpdatedAt: new Date("2025-03-01T08:00:00.123Z"),
      teamsIds: [9],
    }),
  );
  assert.deepEqual(query(server.requests[0]), {
    status: "past,cancelled",
    afterStart: "2025-01-01T00:00:00.000Z",
    beforeEnd: "2025-06-01T00:00:00.000Z",
    afterUpdatedAt: "2025-03-01T08:00:00.123Z",
    teamsIds: "9",
    sortUpdatedAt: "asc",
    take: "250",
    skip: "0",
  });
});

Deno.test("listing pages until Cal.com says there is no next page, each booking once", async () => {
  const all = Array.from({ length: 501 }, (_, i) => minimalBooking(i + 1));
  const server = bookingsServer(all);
  const pages = await Array.fromAsync(clientFor(server).listBookings());
  assert.deepEqual(
    pages.map(({ skip, nextSkip, totalItems, hasNextPage, bookings }) => ({
      skip,
      nextSkip,
      totalItems,
      hasNextPage,
      count: bookings.length,
    })),
    [
      { skip: 0, nextSkip: 250, totalItems: 501, hasNextPage: true, count: 250 },
      { skip: 250, nextSkip: 500, totalItems: 501, hasNextPage: true, count: 250 },
      { skip: 500, nextSkip: 501, totalItems: 501, hasNextPage: false, count: 1 },
    ],
  );
  assert.deepEqual(pages.flatMap((p) => p.bookings.map((b) => b.id)), all.map((_, i) => i + 1));
  assert.deepEqual(server.requests.map((r) => r.query.get("skip")), ["0", "250", "500"]);
});

Deno.test("an empty account yields one empty last page", async () => {
  const server = bookingsServer([]);
  const pages = await Array.fromAsync(clientFor(server).listBookings());
  assert.deepEqual(pages, [{
    bookings: [],
    unreadable: [],
    skip: 0,
    nextSkip: 0,
    totalItems: 0,
    hasNextPage: false,
    // no Date header: the read time is the client's clock
    readAt: "2025-03-10T12:00:00.000Z",
  }]);
  assert.equal(server.requests.length, 1);
});

Deno.test("listing resumes from the skip given in the filters", async () => {
  const all = Array.from({ length: 30 }, (_, i) => minimalBooking(i + 1));
  const server = bookingsServer(all);
  const pages = await Array.fromAsync(clientFor(server).listBookings({ take: 10, skip: 10 }));
  assert.deepEqual(pages.map((p) => [p.skip, p.nextSkip]), [[10, 20], [20, 30]]);
  assert.deepEqual(pages.flatMap((p) => p.bookings.map((b) => b.id)), all.slice(10).map((b) => b.id));
});

Deno.test("a page that claims a next page but is empty ends the listing", async () => {
  const server = fakeServer(() =>
    json({ status: "success", data: [], pagination: { totalItems: 99, hasNextPage: true } })
  );
  const pages = await Array.fromAsync(clientFor(server).listBookings());
  assert.equal(pages.length, 1);
  assert.equal(pages[0].hasNextPage, false);
});

Deno.test("bookings lacking optional fields and unknown fields come back as Cal.com sent them", async () => {
  const seated = {
    ...minimalBooking(2),
    recurringBookingUid: "series",
    attendees: [{ name: "A", seatUid: "s1", bookingFieldsResponses: { name: "A" } }],
    brandNewField: { x: 1 },
  };
  const server = bookingsServer([minimalBooking(1), seated]);
  const [page] = await Array.fromAsync(clientFor(server).listBookings());
  assert.deepEqual(page.bookings, [minimalBooking(1), seated]);
});

Deno.test("a malformed booking is returned apart with its reason, the rest of its page as usual", async () => {
  const { uid: _uid, ...noUid } = minimalBooking(2);
  const server = bookingsServer([
    minimalBooking(1),
    noUid,
    { ...minimalBooking(3), id: 2 ** 53 },
    "a string",
  ]);
  const [page] = await Array.fromAsync(clientFor(server).listBookings());
  assert.deepEqual(page.bookings.map((b) => b.id), [1]);
  assert.deepEqual(page.unreadable.map((u) => [u.uid, u.reason.split(":")[0]]), [
    [null, "uid"],
    [String(minimalBooking(3).uid), "id"],
    [null, "booking"],
  ]);
  assert.equal(server.requests.length, 1);
});

Deno.test("the read time is the Date header of Cal.com's answer, to the end of its second", async () => {
  const server = fakeServer(() =>
    json(bookingsPage([], 0, 100), 200, { date: "Tue, 10 Mar 2025 10:00:01 GMT" })
  );
  const [page] = await Array.fromAsync(clientFor(server).listBookings());
  assert.equal(page.readAt, "2025-03-10T10:00:01.999Z");
});

Deno.test("invalid filters fail with InvalidRequest before anything is sent", async () => {
  const server = bookingsServer([]);
  // deno-lint-ignore no-explicit-any
  const err = await rejection(Array.fromAsync(clientFor(server).listBookings({ teamIds: [1] } as any)));
  assert.equal(err.code, "InvalidRequest");
  assert.equal(err.status, undefined);
  assert.equal(server.requests.length, 0);
});

Deno.test("getBooking fetches one booking by its encoded uid with the version header", async () => {
  const booking = { ...minimalBooking(5), uid: "a/b c" };
  const server = fakeServer(() => json({ status: "success", data: booking }));
  assert.deepEqual(await clientFor(server).getBooking("a/b c"), booking);
  assert.equal(server.requests[0].path, "/v2/bookings/a%2Fb%20c");
  assert.equal(server.requests[0].headers.get("cal-api-version"), "2024-08-13");
});

Deno.test("getBooking of a recurring series uid returns every occurrence", async () => {
  const series = [minimalBooking(1), minimalBooking(2)].map((b) => ({ ...b, recurringBookingUid: "series" }));
  const server = fakeServer(() => json({ status: "success", data: series }));
  assert.deepEqual(await clientFor(server).getBooking("series"), series);
});

Deno.test("getBooking of an unknown uid fails with 404 NotFoundException", async () => {
  const server = fakeServer(() =>
    json(calcomErrorBody("NotFoundException", "Booking with uid=nope was not found in the database"), 404)
  );
  const err = await rejection(clientFor(server).getBooking("nope"));
  assert.deepEqual([err.status, err.code, err.retryable], [404, "NotFoundException", false]);
  assert.match(
    err.message,
    /GET \/v2\/bookings\/nope failed with 404 NotFoundException: Booking with uid=nope/,
  );
  assert.equal(server.requests.length, 1);
});

Deno.test("createWebhook posts the subscription without a version header and returns the webhook", async () => {
  const created = {
    id: "1f0c6a52-6b1e-4c40-9e7f-2f6f2a8f4d11",
    userId: 512,
    subscriberUrl: "https://proj.supabase.co/functions/v1/calcom-webhook/c1",
    triggers: [...calcomWebhookTriggers],
    active: true,
    payloadTemplate: null,
    secret: "whsec-value",
  };
  const server = fakeServer(() => json({ status: "success", data: created }, 201));
  const result = await clientFor(server).createWebhook({
    subscriberUrl: created.subscriberUrl,
    triggers: calcomWebhookTriggers,
    secret: "whsec-value",
  });
  assert.deepEqual(result, created);
  const [req] = server.requests;
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/v2/webhooks");
  assert.equal(req.headers.has("cal-api-version"), false);
  assert.equal(req.headers.get("content-type"), "application/json");
  assert.deepEqual(req.body, {
    subscriberUrl: created.subscriberUrl,
    triggers: [...calcomWebhookTriggers],
    active: true,
    secret: "whsec-value",
  });
});

Deno.test("createWebhook for a URL already registered fails with 409 ConflictException, not retried", async () => {
  const server = fakeServer(() =>
    json(
      calcomErrorBody("ConflictException", "Webhook with this subscriber url already exists for this user"),
      409,
    )
  );
  const err = await rejection(
    clientFor(server).createWebhook({ subscriberUrl: "https://x.test/h", triggers: ["BOOKING_CREATED"] }),
  );
  assert.deepEqual([err.status, err.code, err.retryable], [409, "ConflictException", false]);
  assert.equal(server.requests.length, 1);
});

Deno.test("a webhook secret echoed in an error message is redacted", async () => {
  const server = fakeServer(() =>
    json(calcomErrorBody("BadRequestException", "secret whsec-echoed is weak"), 400)
  );
  const err = await rejection(
    clientFor(server).createWebhook({
      subscriberUrl: "https://x.test/h",
      triggers: [],
      secret: "whsec-echoed",
    }),
  );
  assert.equal(err.message.includes("whsec-echoed"), false);
  assert.match(err.message, /secret \[redacted\] is weak/);
});

function webhook(i: number) {
  return { id: `w${i}`, userId: 1, subscriberUrl: `https://x.test/${i}`, triggers: [], active: true };
}

Deno.test("listWebhooks pages by 250 until a short page and findWebhookByUrl searches them all", async () => {
  const all = Array.from({ length: 260 }, (_, i) => webhook(i));
  const server = fakeServer((req) => {
    const skip = Number(req.query.get("skip"));
    return json({ status: "success", data: all.slice(skip, skip + Number(req.query.get("take"))) });
  });
  const client = clientFor(server);
  assert.equal((await client.listWebhooks()).length, 260);
  assert.deepEqual(server.requests.map((r) => query(r)), [{ take: "250", skip: "0" }, {
    take: "250",
    skip: "250",
  }]);
  assert.ok(server.requests.every((r) => !r.headers.has("cal-api-version")));
  assert.equal((await client.findWebhookByUrl("https://x.test/255"))?.id, "w255");
  assert.equal(await client.findWebhookByUrl("https://x.test/nope"), undefined);
});

Deno.test("deleteWebhook deletes by id and an unknown id fails with 404", async () => {
  const server = fakeServer((req) =>
    req.path === "/v2/webhooks/w1"
      ? json({ status: "success", data: webhook(1) })
      : json(calcomErrorBody("NotFoundException", "Webhook (w2) not found"), 404)
  );
  const client = clientFor(server);
  await client.deleteWebhook("w1");
  assert.equal(server.requests[0].method, "DELETE");
  assert.equal(server.requests[0].headers.has("cal-api-version"), false);
  const err = await rejection(client.deleteWebhook("w2"));
  assert.deepEqual([err.status, err.code], [404, "NotFoundException"]);
});

Deno.test("the base URL defaults to Cal.com's hosted API", async () => {
  const server = fakeServer(() => json({ status: "success", data: me }));
  const client = createCalcomClient({ apiKey: testApiKey(), fetch: server.fetch });
  await client.me();
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].url, "https://api.cal.com/v2/me");
});

Deno.test("a key a header cannot carry is refused without echoing it", () => {
  assert.throws(() => createCalcomClient({ apiKey: "cal_bad key\n" }), (err: unknown) => {
    assert.ok(err instanceof CalcomError);
    assert.equal(err.code, "InvalidRequest");
    assert.equal(err.message.includes("bad key"), false);
    return true;
  });
});
