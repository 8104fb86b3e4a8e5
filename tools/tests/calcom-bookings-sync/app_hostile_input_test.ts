/**
 * Hostile input over real HTTP, as a fast-check property: every malformed request to calcom-bookings-sync
 * (its sync and read routes, event types, slots and bookings) gets its 4xx with the JSON error envelope,
 * never a 500 or a non-JSON answer, starts no sync run, books nothing, and nothing of another user's is
 * reachable. The named requests run first, then generated ones.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { BOOKING_STATUSES } from "../../../supabase/functions/_shared/bookings/booking_row.ts";
import {
  anyString,
  assertAllRefused,
  badAuthorization,
  headerText,
  type HostileRequest,
  jsonValue,
  jsonValueNot,
  nonObjectJson,
  notJson,
  notUuid,
  queryString,
  sendHostileRequest,
} from "../../testing/hostile_request.ts";
import { encodeCursor } from "../../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import { startTestStack } from "../../testing/test_stack.ts";
import { mapApiBooking } from "../../../supabase/functions/_shared/bookings/map_api_booking.ts";
import { upsertBookings } from "../../../supabase/functions/_shared/bookings/booking_store.ts";
import { ApiBookingSchema } from "../../../supabase/functions/_shared/calcom/schemas.ts";
import { connectedUser, syncClock } from "../../testing/sync_test_support.ts";

const FN = "calcom-bookings-sync";

const STORED_STATUSES: readonly string[] = BOOKING_STATUSES.map((s) => s.toLowerCase());

/** Whether `text` is a comma-separated list naming at least one status, and only known ones. */
function isStatusList(text: string): boolean {
  const parts = text.split(",").map((p) => p.trim().toLowerCase()).filter((p) => p !== "");
  return parts.length > 0 && parts.every((p) => STORED_STATUSES.includes(p));
}

/** A string that no date-time parser reads as one: it has no digit. */
const notDate = anyString.filter((s) => !/\d/.test(s));

/** A valid ISO date-time in year zero, which Postgres cannot store. */
const yearZero = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([m, d]) => `0000-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}T12:00:00Z`);

function rawCursor(json: string): string {
  return btoa(json).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

Deno.test("calcom-bookings-sync answers every hostile request with its 4xx JSON error and syncs nothing", async (t) => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const { user } = await connectedUser(stack, 3, 5);
  const other = await connectedUser(stack, 3, 6);
  const bookingId = crypto.randomUUID();
  const validBooking = {
    eventTypeId: 1,
    start: "2030-01-07T10:00:00Z",
    attendee: { name: "Sam", email: "sam@example.org", timeZone: "Europe/Berlin" },
  };
  const uuid = crypto.randomUUID();
  // One of the other user's bookings is mirrored, so acting on it has a row to (not) find.
  const [theirs] = stack.sandbox.bookings(other.cal.user.id);
  await stack.deps.db.asService((tx) =>
    upsertBookings(tx, {
      userId: other.user.id,
      connectionId: other.connectionId,
      rows: [mapApiBooking(ApiBookingSchema.parse(theirs))],
    })
  );
  const action = (name: string, path: string, body: string, status = 400, code = "invalid_request") => ({
    name,
    method: "POST",
    path,
    body,
    status,
    code,
  });

  const named: HostileRequest[] = [
    { name: "no token", anonymous: true, status: 401, code: "unauthorized" },
    {
      name: "the anon key as token",
      headers: { authorization: `Bearer ${stack.anonKey}` },
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a garbage token",
      headers: { authorization: "Bearer x.y.z" },
      status: 401,
      code: "unauthorized",
    },
    { name: "limit below one", path: "?fromDb=true&limit=0", status: 400, code: "invalid_request" },
    { name: "a negative limit", path: "?fromDb=true&limit=-5", status: 400, code: "invalid_request" },
    {
      name: "a huge limit",
      path: "?fromDb=true&limit=99999999999999999999999",
      status: 400,
      code: "invalid_request",
    },
    { name: "an exponent limit", path: "?fromDb=true&limit=1e2", status: 400, code: "invalid_request" },
    { name: "a repeated limit", path: "?fromDb=true&limit=1&limit=2", status: 400, code: "invalid_request" },
    { name: "a repeated fromDb", path: "?fromDb=true&fromDb=true", status: 400, code: "invalid_request" },
    { name: "fromDb not a flag", path: "?fromDb=maybe", status: 400, code: "invalid_request" },
    { name: "an unknown status", path: "?fromDb=true&status=bogus", status: 400, code: "invalid_request" },
    { name: "an empty status", path: "?fromDb=true&status=", status: 400, code: "invalid_request" },
    {
      name: "a non-date afterStart",
      path: "?fromDb=true&afterStart=yesterday",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart in year zero",
      path: "?fromDb=true&afterStart=0000-01-01T00:00:00Z",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a beforeEnd that becomes year zero in UTC",
      path: "?fromDb=true&beforeEnd=0001-01-01T05:00:00%2B14:00",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a non-uuid connectionId",
      path: "?fromDb=true&connectionId=42",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an unknown connectionId",
      path: `?fromDb=true&connectionId=${uuid}`,
      status: 404,
      code: "not_found",
    },
    {
      name: "another user's connectionId",
      path: `?fromDb=true&connectionId=${other.connectionId}`,
      status: 404,
      code: "not_found",
    },
    {
      name: "another user's connectionId without fromDb",
      path: `?connectionId=${other.connectionId}`,
      status: 404,
      code: "not_found",
    },
    { name: "a garbage cursor", path: "?fromDb=true&cursor=%%%", status: 400, code: "invalid_request" },
    { name: "an empty cursor", path: "?fromDb=true&cursor=", status: 400, code: "invalid_request" },
    {
      name: "a very long cursor",
      path: `?fromDb=true&cursor=${"A".repeat(5000)}`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor of the wrong shape",
      path: `?fromDb=true&cursor=${rawCursor('{"s":1,"i":2}')}`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor of an impossible date",
      path: `?fromDb=true&cursor=${
        encodeCursor({ startTime: "2024-99-99T99:99:99.000000Z", id: bookingId })
      }`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a cursor in year zero",
      path: `?fromDb=true&cursor=${
        encodeCursor({ startTime: "0000-01-01T00:00:00.000000Z", id: bookingId })
      }`,
      status: 400,
      code: "invalid_request",
    },
    { name: "a cursor array", path: `?fromDb=true&cursor=a&cursor=b`, status: 400, code: "invalid_request" },
    { name: "a sync body that is not JSON", method: "POST", body: "{", status: 400, code: "invalid_request" },
    {
      name: "a sync body that is an array",
      method: "POST",
      body: "[]",
      status: 400,
      code: "invalid_request",
    },
    { name: "a sync body that is null", method: "POST", body: "null", status: 400, code: "invalid_request" },
    {
      name: "a sync body that is a number",
      method: "POST",
      body: "12",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a form-encoded sync body",
      method: "POST",
      body: "full=true",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      status: 400,
      code: "invalid_request",
    },
    {
      name: "full as a string",
      method: "POST",
      body: '{"full":"yes"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a numeric connectionId",
      method: "POST",
      body: '{"connectionId":7}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "another user's connectionId in the body",
      method: "POST",
      body: JSON.stringify({ connectionId: other.connectionId }),
      status: 404,
      code: "not_found",
    },
    {
      name: "an empty status list",
      method: "POST",
      body: '{"status":[]}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a status object",
      method: "POST",
      body: '{"status":{"a":1}}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an unknown sync status",
      method: "POST",
      body: '{"status":"everything"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart number",
      method: "POST",
      body: '{"afterStart":1700000000000}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an afterStart in year zero in the body",
      method: "POST",
      body: '{"afterStart":"0000-06-01T00:00:00Z"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an unknown sync mode",
      method: "POST",
      body: '{"mode":"repair"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a reconciliation that also asks for a full sync",
      method: "POST",
      body: '{"mode":"reconcile","full":true}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a huge unicode string",
      method: "POST",
      body: JSON.stringify({ connectionId: "😀".repeat(100_000) }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a body over the size limit",
      method: "POST",
      body: JSON.stringify({ pad: "x".repeat(1_100_000) }),
      status: 413,
      code: "payload_too_large",
    },
    action(
      "cancel of another user's booking",
      `/bookings/${theirs.uid}/cancel`,
      '{"reason":"x"}',
      404,
      "not_found",
    ),
    action("confirm of another user's booking", `/bookings/${theirs.uid}/confirm`, "{}", 404, "not_found"),
    action("an action on an unknown uid", "/bookings/nope/mark-absent", '{"host":true}', 404, "not_found"),
    action("an action on a uid with a NUL", "/bookings/a%00b/decline", "{}", 404, "not_found"),
    action("an action on a very long uid", `/bookings/${"u".repeat(5000)}/decline`, "{}", 404, "not_found"),
    action("an unknown action", `/bookings/${theirs.uid}/explode`, "{}", 404, "not_found"),
    { name: "a GET of an action", path: `/bookings/${theirs.uid}/cancel`, status: 404, code: "not_found" },
    action("an action body that is not JSON", `/bookings/${theirs.uid}/cancel`, "{"),
    action("an action body that is an array", `/bookings/${theirs.uid}/cancel`, "[]"),
    action("a reschedule without start", `/bookings/${theirs.uid}/reschedule`, "{}"),
    action(
      "a reschedule to year zero",
      `/bookings/${theirs.uid}/reschedule`,
      '{"start":"0000-01-01T00:00:00Z"}',
    ),
    action("a mark-absent naming nobody", `/bookings/${theirs.uid}/mark-absent`, "{}"),
    action("a mark-absent un-marking the host", `/bookings/${theirs.uid}/mark-absent`, '{"host":false}'),
    action("a confirm with a body", `/bookings/${theirs.uid}/confirm`, '{"reason":"x"}'),
    action("an action with a bad connectionId", `/bookings/${theirs.uid}/cancel?connectionId=7`, "{}"),
    action(
      "an action body over the size limit",
      `/bookings/${theirs.uid}/cancel`,
      JSON.stringify({ reason: "x".repeat(1_100_000) }),
      413,
      "payload_too_large",
    ),
    { name: "a PUT", method: "PUT", body: "{}", status: 404, code: "not_found" },
    { name: "a PATCH", method: "PATCH", body: "{}", status: 404, code: "not_found" },
    { name: "an unknown sub-path", path: "/anything", status: 404, code: "not_found" },
    {
      name: "the scheduled route without the cron secret",
      method: "POST",
      path: "/scheduled",
      status: 401,
      code: "unauthorized",
    },
    {
      name: "event types without a token",
      path: "/event-types",
      anonymous: true,
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a non-uuid event types connectionId",
      path: "/event-types?connectionId=42",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "another user's connection for event types",
      path: `/event-types?connectionId=${other.connectionId}`,
      status: 404,
      code: "not_found",
    },
    {
      name: "an unknown event types parameter",
      path: "/event-types?username=dana",
      status: 400,
      code: "invalid_request",
    },
    { name: "slots without a query", path: "/slots", status: 400, code: "invalid_request" },
    { name: "slots without a token", path: "/slots", anonymous: true, status: 401, code: "unauthorized" },
    {
      name: "slots with words for dates",
      path: "/slots?eventTypeId=1&start=today&end=tomorrow",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "slots over more than 31 days",
      path: "/slots?eventTypeId=1&start=2030-01-01&end=2030-03-01",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "slots for a huge event type id",
      path: "/slots?eventTypeId=99999999999999999999&start=2030-01-01&end=2030-01-02",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "slots in an unknown zone",
      path: "/slots?eventTypeId=1&start=2030-01-01&end=2030-01-02&timeZone=Nowhere%2FCity",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a booking body that is not JSON",
      method: "POST",
      path: "/bookings",
      body: "{",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a booking body that is an array",
      method: "POST",
      path: "/bookings",
      body: "[]",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an empty booking body",
      method: "POST",
      path: "/bookings",
      body: "{}",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a booking without a token",
      method: "POST",
      path: "/bookings",
      body: "{}",
      anonymous: true,
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a booking on another user's connection",
      method: "POST",
      path: "/bookings",
      body: JSON.stringify({ ...validBooking, connectionId: other.connectionId }),
      status: 404,
      code: "not_found",
    },
    {
      name: "a booking with an Idempotency-Key too long",
      method: "POST",
      path: "/bookings",
      body: JSON.stringify(validBooking),
      headers: { "idempotency-key": "k".repeat(256) },
      status: 400,
      code: "invalid_request",
    },
    { name: "a GET of the bookings route", path: "/bookings", status: 404, code: "not_found" },
    { name: "a POST to slots", method: "POST", path: "/slots", body: "{}", status: 404, code: "not_found" },
    {
      name: "the scheduled route with a user token only",
      method: "POST",
      path: "/scheduled",
      headers: { "x-calcom-cron-secret": user.token },
      status: 401,
      code: "unauthorized",
    },
  ];

  const read = (name: string, params: [string, string][], status = 400, code = "invalid_request") => ({
    name,
    path: `?${queryString([["fromDb", "true"], ...params])}`,
    status,
    code,
  });
  const sync = (name: string, body: unknown, status = 400, code = "invalid_request") => ({
    name,
    method: "POST",
    body: JSON.stringify(body),
    status,
    code,
  });
  const actions = ["cancel", "reschedule", "confirm", "decline", "mark-absent"] as const;
  const validBody: Record<(typeof actions)[number], string> = {
    cancel: '{"reason":"x"}',
    reschedule: '{"start":"2030-01-01T10:00:00Z"}',
    confirm: "{}",
    decline: '{"reason":"x"}',
    "mark-absent": '{"host":true}',
  };
  /** A path segment for any string; strings `encodeURIComponent` refuses (lone surrogates) are left out. */
  const segment = anyString.filter((s) => {
    try {
      encodeURIComponent(s);
      return true;
    } catch {
      return false;
    }
  }).map(encodeURIComponent);
  const actionArbitraries: fc.Arbitrary<HostileRequest>[] = [
    fc.tuple(fc.constantFrom(...actions), segment).map(([name, uid]) =>
      action(
        `${name} of a uid the caller does not mirror`,
        `/bookings/${uid}/${name}`,
        validBody[name],
        404,
        "not_found",
      )
    ),
    fc.tuple(fc.constantFrom(...actions), fc.oneof(notJson.filter((s) => s.trim() !== ""), nonObjectJson))
      .map(([name, body]) =>
        action(`${name} with a body that is not a JSON object`, `/bookings/${theirs.uid}/${name}`, body)
      ),
    fc.tuple(fc.constantFrom("cancel", "decline"), jsonValueNot("string")).map(([name, reason]) =>
      action(
        `${name} with a reason not a string`,
        `/bookings/${theirs.uid}/${name}`,
        JSON.stringify({ reason }),
      )
    ),
    fc.oneof(jsonValueNot("string"), notDate, yearZero).map((start) =>
      action("a reschedule to a bad start", `/bookings/${theirs.uid}/reschedule`, JSON.stringify({ start }))
    ),
    fc.oneof(
      jsonValue.filter((v) => !Array.isArray(v)),
      fc.array(fc.record({ email: anyString.filter((e) => !e.includes("@")), absent: jsonValue }), {
        maxLength: 3,
      }),
    ).map((attendees) =>
      action(
        "a mark-absent with bad attendees",
        `/bookings/${theirs.uid}/mark-absent`,
        JSON.stringify({ attendees }),
      )
    ),
    fc.tuple(
      fc.constantFrom(...actions),
      anyString.filter((k) =>
        !["reason", "start", "host", "attendees", "cancelSubsequentBookings", "seatUid", "__proto__"]
          .includes(k)
      ),
      jsonValue,
    ).map(([name, key, value]) =>
      action(
        `${name} with an unknown key`,
        `/bookings/${theirs.uid}/${name}`,
        JSON.stringify({ [key]: value }),
      )
    ),
  ];
  const generated: fc.Arbitrary<HostileRequest> = fc.oneof(
    ...actionArbitraries,
    badAuthorization.map((authorization) => ({
      name: "a bad authorization",
      headers: { authorization },
      status: 401,
      code: "unauthorized",
    })),
    fc.oneof(
      fc.integer({ max: 0 }).map(String),
      fc.integer({ min: 251 }).map(String),
      fc.bigInt({ min: 10n ** 20n }).map(String),
      anyString.filter((s) => !/^\d+$/.test(s)),
    ).map((limit) => read("a limit out of range", [["limit", limit]])),
    anyString.filter((s) => !["true", "false", "1", "0", ""].includes(s))
      .map((fromDb) => ({ ...read("fromDb not a flag", []), path: `?${queryString([["fromDb", fromDb]])}` })),
    anyString.filter((s) => !isStatusList(s)).map((status) =>
      read("an unknown status", [["status", status]])
    ),
    fc.tuple(fc.constantFrom("afterStart", "beforeEnd"), fc.oneof(notDate, yearZero))
      .map(([name, value]) => read(`a bad ${name}`, [[name, value]])),
    notUuid.map((id) => read("a non-uuid connectionId", [["connectionId", id]])),
    fc.uuid().map((id) => read("an unknown connectionId", [["connectionId", id]], 404, "not_found")),
    anyString.map((cursor) => read("a garbage cursor", [["cursor", cursor]])),
    fc.constantFrom<[string, string]>(["limit", "1"], ["cursor", "a"], ["connectionId", other.connectionId])
      .map((param) => read(`a repeated ${param[0]}`, [param, param])),
    fc.oneof(notJson.filter((s) => s.trim() !== ""), nonObjectJson).map((body) => ({
      name: "a sync body that is not a JSON object",
      method: "POST",
      body,
      status: 400,
      code: "invalid_request",
    })),
    jsonValueNot("boolean").map((full) => sync("full not a boolean", { full })),
    fc.oneof(jsonValueNot("string"), notUuid)
      .map((connectionId) => sync("a malformed connectionId in the body", { connectionId })),
    fc.uuid().map((connectionId) =>
      sync("an unknown connectionId in the body", { connectionId }, 404, "not_found")
    ),
    fc.oneof(
      jsonValue.filter((v) => typeof v !== "string" && !Array.isArray(v)),
      fc.array(jsonValueNot("string"), { minLength: 1, maxLength: 3 }),
      fc.constant([]),
    ).map((status) => sync("a malformed status list", { status })),
    fc.tuple(fc.constantFrom("afterStart", "beforeEnd"), fc.oneof(jsonValueNot("string"), notDate, yearZero))
      .map(([name, value]) => sync(`a bad ${name} in the body`, { [name]: value })),
    jsonValue.filter((v) => v !== undefined && v !== "sync" && v !== "reconcile")
      .map((mode) => sync("a mode that is neither sync nor reconcile", { mode })),
    fc.constantFrom<Record<string, unknown>>({ full: true }, { status: "past" }, { status: ["upcoming"] })
      .map((extra) => sync("a reconciliation with full or a status", { mode: "reconcile", ...extra })),
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5_000 })).map(([reversed, days]) => {
      const from = Date.parse("2030-01-01T00:00:00Z");
      const to = from + (reversed ? -days : days + 367) * 86_400_000;
      return sync("a reconciliation window reversed or over 366 days", {
        mode: "reconcile",
        afterStart: new Date(from).toISOString(),
        beforeEnd: new Date(to).toISOString(),
      });
    }),
    fc.tuple(fc.constantFrom("PUT", "PATCH"), anyString).map(([method, body]) => ({
      name: "a method the function does not take",
      method,
      body,
      status: 404,
      code: "not_found",
    })),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/)
      .filter((s) => !["scheduled", "event-types", "slots", "bookings"].includes(s)).map((segment) => ({
        name: "an unknown sub-path",
        path: `/${segment}`,
        status: 404,
        code: "not_found",
      })),
    notUuid.map((id) => ({
      name: "a malformed event types connectionId",
      path: `/event-types?${queryString([["connectionId", id]])}`,
      status: 400,
      code: "invalid_request",
    })),
    fc.tuple(
      anyString.filter((s) => !/^[1-9]\d{0,15}$/.test(s)),
      fc.constantFrom("2030-01-01", "2030-01-01T00:00:00Z"),
    ).map(([eventTypeId, start]) => ({
      name: "slots for a malformed event type id",
      path: `/slots?${queryString([["eventTypeId", eventTypeId], ["start", start], ["end", "2030-01-02"]])}`,
      status: 400,
      code: "invalid_request",
    })),
    fc.tuple(fc.constantFrom("start", "end"), fc.oneof(notDate, yearZero)).map(([name, value]) => ({
      name: `slots with a bad ${name}`,
      path: `/slots?${
        queryString([["eventTypeId", "1"], ["start", "2030-01-01"], ["end", "2030-01-02"], [name, value]])
      }`,
      status: 400,
      code: "invalid_request",
    })),
    fc.oneof(
      fc.record({ eventTypeId: jsonValue.filter((v) => !(Number.isInteger(v) && (v as number) > 0)) }),
      fc.record({ start: fc.oneof(jsonValueNot("string"), notDate, yearZero) }),
      fc.record({ attendee: jsonValue }),
      fc.record({
        guests: fc.oneof(
          jsonValue.filter((v) => !Array.isArray(v)),
          fc.array(anyString.filter((g) => !g.includes("@")), { minLength: 1 }),
        ),
      }),
      fc.record({
        metadata: fc.oneof(
          jsonValue.filter((v) => v === null || typeof v !== "object"),
          fc.dictionary(fc.string(), jsonValueNot("string"), { minKeys: 1 }),
        ),
      }),
      fc.dictionary(
        fc.string({ minLength: 1 }).filter((k) =>
          !(k in validBooking) &&
          !["connectionId", "guests", "bookingFieldsResponses", "metadata"].includes(k)
        ),
        jsonValue,
        { minKeys: 1, maxKeys: 2 },
      ),
    ).map((change) => ({
      name: "a booking body with a bad field",
      method: "POST",
      path: "/bookings",
      body: JSON.stringify({ ...validBooking, ...change }),
      status: 400,
      code: "invalid_request",
    })),
    fc.option(headerText, { nil: undefined }).map((secret) => ({
      name: "the scheduled route without the cron secret",
      method: "POST",
      path: "/scheduled",
      headers: secret === undefined ? undefined : { "x-calcom-cron-secret": secret },
      status: 401,
      code: "unauthorized",
    })),
  );

  await t.step("the named and 2,500 generated hostile requests each get their 4xx error", async () => {
    await assertAllRefused(
      generated,
      (request) =>
        sendHostileRequest(`${stack.server.url}/${FN}`, request, {
          method: "GET",
          headers: { authorization: `Bearer ${user.token}`, apikey: stack.anonKey },
        }),
      { numRuns: 2500, examples: named },
    );
  });

  await t.step("no request started a sync run or reached another user's bookings", async () => {
    const [{ runs }] = await stack.db.sql<{ runs: number }[]>`
      select count(*)::int as runs from public.calcom_sync_runs`;
    assert.equal(runs, 0);
    const [{ requests }] = await stack.db.sql<{ requests: number }[]>`
      select count(*)::int as requests from public.calcom_booking_requests`;
    assert.equal(requests, 0);
    // Nothing was booked, and no action reached Cal.com: the other user's booking is as it was.
    assert.deepEqual(stack.sandbox.requests.filter((r) => r.method === "POST"), [], "nothing was booked");
    assert.equal(stack.sandbox.booking(theirs.uid)!.status, theirs.status);
    assert.ok(!stack.logs.some((line) => line.includes('"level":"error"')), stack.logs.join("\n"));
  });
});
