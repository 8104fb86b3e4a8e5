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
