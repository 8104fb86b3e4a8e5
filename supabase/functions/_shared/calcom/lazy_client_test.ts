import assert from "node:assert/strict";
import { CalcomError, CalcomErrorCode } from "./errors.ts";
import { createLazyCalcomClient } from "./lazy_client.ts";

Deno.test("a lazy client refuses a key a header cannot carry when it is made", () => {
  assert.throws(
    () => createLazyCalcomClient({ apiKey: "cal_live key with spaces" }),
    (err) => err instanceof CalcomError && err.code === CalcomErrorCode.invalidRequest,
  );
});

Deno.test("a lazy client's methods and booking pages reach Cal.com through the real client", async () => {
  const paths: string[] = [];
  const client = createLazyCalcomClient({
    apiKey: "cal_test_lazy",
    baseUrl: "http://calcom.invalid",
    maxAttempts: 1,
    fetch: (input) => {
      paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return Promise.resolve(
        Response.json({
          status: "error",
          error: { code: "UnauthorizedException", message: "Invalid API key" },
        }, {
          status: 401,
        }),
      );
    },
  });
  await assert.rejects(
    client.me(),
    (err) => err instanceof CalcomError && err.code === CalcomErrorCode.unauthorized,
  );
  await assert.rejects(
    (async () => {
      for await (const _ of client.listBookings({ take: 10 })) break;
    })(),
    (err) => err instanceof CalcomError && err.code === CalcomErrorCode.unauthorized,
  );
  assert.deepEqual(paths, ["/v2/me", "/v2/bookings"]);
});

Deno.test("a lazy client passes every argument on, a read's onReadAt included", async () => {
  const booking = {
    id: 1,
    uid: "b1",
    start: "2031-03-03T09:00:00Z",
    end: "2031-03-03T09:30:00Z",
    status: "cancelled",
  };
  const bodies: unknown[] = [];
  const client = createLazyCalcomClient({
    apiKey: "cal_test_lazy",
    baseUrl: "http://calcom.invalid",
    maxAttempts: 1,
    fetch: (_input, init) => {
      if (init?.body) bodies.push(JSON.parse(String(init.body)));
      return Promise.resolve(Response.json({ status: "success", data: booking }, {
        headers: { date: "Mon, 03 Mar 2031 08:00:00 GMT" },
      }));
    },
  });
  const readAts: string[] = [];
  const onReadAt = (at: string) => readAts.push(at);
  const read = await client.getBooking("b1", { onReadAt });
  assert.equal(Array.isArray(read) ? read[0].uid : read.uid, "b1");
  await client.cancelBooking("b1", { cancellationReason: "Ill" }, { onReadAt });
  assert.deepEqual(bodies, [{ cancellationReason: "Ill" }]);
  assert.deepEqual(readAts, ["2031-03-03T08:00:00.999Z", "2031-03-03T08:00:00.999Z"]);
});
