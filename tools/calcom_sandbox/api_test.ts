import assert from "node:assert/strict";
import { AUTH_MESSAGES } from "./api.ts";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

const NOW = "2025-03-01T09:00:00.000Z";

Deno.test("GET /v2/me answers the key owner's profile without a version header", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser({
    username: "dana",
    name: "Dana Host",
    timeZone: "Europe/Berlin",
  });
  const res = await calFetch(sandbox, apiKey, "/v2/me", { headers: { "cal-api-version": "" } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, {
    status: "success",
    data: {
      id: user.id,
      username: "dana",
      email: "dana@example.com",
      name: "Dana Host",
      avatarUrl: null,
      bio: null,
      timeFormat: 24,
      defaultScheduleId: user.id + 5000,
      weekStart: "Monday",
      timeZone: "Europe/Berlin",
      organizationId: null,
    },
  });
});

Deno.test("missing credentials get Cal.com's 401 envelope and message", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const res = await calFetch(sandbox, null, "/v2/me");
  assert.equal(res.status, 401);
  assert.deepEqual(res.json, {
    status: "error",
    timestamp: NOW,
    path: "/v2/me",
    error: { code: "UnauthorizedException", message: AUTH_MESSAGES.noCredentials },
  });
  assert.equal(res.headers.get("x-request-id"), "unknown-request-id");
  assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
});

Deno.test("an error answer echoes the caller's X-Request-Id", async () => {
  await using sandbox = await startSandbox();
  const res = await calFetch(sandbox, null, "/v2/me", { headers: { "x-request-id": "req-123" } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("x-request-id"), "req-123");
});

Deno.test("an unknown cal_ key is refused by the rate-limit guard before auth", async () => {
  await using sandbox = await startSandbox();
  const res = await calFetch(sandbox, "cal_live_0123456789abcdef0123456789abcdef", "/v2/me");
  assert.equal(res.status, 401);
  assert.deepEqual(res.json.error, {
    code: "UnauthorizedException",
    message: "CustomThrottlerGuard - Invalid API Key",
  });
  assert.equal(res.headers.get("x-ratelimit-limit-default"), null);
});

Deno.test("with the auth guard chosen, an unknown cal_ key gets the auth strategy's message", async () => {
  await using sandbox = await startSandbox({ unknownKeyGuard: "auth" });
  const res = await calFetch(sandbox, "cal_live_0123456789abcdef0123456789abcdef", "/v2/me");
  assert.equal(res.status, 401);
  assert.deepEqual(res.json.error, {
    code: "UnauthorizedException",
    message: "ApiAuthStrategy - api key - Your api key is not valid",
  });
});

Deno.test("a bearer token without the cal_ prefix is treated as an invalid access token", async () => {
  await using sandbox = await startSandbox();
  const res = await calFetch(sandbox, "sk_live_something", "/v2/me");
  assert.equal(res.status, 401);
  assert.deepEqual(res.json.error, {
    code: "UnauthorizedException",
    message: "ApiAuthStrategy - access token - Invalid Access Token.",
  });
});

Deno.test("an expired key is refused with the expiry message", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user } = sandbox.addUser();
  const key = sandbox.addApiKey(user.id, { expiresAt: "2025-03-02T00:00:00Z" });
  assert.equal((await calFetch(sandbox, key, "/v2/me")).status, 200);
  sandbox.advanceTime(86_400_000);
  const res = await calFetch(sandbox, key, "/v2/me");
  assert.equal(res.status, 401);
  assert.equal(
    (res.json.error as { message: string }).message,
    "ApiAuthStrategy - api key - Your api key is expired",
  );
});

Deno.test("an unknown route is a 404 naming the method and path", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const res = await calFetch(sandbox, apiKey, "/v2/nope?x=1");
  assert.equal(res.status, 404);
  assert.deepEqual(res.json.error, { code: "NotFoundException", message: "Cannot GET /v2/nope?x=1" });
});

Deno.test("an unknown route or method is answered before the rate limit counts it", async () => {
  await using sandbox = await startSandbox();
  sandbox.setRateLimit({ limit: 1 });
  const { apiKey } = sandbox.addUser();
  for (const [method, path] of [["GET", "/v2/nope"], ["PUT", "/v2/me"], ["HEAD", "/v2/me"]]) {
    const res = await calFetch(sandbox, apiKey, path, { method });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.headers.get("x-ratelimit-limit-default"), null);
  }
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me/")).status, 200, "a trailing slash is routed");
  assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 429);
});

Deno.test("a body over 1 MiB is a 413 before routing, with or without a Content-Length", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const big = JSON.stringify({ subscriberUrl: "x".repeat(1_048_576) });
  const stream = () => ReadableStream.from([new TextEncoder().encode(big)]);
  for (const body of [big, stream()]) {
    const res = await fetch(`${sandbox.url}/v2/nope`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "x-request-id": "req-413" },
      body,
    });
    assert.equal(res.status, 413);
    assert.deepEqual((await res.json()).error, {
      code: "PayloadTooLargeException",
      message: "request entity too large",
    });
    assert.equal(res.headers.get("x-request-id"), "req-413");
  }
  assert.deepEqual(sandbox.requests.map((r) => r.status), [413, 413]);
});

Deno.test("a body that is not JSON is a 400 after the guards", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const post = (key: string | null) =>
    fetch(`${sandbox.url}/v2/webhooks`, {
      method: "POST",
      headers: key ? { authorization: `Bearer ${key}` } : {},
      body: "{not json",
    }).then(async (res) => [res.status, (await res.json()).error.message]);
  assert.deepEqual(await post(null), [401, AUTH_MESSAGES.noCredentials]);
  assert.deepEqual(await post(apiKey), [400, "Bad Request Exception"]);
});

Deno.test("bookings without a version header answer the legacy 2024-04-15 list shape", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const booking = await sandbox.createBooking(user.id);
  for (const version of ["", "2024-04-15", "1999-01-01"]) {
    const res = await calFetch(sandbox, apiKey, "/v2/bookings", { headers: { "cal-api-version": version } });
    assert.equal(res.status, 200, version);
    const data = res.json.data as { bookings: Array<Record<string, unknown>>; nextCursor: unknown };
    assert.deepEqual(Object.keys(data), ["bookings", "recurringInfo", "nextCursor"]);
    assert.equal(data.bookings[0].uid, booking.uid);
    assert.equal(data.bookings[0].status, "ACCEPTED");
    assert.equal(data.bookings[0].startTime, booking.start);
    assert.equal(data.nextCursor, null);
    assert.equal(res.json.pagination, undefined);
  }
});

Deno.test("a known version the bookings controller does not implement is not routable", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  for (const version of ["2024-09-04", "2024-06-14", "2024-06-11"]) {
    const res = await calFetch(sandbox, apiKey, "/v2/bookings", { headers: { "cal-api-version": version } });
    assert.equal(res.status, 404, version);
    assert.equal((res.json.error as { message: string }).message, "Cannot GET /v2/bookings");
  }
  const webhooks = await calFetch(sandbox, apiKey, "/v2/webhooks", {
    headers: { "cal-api-version": "2024-09-04" },
  });
  assert.equal(webhooks.status, 200);
});

Deno.test("a booking renders exactly the fields of BookingOutput_2024_08_13", async () => {
  await using sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ username: "dana", name: "Dana Host" });
  const created = await sandbox.createBooking(user.id, {
    start: "2025-03-10T14:00:00Z",
    attendee: { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" },
    guests: ["pat@example.org"],
    description: "Looking forward",
    metadata: { source: "test" },
  });
  const res = await calFetch(sandbox, apiKey, `/v2/bookings/${created.uid}`);
  assert.equal(res.status, 200);
  const b = res.json.data as Record<string, unknown>;
  const video = `https://app.cal.com/video/${created.uid}`;
  assert.deepEqual(b, {
    id: created.id,
    uid: created.uid,
    title: "30 min meeting between Dana Host and Sam Guest",
    description: "Looking forward",
    hosts: [{
      id: user.id,
      name: "Dana Host",
      email: "dana@example.com",
      displayEmail: "dana@example.com",
      username: "dana",
      timeZone: "Europe/Berlin",
    }],
    status: "accepted",
    cancellationReason: "",
    cancelledByEmail: "",
    rescheduledByEmail: null,
    start: "2025-03-10T14:00:00.000Z",
    end: "2025-03-10T14:30:00.000Z",
    duration: 30,
    eventTypeId: created.eventTypeId,
    eventType: { id: created.eventTypeId, slug: "30min" },
    meetingUrl: video,
    location: video,
    absentHost: false,
    createdAt: NOW,
    updatedAt: NOW,
    metadata: { source: "test" },
    rating: null,
    icsUid: `${created.uid}@cal.com`,
    attendees: [
      {
        name: "Sam Guest",
        email: "sam@example.org",
        displayEmail: "sam@example.org",
        timeZone: "America/New_York",
        language: "en",
        absent: false,
      },
      {
        name: "",
        email: "pat@example.org",
        displayEmail: "pat@example.org",
        timeZone: "America/New_York",
        language: "en",
        absent: false,
      },
    ],
    guests: ["pat@example.org"],
    bookingFieldsResponses: {
      name: "Sam Guest",
      email: "sam@example.org",
      guests: ["pat@example.org"],
      location: { value: "integrations:daily", optionValue: "" },
      notes: "Looking forward",
      displayEmail: "sam@example.org",
      displayGuests: ["pat@example.org"],
    },
  });
  assert.match(created.uid, /^[1-9a-km-zA-HJ-NP-Z]{22}$/);
});

Deno.test("a booking without a video URL shows its raw location", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const b = await sandbox.createBooking(user.id, { location: "integrations:google:meet" });
  const res = await calFetch(sandbox, apiKey, `/v2/bookings/${b.uid}`);
  const data = res.json.data as Record<string, unknown>;
  assert.equal(data.location, "integrations:google:meet");
  assert.equal(data.meetingUrl, "integrations:google:meet");
  assert.deepEqual(data.metadata, {});
});

Deno.test("an unknown booking uid is Cal.com's 404", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const res = await calFetch(sandbox, apiKey, "/v2/bookings/doesNotExist");
  assert.equal(res.status, 404);
  assert.deepEqual(res.json.error, {
    code: "NotFoundException",
    message: "Booking with uid=doesNotExist was not found in the database",
  });
});

Deno.test("a recurring series uid returns every occurrence sorted by start, without auth", async () => {
  await using sandbox = await startSandbox();
  const { user } = sandbox.addUser();
  const occurrences = await sandbox.createRecurringBooking(user.id, { start: "2030-01-07T10:00:00Z" });
  assert.equal(occurrences.length, 4);
  const seriesUid = occurrences[0].recurringBookingUid!;
  const res = await calFetch(sandbox, null, `/v2/bookings/${seriesUid}`);
  assert.equal(res.status, 200);
  const data = res.json.data as Array<{ uid: string; start: string; recurringBookingUid: string }>;
  assert.deepEqual(data.map((b) => b.uid), occurrences.map((b) => b.uid));
  assert.ok(data.every((b) => b.recurringBookingUid === seriesUid));
  assert.deepEqual(data.map((b) => b.start), [
    "2030-01-07T10:00:00.000Z",
    "2030-01-14T10:00:00.000Z",
    "2030-01-21T10:00:00.000Z",
    "2030-01-28T10:00:00.000Z",
  ]);
  const one = await calFetch(sandbox, null, `/v2/bookings/${occurrences[1].uid}`);
  assert.equal((one.json.data as { recurringBookingUid: string }).recurringBookingUid, seriesUid);
});

Deno.test("a seated booking shows seats to its host, hides them from others and drops top-level answers", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser();
  const other = sandbox.addUser();
  const seated = sandbox.eventTypes(user.id).find((e) => e.seatsPerTimeSlot !== null)!;
  const b = await sandbox.createBooking(user.id, {
    eventTypeId: seated.id,
    attendee: { name: "Ana Buyer", email: "ana@example.com" },
  });
  const own = (await calFetch(sandbox, apiKey, `/v2/bookings/${b.uid}`)).json.data as Record<string, unknown>;
  assert.equal(own.bookingFieldsResponses, undefined);
  assert.equal(own.guests, undefined);
  const [seat] = own.attendees as Array<Record<string, unknown>>;
  assert.equal(typeof seat.seatUid, "string");
  assert.deepEqual(seat.bookingFieldsResponses, { name: "Ana Buyer" });
  for (const key of [other.apiKey, null]) {
    const theirs = (await calFetch(sandbox, key, `/v2/bookings/${b.uid}`)).json.data as Record<
      string,
      unknown
    >;
    assert.deepEqual(theirs.attendees, []);
  }
});
