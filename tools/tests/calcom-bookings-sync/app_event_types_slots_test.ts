/**
 * GET /calcom-bookings-sync/event-types and /slots through the real function and the sandbox (its clock
 * pinned): the account's event types in the function's shape, the free slots of one in a range, the
 * connection choice, and the 400, 401, 404 and 502 answers.
 */
import assert from "node:assert/strict";
import { type FunctionResponse, invokeFunction } from "../../testing/invoke_function.ts";
import {
  schedulingUser,
  sendDeliveries,
  startSchedulingStack,
} from "../../testing/scheduling_test_support.ts";
import { insertConnection } from "../../testing/sync_test_support.ts";
import type { StackUser } from "../../testing/test_stack.ts";

const FN = "calcom-bookings-sync";

function get(user: StackUser, path: string): Promise<FunctionResponse> {
  return invokeFunction(user.client, `${FN}/${path}`, { method: "GET" });
}

Deno.test("calcom-bookings-sync offers event types and slots", async (t) => {
  await using stack = await startSchedulingStack();
  const { sandbox } = stack;
  const u = await schedulingUser(stack);

  await t.step("the account's event types, with confirmation and seats", async () => {
    const res = await get(u.user, "event-types");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.eventTypes, [
      {
        id: u.types["30min"],
        slug: "30min",
        title: "30 min meeting",
        description: "",
        lengthInMinutes: 30,
        lengthInMinutesOptions: null,
        requiresConfirmation: false,
        seats: null,
        recurring: false,
        hidden: false,
      },
      {
        id: u.types.consult,
        slug: "consult",
        title: "Consult",
        description: "Needs the host's confirmation",
        lengthInMinutes: 45,
        lengthInMinutesOptions: null,
        requiresConfirmation: true,
        seats: null,
        recurring: false,
        hidden: false,
      },
      {
        id: u.types["group-class"],
        slug: "group-class",
        title: "Group class",
        description: "",
        lengthInMinutes: 60,
        lengthInMinutesOptions: null,
        requiresConfirmation: false,
        seats: 5,
        recurring: false,
        hidden: false,
      },
      {
        id: u.types["weekly-sync"],
        slug: "weekly-sync",
        title: "Weekly sync",
        description: "",
        lengthInMinutes: 30,
        lengthInMinutesOptions: null,
        requiresConfirmation: false,
        seats: null,
        recurring: true,
        hidden: false,
      },
    ]);
    const sent = sandbox.requests.filter((r) => r.path === "/v2/event-types");
    assert.equal(sent.at(-1)!.status, 200);
  });

  await t.step("the free slots of an event type in a range, by day, in the asked zone", async () => {
    const query = `eventTypeId=${u.types["30min"]}&start=2031-03-03&end=2031-03-04&timeZone=Europe/Berlin`;
    const res = await get(u.user, `slots?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body.slots), ["2031-03-03", "2031-03-04"]);
    assert.equal(res.body.slots["2031-03-03"].length, 16);
    assert.deepEqual(res.body.slots["2031-03-03"][0], { start: "2031-03-03T09:00:00.000+01:00" });

    // A booking at the first slot takes it away.
    const booked = await invokeFunction(u.user.client, `${FN}/bookings`, {
      method: "POST",
      body: {
        eventTypeId: u.types["30min"],
        start: res.body.slots["2031-03-03"][0].start,
        attendee: { name: "Sam Guest", email: "sam@example.org", timeZone: "Europe/Berlin" },
      },
    });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    await sendDeliveries(stack);
    const after = await get(u.user, `slots?${query}`);
    assert.deepEqual(after.body.slots["2031-03-03"][0], { start: "2031-03-03T09:30:00.000+01:00" });
  });

  await t.step("a seated event type's slots carry the seats left", async () => {
    const res = await get(
      u.user,
      `slots?eventTypeId=${u.types["group-class"]}&start=2031-03-04T08:00:00Z&end=2031-03-04T08:59:00Z`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.slots, {
      "2031-03-04": [{ start: "2031-03-04T08:00:00.000Z", seatsRemaining: 5, seatsTotal: 5 }],
    });
  });

  await t.step("bad queries are 400s", async () => {
    const id = u.types["30min"];
    const cases: [string, string][] = [
      ["no event type", "slots?start=2031-03-03&end=2031-03-04"],
      ["an event type that is not a number", "slots?eventTypeId=abc&start=2031-03-03&end=2031-03-04"],
      ["no start", `slots?eventTypeId=${id}&end=2031-03-04`],
      ["a start that is no date", `slots?eventTypeId=${id}&start=tomorrow&end=2031-03-04`],
      ["an end before the start", `slots?eventTypeId=${id}&start=2031-03-05&end=2031-03-04`],
      ["more than 31 days", `slots?eventTypeId=${id}&start=2031-03-01&end=2031-04-02`],
      ["an unknown zone", `slots?eventTypeId=${id}&start=2031-03-03&end=2031-03-04&timeZone=Mars/Base`],
      ["an unknown parameter", `slots?eventTypeId=${id}&start=2031-03-03&end=2031-03-04&format=range`],
      ["a repeated parameter", `slots?eventTypeId=${id}&eventTypeId=${id}&start=2031-03-03&end=2031-03-04`],
      ["a non-uuid connection", "event-types?connectionId=1"],
      ["an unknown parameter on event types", "event-types?username=dana"],
    ];
    for (const [name, path] of cases) {
      const res = await get(u.user, path);
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "invalid_request", name);
    }
  });

  await t.step("an event type of another account has no slots here", async () => {
    const other = await schedulingUser(stack);
    const res = await get(
      u.user,
      `slots?eventTypeId=${other.types["30min"]}&start=2031-03-03&end=2031-03-04`,
    );
    assert.equal(res.status, 404);
    assert.equal(res.body.error.details.reason, "event_type_not_found");
  });

  await t.step("with several active connections one must be named; a paused one is a 409", async () => {
    const user = await stack.signUp();
    const first = sandbox.addUser();
    const second = sandbox.addUser();
    const paused = sandbox.addUser();
    const firstId = await insertConnection(stack, user, first);
    await insertConnection(stack, user, second);
    const pausedId = await insertConnection(stack, user, paused, { isActive: false });
    const unnamed = await get(user, "event-types");
    assert.equal(unnamed.status, 400);
    assert.equal(unnamed.body.error.details.connectionIds.length, 2);
    const named = await get(user, `event-types?connectionId=${firstId}`);
    assert.equal(named.status, 200);
    assert.deepEqual(
      named.body.eventTypes.map((e: { id: number }) => e.id),
      sandbox.eventTypes(first.user.id).map((e) => e.id),
    );
    const pausedRes = await get(user, `event-types?connectionId=${pausedId}`);
    assert.equal(pausedRes.status, 409);
    const stranger = await get(u.user, `event-types?connectionId=${firstId}`);
    assert.equal(stranger.status, 404);
    const nobody = await get(await stack.signUp(), "event-types");
    assert.equal(nobody.status, 404);
  });

  await t.step("when Cal.com fails, both routes answer 502 calcom_unavailable", async () => {
    sandbox.setFaults({ errorRate: 1, errorStatus: 503 });
    const types = await get(u.user, "event-types");
    const slots = await get(u.user, `slots?eventTypeId=${u.types["30min"]}&start=2031-03-03&end=2031-03-04`);
    sandbox.setFaults({});
    for (const res of [types, slots]) {
      assert.equal(res.status, 502);
      assert.equal(res.body.error.code, "calcom_unavailable");
    }
  });

  await t.step("without a valid token both routes are 401", async () => {
    for (const path of ["event-types", `slots?eventTypeId=1&start=2031-03-03&end=2031-03-04`]) {
      const res = await invokeFunction(stack.clientWith(), `${FN}/${path}`, { method: "GET" });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, "unauthorized");
    }
  });
});
