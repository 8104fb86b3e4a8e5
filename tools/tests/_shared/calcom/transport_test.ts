import assert from "node:assert/strict";
import {
  type CalcomClientOptions,
  createCalcomClient,
} from "../../../../supabase/functions/_shared/calcom/client.ts";
import {
  calcomErrorBody,
  fakeClock,
  fakeServer,
  json,
  rejection,
  testApiKey,
} from "../../../testing/calcom_test_data.ts";

const me = { id: 1, username: "dana", email: "dana@example.com" };
const ok = () => json({ status: "success", data: me });

function setup(
  handler: Parameters<typeof fakeServer>[0],
  options: Partial<CalcomClientOptions> = {},
) {
  const clock = fakeClock();
  const server = fakeServer(handler);
  const apiKey = options.apiKey ?? testApiKey();
  const client = createCalcomClient({
    baseUrl: "http://calcom.test",
    fetch: server.fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
    apiKey,
  });
  return { clock, server, client, apiKey };
}

function limitHeaders(remaining: number, resetSeconds: number): Record<string, string> {
  return {
    "X-RateLimit-Limit-Default": "120",
    "X-RateLimit-Remaining-Default": String(remaining),
    "X-RateLimit-Reset-Default": String(resetSeconds),
  };
}

/** Cal.com's throttler in miniature: `limit` requests per `ttlMs` window, 429 beyond it. */
function throttled(now: () => number, limit: number, ttlMs: number) {
  let windowEnd = 0;
  let hits = 0;
  const statuses: number[] = [];
  const handler = () => {
    const t = now();
    if (t >= windowEnd) {
      windowEnd = t + ttlMs;
      hits = 0;
    }
    hits++;
    const reset = Math.ceil((windowEnd - t) / 1000);
    const status = hits > limit ? 429 : 200;
    statuses.push(status);
    if (status === 429) {
      return json(calcomErrorBody("ThrottlerException", "Too many requests"), 429, limitHeaders(0, reset));
    }
    return json({ status: "success", data: me }, 200, limitHeaders(limit - hits, reset));
  };
  return { handler, statuses };
}

Deno.test("when the headers say no request remains, the next one waits for the reset and no 429 comes back", async () => {
  let clockMs = () => 0;
  const limiter = throttled(() => clockMs(), 3, 30_000);
  const { clock, client, server } = setup(limiter.handler);
  clockMs = clock.ms;
  for (let i = 0; i < 7; i++) await client.me();
  assert.equal(server.requests.length, 7);
  assert.deepEqual(limiter.statuses, [200, 200, 200, 200, 200, 200, 200]);
  assert.deepEqual(clock.sleeps, [30_000, 30_000]);
});

Deno.test("clients of the same key in one process share the rate-limit wait", async () => {
  const apiKey = testApiKey();
  const first = setup(() => json({ status: "success", data: me }, 200, limitHeaders(0, 42)), { apiKey });
  await first.client.me();
  const second = setup(ok, { apiKey });
  await second.client.me();
  assert.deepEqual(second.clock.sleeps, [42_000]);
  assert.equal(second.server.requests.length, 1);
});

Deno.test("a 429 waits for the reset it reports, then retries", async () => {
  const { client, clock, server } = setup((_, i) =>
    i === 0 ? json(calcomErrorBody("ThrottlerException", "Too many"), 429, limitHeaders(0, 17)) : ok()
  );
  assert.deepEqual(await client.me(), me);
  assert.equal(server.requests.length, 2);
  assert.deepEqual(clock.sleeps, [17_000]);
});

Deno.test("a 429 without rate-limit headers waits 60 seconds before retrying", async () => {
  const { client, clock, server } = setup((_, i) =>
    i === 0 ? json(calcomErrorBody("ThrottlerException", "Too many"), 429) : ok()
  );
  await client.me();
  assert.equal(server.requests.length, 2);
  assert.deepEqual(clock.sleeps, [60_000]);
});

Deno.test("5xx answers are retried with exponential backoff and full jitter", async () => {
  const { client, clock, server } = setup((_, i) =>
    i < 3 ? json(calcomErrorBody("InternalServerErrorException", "boom"), 503) : ok()
  );
  assert.deepEqual(await client.me(), me);
  assert.equal(server.requests.length, 4);
  // random() = 0.5 draws half of each ceiling: 500, 1000, 2000 ms.
  assert.deepEqual(clock.sleeps, [250, 500, 1_000]);
});

Deno.test("thrown network errors are retried", async () => {
  const { client, server } = setup((_, i) => {
    if (i < 2) throw new TypeError("error sending request: connection reset");
    return ok();
  });
  assert.deepEqual(await client.me(), me);
  assert.equal(server.requests.length, 3);
});

Deno.test("after the last attempt the last failure surfaces, still marked retryable", async () => {
  const { client, server } = setup(() => json({ statusCode: 500, message: "Internal server error" }, 500), {
    maxAttempts: 3,
  });
  const err = await rejection(client.me());
  assert.equal(server.requests.length, 3);
  assert.deepEqual([err.status, err.code, err.retryable], [500, "InternalServerErrorException", true]);
  assert.equal(
    err.message,
    "Cal.com GET /v2/me failed with 500 InternalServerErrorException: Internal server error",
  );
});

Deno.test("a network error on every attempt surfaces as NetworkError", async () => {
  const { client, server } = setup(() => {
    throw new TypeError("connection refused");
  }, { maxAttempts: 2 });
  const err = await rejection(client.me());
  assert.equal(server.requests.length, 2);
  assert.deepEqual([err.status, err.code, err.retryable], [undefined, "NetworkError", true]);
  assert.match(err.message, /connection refused/);
});

Deno.test("client errors other than 429 are not retried", async () => {
  for (
    const [status, code] of [
      [400, "BadRequestException"],
      [401, "UnauthorizedException"],
      [403, "ForbiddenException"],
      [422, "UnprocessableEntityException"],
    ] as const
  ) {
    const { client, server, clock } = setup(() => json(calcomErrorBody(code, "no"), status));
    const err = await rejection(client.me());
    assert.deepEqual([err.status, err.code, err.retryable], [status, code, false]);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(clock.sleeps, []);
  }
});

Deno.test("a request that never answers times out and is retried, its fetch aborted", async () => {
  const signals: AbortSignal[] = [];
  const clock = fakeClock();
  const client = createCalcomClient({
    apiKey: testApiKey(),
    baseUrl: "http://calcom.test",
    // Never settles, not even when aborted: the timeout must not depend on the fetch honouring the signal.
    fetch: (_input, init) => {
      signals.push(init!.signal!);
      return new Promise<Response>(() => {});
    },
    now: clock.now,
    sleep: clock.sleep,
    timeoutMs: 50,
    maxAttempts: 2,
  });
  const err = await rejection(client.me());
  assert.deepEqual([err.status, err.code, err.retryable], [undefined, "RequestTimeout", true]);
  assert.equal(err.message, "Cal.com GET /v2/me timed out after 50 ms");
  assert.equal(signals.length, 2);
  assert.ok(signals.every((s) => s.aborted));
});

Deno.test("no retry starts after the call's deadline", async () => {
  const { client, clock, server } = setup(
    () => json(calcomErrorBody("InternalServerErrorException", "x"), 503),
    {
      deadlineMs: 1_000,
      maxAttempts: 10,
      random: () => 0.999,
    },
  );
  const err = await rejection(client.me());
  // First backoff 499 ms fits; the second (999 ms) would start after the 1 s deadline.
  assert.deepEqual(clock.sleeps, [499]);
  assert.equal(server.requests.length, 2);
  assert.equal(err.status, 503);
});

Deno.test("a rate-limit wait that would end after the deadline fails fast with DeadlineExceeded", async () => {
  const { client, clock, server } = setup(
    () => json({ status: "success", data: me }, 200, limitHeaders(0, 60)),
    {
      deadlineMs: 30_000,
    },
  );
  await client.me();
  const err = await rejection(client.me());
  assert.deepEqual([err.status, err.code, err.retryable], [undefined, "DeadlineExceeded", true]);
  assert.match(err.message, /rate limit resets in 60 s/);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(clock.sleeps, []);
});

Deno.test("a 429 whose reset falls after the deadline surfaces as the 429", async () => {
  const { client, server } = setup(
    () => json(calcomErrorBody("ThrottlerException", "Too many"), 429, limitHeaders(0, 60)),
    { deadlineMs: 10_000 },
  );
  const err = await rejection(client.me());
  assert.deepEqual([err.status, err.code, err.retryable], [429, "ThrottlerException", true]);
  assert.equal(server.requests.length, 1);
});

Deno.test("an absolute deadline already passed sends nothing", async () => {
  const clock = fakeClock();
  const { client, server } = setup(ok, { now: clock.now, deadlineAt: new Date(clock.ms() - 1) });
  const err = await rejection(client.me());
  assert.equal(err.code, "DeadlineExceeded");
  assert.equal(server.requests.length, 0);
});

Deno.test("a 2xx body that is not JSON is retried once, then fails with MalformedResponse", async () => {
  const garbled = () => new Response("<html>oops", { status: 200 });
  const once = setup((_, i) => i === 0 ? garbled() : ok());
  assert.deepEqual(await once.client.me(), me);
  const always = setup(garbled);
  const err = await rejection(always.client.me());
  assert.deepEqual([err.status, err.code], [200, "MalformedResponse"]);
  assert.equal(always.server.requests.length, 2);
});

Deno.test("the API key appears in no error, whatever failed", async () => {
  const cases: [string, (key: string) => Parameters<typeof fakeServer>[0], Partial<CalcomClientOptions>][] = [
    [
      "401 echoing the key",
      (key) => () => json(calcomErrorBody("UnauthorizedException", `bad ${key}`), 401),
      {},
    ],
    ["bare body echoing the key", (key) => () => json({ statusCode: 500, message: key }, 500), {
      maxAttempts: 1,
    }],
    ["network error naming the key", (key) => () => {
      throw new TypeError(`failed: Bearer ${key}`);
    }, { maxAttempts: 1 }],
    ["schema mismatch", (key) => () => json({ status: "success", data: { id: key } }), {}],
    ["malformed body", (key) => () => new Response(`{${key}`, { status: 200 }), {}],
    ["429 at the deadline", () => () => json(calcomErrorBody("ThrottlerException", "x"), 429), {
      deadlineMs: 1,
    }],
  ];
  for (const [name, makeHandler, options] of cases) {
    const apiKey = testApiKey();
    const { client } = setup(makeHandler(apiKey), { ...options, apiKey });
    const err = await rejection(client.me());
    for (const text of [String(err), err.stack ?? "", JSON.stringify(err), Deno.inspect(err), err.code]) {
      assert.equal(text.includes(apiKey), false, `${name}: ${text}`);
      assert.equal(text.includes(apiKey.slice(4)), false, `${name}: ${text}`);
    }
  }
});
