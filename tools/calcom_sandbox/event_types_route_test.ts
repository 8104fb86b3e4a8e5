import assert from "node:assert/strict";
import { startSandbox } from "./sandbox.ts";
import { calFetch } from "./test_support.ts";

type Json = Record<string, unknown>;
const V = { "cal-api-version": "2024-06-14" };

Deno.test("a key with no query lists its owner's event types in the 2024-06-14 shape", async () => {
  await using sandbox = await startSandbox();
  const { user, apiKey } = sandbox.addUser({ username: "dana" });
  sandbox.addUser({ username: "other" });
  const res = await calFetch(sandbox, apiKey, "/v2/event-types", { headers: V });
  assert.equal(res.status, 200);
  const data = res.json.data as Json[];
  assert.deepEqual(data.map((e) => e.slug), ["30min", "consult", "group-class", "weekly-sync"]);
  assert.ok(data.every((e) => e.ownerId === user.id && !("requiresConfirmation" in e)));
  const [regular, consult, seated] = data;
  assert.equal(regular.lengthInMinutes, 30);
  assert.deepEqual(regular.confirmationPolicy, { disabled: true });
  assert.deepEqual(regular.seats, { disabled: true });
  assert.deepEqual(regular.locations, [{ type: "integration", integration: "cal-video" }]);
  assert.deepEqual(consult.confirmationPolicy, { type: "always", blockUnconfirmedBookingsInBooker: true });
  assert.deepEqual(seated.seats, {
    seatsPerTimeSlot: 5,
    showAttendeeInfo: false,
    showAvailabilityCount: true,
  });
  assert.equal(seated.seatsPerTimeSlot, 5);
  assert.equal(regular.bookingUrl, "https://cal.com/dana/30min");
});

Deno.test("without a key the list is empty; username and eventSlug name someone's", async () => {
  await using sandbox = await startSandbox();
  sandbox.addUser({ username: "dana" });
  assert.deepEqual((await calFetch(sandbox, null, "/v2/event-types", { headers: V })).json.data, []);
  const one = await calFetch(sandbox, null, "/v2/event-types?username=dana&eventSlug=consult", {
    headers: V,
  });
  assert.deepEqual((one.json.data as Json[]).map((e) => e.slug), ["consult"]);
  const nobody = await calFetch(sandbox, null, "/v2/event-types?username=nobody", { headers: V });
  assert.deepEqual(nobody.json.data, []);
});

Deno.test("event types need cal-api-version 2024-06-14", async () => {
  await using sandbox = await startSandbox();
  const { apiKey } = sandbox.addUser();
  const res = await calFetch(sandbox, apiKey, "/v2/event-types");
  assert.equal(res.status, 404);
  assert.equal((res.json.error as Json).message, "Cannot GET /v2/event-types");
});
