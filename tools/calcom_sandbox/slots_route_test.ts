import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

// A Saturday; the host works Monday to Friday 09:00–17:00 in Europe/Berlin (UTC+1 in March).
const NOW = "2025-03-01T09:00:00.000Z";

async function setup() {
  const sandbox = await startSandbox();
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ username: "dana", timeZone: "Europe/Berlin" });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  return { sandbox, user, apiKey, types, [Symbol.asyncDispose]: () => sandbox.close() };
}

type Json = Record<string, unknown>;
const slots = (sandbox: Awaited<ReturnType<typeof setup>>["sandbox"], query: string) =>
  calFetch(sandbox, null, `/v2/slots?${query}`, { headers: { "cal-api-version": "2024-09-04" } });

Deno.test("slots are the host's working hours by event length, keyed by day, weekends left out", async () => {
  await using t = await setup();
  const res = await slots(t.sandbox, `eventTypeId=${t.types["30min"]}&start=2025-03-01&end=2025-03-04`);
  assert.equal(res.status, 200);
  assert.equal(res.json.status, "success");
  const data = res.json.data as Record<string, Json[]>;
  assert.deepEqual(Object.keys(data), ["2025-03-03", "2025-03-04"]);
  assert.equal(data["2025-03-03"].length, 16);
  assert.deepEqual(data["2025-03-03"][0], { start: "2025-03-03T08:00:00.000Z" });
  assert.deepEqual(data["2025-03-03"].at(-1), { start: "2025-03-03T15:30:00.000Z" });
});

Deno.test("slots are written in the requested zone, and format=range adds the end", async () => {
  await using t = await setup();
  const res = await slots(
    t.sandbox,
    `eventTypeId=${
      t.types["30min"]
    }&start=2025-03-03T00:00:00Z&end=2025-03-03T09:00:00Z&timeZone=Europe/Berlin&format=RANGE`,
  );
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.data, {
    "2025-03-03": [
      { start: "2025-03-03T09:00:00.000+01:00", end: "2025-03-03T09:30:00.000+01:00" },
      { start: "2025-03-03T09:30:00.000+01:00", end: "2025-03-03T10:00:00.000+01:00" },
    ],
  });
});

Deno.test("accepted and pending bookings take their slots; cancelled ones free them", async () => {
  await using t = await setup();
  const query = `eventTypeId=${t.types["30min"]}&start=2025-03-03T08:00:00Z&end=2025-03-03T09:59:00Z`;
  await t.sandbox.createBooking(t.user.id, { start: "2025-03-03T08:00:00Z" });
  const pending = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: t.types.consult,
    start: "2025-03-03T08:45:00Z",
  });
  const starts = async () =>
    ((await slots(t.sandbox, query)).json.data as Record<string, Json[]>)["2025-03-03"]?.map((s) => s.start);
  // The 45-minute request 08:45–09:30 blocks 08:30, 09:00 and its neighbours that overlap it.
  assert.deepEqual(await starts(), ["2025-03-03T09:30:00.000Z"]);
  await t.sandbox.rejectBooking(pending.uid);
  assert.deepEqual(await starts(), [
    "2025-03-03T08:30:00.000Z",
    "2025-03-03T09:00:00.000Z",
    "2025-03-03T09:30:00.000Z",
  ]);
});

Deno.test("slots before the sandbox clock are not offered", async () => {
  await using t = await setup();
  t.sandbox.setNow("2025-03-03T14:10:00Z");
  const res = await slots(t.sandbox, `eventTypeId=${t.types["30min"]}&start=2025-03-03&end=2025-03-03`);
  const day = (res.json.data as Record<string, Json[]>)["2025-03-03"];
  assert.deepEqual(day.map((s) => s.start), [
    "2025-03-03T14:30:00.000Z",
    "2025-03-03T15:00:00.000Z",
    "2025-03-03T15:30:00.000Z",
  ]);
});

Deno.test("a seated slot stays offered with its seat counts until full", async () => {
  await using t = await setup();
  const seated = t.types["group-class"];
  const booked = await t.sandbox.createBooking(t.user.id, {
    eventTypeId: seated,
    start: "2025-03-03T08:00:00Z",
  });
  const res = await slots(
    t.sandbox,
    `eventTypeId=${seated}&start=2025-03-03T08:00:00Z&end=2025-03-03T09:30:00Z`,
  );
  assert.deepEqual(res.json.data, {
    "2025-03-03": [
      {
        start: "2025-03-03T08:00:00.000Z",
        seatsBooked: 1,
        seatsRemaining: 4,
        seatsTotal: 5,
        bookingUid: booked.uid,
      },
      { start: "2025-03-03T09:00:00.000Z", seatsBooked: 0, seatsRemaining: 5, seatsTotal: 5 },
    ],
  });
});

Deno.test("the slots query is checked like Cal.com's pipe", async () => {
  await using t = await setup();
  const id = t.types["30min"];
  const cases: [string, number, string][] = [
    [
      `eventTypeId=${id}&start=2025-03-03&end=2025-03-04&foo=1`,
      400,
      "foo property is wrong,property foo should not exist ",
    ],
    [
      `eventTypeId=${id}&end=2025-03-04`,
      400,
      "start property is wrong,start must be a valid ISO 8601 date string ",
    ],
    [
      `eventTypeId=${id}&start=2025-02-30&end=2025-03-04`,
      400,
      "start property is wrong,start must be a valid ISO 8601 date string ",
    ],
    [
      `eventTypeId=${id}&start=2025-03-03&end=2025-03-04&timeZone=Mars/Base`,
      400,
      "timeZone property is wrong,timeZone must be a valid IANA time-zone ",
    ],
    [
      `eventTypeId=${id}&start=2025-03-03&end=2025-03-04&format=list`,
      400,
      "format property is wrong,slotFormat must be either 'range' or 'time' ",
    ],
    ["eventTypeId=999999&start=2025-03-03&end=2025-03-04", 404, "Event type with id=999999 not found"],
  ];
  for (const [query, status, message] of cases) {
    const res = await slots(t.sandbox, query);
    assert.equal(res.status, status, query);
    assert.equal((res.json.error as Json).message, message, query);
  }
});

Deno.test("slots need cal-api-version 2024-09-04", async () => {
  await using t = await setup();
  const query = `/v2/slots?eventTypeId=${t.types["30min"]}&start=2025-03-03&end=2025-03-04`;
  assert.equal((await calFetch(t.sandbox, null, query)).status, 404);
  assert.equal((await calFetch(t.sandbox, null, query, { headers: { "cal-api-version": "" } })).status, 404);
});
