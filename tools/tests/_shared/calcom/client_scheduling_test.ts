/**
 * The client's event types, slots and create calls against the sandbox: each with its own
 * cal-api-version, the answers parsed, and a create that fails at Cal.com sent once (only a 429 is
 * retried, since the create may otherwise have taken effect).
 */
import assert from "node:assert/strict";
import { startSandbox } from "../../../calcom_sandbox/mod.ts";
import {
  createCalcomClient,
  eventTypesApiVersion,
  slotsApiVersion,
} from "../../../../supabase/functions/_shared/calcom/client.ts";
import { RateLimiter } from "../../../../supabase/functions/_shared/calcom/rate_limiter.ts";
import { isCalcomError } from "../../../../supabase/functions/_shared/calcom/errors.ts";

const NOW = "2031-03-03T06:00:00.000Z";

async function setup() {
  const sandbox = await startSandbox({ seed: 5 });
  sandbox.setNow(NOW);
  const { user, apiKey } = sandbox.addUser({ timeZone: "Europe/Berlin" });
  const versions: string[] = [];
  const client = createCalcomClient({
    apiKey,
    baseUrl: sandbox.url,
    // Waits move the sandbox clock instead of sleeping.
    now: () => sandbox.now(),
    sleep: (ms) => {
      sandbox.advanceTime(ms);
      return Promise.resolve();
    },
    rateLimiter: new RateLimiter(),
    fetch: (input, init) => {
      versions.push(new Headers(init?.headers).get("cal-api-version") ?? "");
      return fetch(input, init);
    },
  });
  const types = Object.fromEntries(sandbox.eventTypes(user.id).map((e) => [e.slug, e.id]));
  return { sandbox, user, client, versions, types, [Symbol.asyncDispose]: () => sandbox.close() };
}

Deno.test("event types, slots and creates each send their own cal-api-version", async () => {
  await using t = await setup();
  const eventTypes = await t.client.listEventTypes();
  assert.deepEqual(eventTypes.map((e) => e.slug), ["30min", "consult", "group-class", "weekly-sync"]);
  const slots = await t.client.getSlots({
    eventTypeId: t.types["30min"],
    start: "2031-03-03",
    end: "2031-03-03",
    timeZone: "Europe/Berlin",
  });
  assert.equal(slots["2031-03-03"][0].start, "2031-03-03T09:00:00.000+01:00");
  const booking = await t.client.createBooking({
    eventTypeId: t.types["30min"],
    start: slots["2031-03-03"][0].start,
    attendee: { name: "Sam", email: "sam@example.org", timeZone: "UTC" },
  });
  assert.ok(!Array.isArray(booking));
  assert.equal(booking.start, "2031-03-03T08:00:00.000Z");
  assert.deepEqual(t.versions, [eventTypesApiVersion, slotsApiVersion, "2024-08-13"]);
});

Deno.test("a create answered 500 is not sent again; a refusal keeps Cal.com's status and message", async () => {
  await using t = await setup();
  const input = {
    eventTypeId: t.types["30min"],
    start: "2031-03-03T08:00:00Z",
    attendee: { name: "Sam", email: "sam@example.org", timeZone: "UTC" },
  };
  t.sandbox.setFaults({ path: "/v2/bookings", errorRate: 1 });
  await assert.rejects(t.client.createBooking(input), (err) => isCalcomError(err) && err.status === 500);
  assert.equal(t.sandbox.requests.filter((r) => r.method === "POST").length, 1);
  t.sandbox.setFaults({});
  await t.client.createBooking(input);
  await assert.rejects(
    t.client.createBooking(input),
    (err) =>
      isCalcomError(err) && err.status === 400 &&
      err.message.endsWith("User either already has booking at this time or is not available"),
  );
});

Deno.test("a create throttled with 429 is retried after the block", async () => {
  await using t = await setup();
  t.sandbox.setFaults({ path: "/v2/bookings", force429: 1 });
  const booking = t.client.createBooking({
    eventTypeId: t.types["30min"],
    start: "2031-03-03T08:00:00Z",
    attendee: { name: "Sam", email: "sam@example.org", timeZone: "UTC" },
  });
  // The forced 429 applies to the first matching request only.
  assert.ok(!Array.isArray(await booking));
  assert.deepEqual(t.sandbox.requests.filter((r) => r.method === "POST").map((r) => r.status), [429, 201]);
});
