import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

type Json = Record<string, unknown>;
const NOW = "2025-03-01T09:00:00.000Z";

async function setup() {
  const sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ username: "dana", timeZone: "Europe/Berlin" });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  const post = (body: unknown) =>
    body === undefined
      ? calFetch(sandbox, null, "/v2/bookings", { method: "POST" })
      : calFetch(sandbox, null, "/v2/bookings", { method: "POST", body });
  return { sandbox, user, apiKey, types, post, [Symbol.asyncDispose]: () => sandbox.close() };
}

const attendee = { name: "Sam Guest", email: "sam@example.org", timeZone: "America/New_York" };

Deno.test("create bodies are refused with the messages of Cal.com's create pipe", async () => {
  await using t = await setup();
  const id = t.types["30min"];
  const start = "2025-03-03T09:00:00Z";
  const cases: [unknown, string][] = [
    [undefined, "Body is required"],
    [[1], "Body should be an object"],
    [{ start, eventTypeId: id, attendee, foo: 1 }, "foo property is wrong,property foo should not exist "],
    [
      { start, eventTypeId: id, attendee, end: start },
      "end property is wrong,property end should not exist ",
    ],
    [
      { start, eventTypeId: id, attendee, instant: false },
      "instant property is wrong,property instant should not exist ",
    ],
    [
      { start: "soon", eventTypeId: id, attendee },
      "start property is wrong,start must be a valid ISO 8601 date string ",
    ],
    [
      { start, eventTypeId: id, attendee: { name: "Sam", timeZone: "UTC" } },
      "attendee property is wrong, attendee property is wrong,Attendee must have at least one contact method (email or phone number) ",
    ],
    [
      { start, eventTypeId: id, attendee: { ...attendee, email: "not-an-email" } },
      "attendee property is wrong, email property is wrong,Invalid email format ",
    ],
    [
      { start, eventTypeId: id, attendee: { ...attendee, timeZone: "Nowhere/City" } },
      "attendee property is wrong, timeZone property is wrong,timeZone must be a valid IANA time-zone ",
    ],
    [
      { start, attendee },
      "eventTypeId property is wrong,Either eventTypeId or eventTypeSlug + username or eventTypeSlug + teamSlug must be provided ",
    ],
    [
      { start, eventTypeId: "7", attendee },
      "eventTypeId property is wrong,eventTypeId must be an integer number ",
    ],
  ];
  for (const [body, message] of cases) {
    const res = await t.post(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal((res.json.error as Json).code, "BadRequestException");
    assert.equal((res.json.error as Json).message, message, JSON.stringify(body));
  }
  assert.equal(t.sandbox.bookings(t.user.id).length, 0);
});

Deno.test("a booking is made only inside the host's working hours", async () => {
  await using t = await setup();
  const at = async (start: string) => await t.post({ start, eventTypeId: t.types["30min"], attendee });
  // 07:30 and 16:45 Berlin on a Monday, then a Saturday.
  for (const start of ["2025-03-03T06:30:00Z", "2025-03-03T15:45:00Z", "2025-03-08T10:00:00Z"]) {
    const res = await at(start);
    assert.equal(res.status, 400, start);
    assert.equal(
      (res.json.error as Json).message,
      "User either already has booking at this time or is not available",
    );
  }
  assert.equal((await at("2025-03-03T15:30:00Z")).status, 201);
});

Deno.test("a repeated request for an unconfirmed booking answers the same pending booking", async () => {
  await using t = await setup();
  const body = { start: "2025-03-03T09:00:00Z", eventTypeId: t.types.consult, attendee };
  const first = await t.post(body);
  assert.equal(first.status, 201);
  assert.equal((first.json.data as Json).status, "pending");
  const again = await t.post(body);
  assert.equal(again.status, 201);
  assert.equal((again.json.data as Json).uid, (first.json.data as Json).uid);
  assert.equal(t.sandbox.bookings(t.user.id).length, 1);
  const other = await t.post({ ...body, attendee: { ...attendee, email: "lee@example.org" } });
  assert.equal(other.status, 400);
});

Deno.test("a seated attendee cannot take a second seat; a single-length event type takes no length", async () => {
  await using t = await setup();
  const body = { start: "2025-03-03T09:00:00Z", eventTypeId: t.types["group-class"], attendee };
  assert.equal((await t.post(body)).status, 201);
  const twice = await t.post(body);
  assert.equal(twice.status, 409);
  const length = await t.post({ ...body, eventTypeId: t.types["30min"], lengthInMinutes: 30 });
  assert.equal(length.status, 400);
  assert.match((length.json.error as Json).message as string, /^Can't specify 'lengthInMinutes'/);
});
