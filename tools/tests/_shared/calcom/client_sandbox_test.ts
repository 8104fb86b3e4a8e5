/**
 * The client over real HTTP against the Cal.com sandbox on 127.0.0.1: paging, filters, incremental
 * reads, rate limits, faults and errors as Cal.com produces them.
 */
import assert from "node:assert/strict";
import { calFetch, startReceiver } from "../../../calcom_sandbox/test_support.ts";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../../calcom_sandbox/mod.ts";
import {
  type BookingPage,
  type CalcomClientOptions,
  createCalcomClient,
  maxWebhookPages,
} from "../../../../supabase/functions/_shared/calcom/client.ts";
import { maxResponseBytes } from "../../../../supabase/functions/_shared/calcom/read_capped.ts";
import { RateLimiter } from "../../../../supabase/functions/_shared/calcom/rate_limiter.ts";
import type { ApiBooking } from "../../../../supabase/functions/_shared/calcom/schemas.ts";
import { rejection } from "../../../testing/calcom_test_data.ts";

const frozenAt = "2026-01-15T12:00:00.000Z";

/** A sandbox whose clock only moves when the client sleeps, so rate-limit windows pass instantly. */
async function frozenSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  // self-hosted rules: webhooks here post to http://127.0.0.1
  const sandbox = await startSandbox({ seed: 11, subscriberUrlRules: "self-hosted", ...options });
  sandbox.setNow(frozenAt);
  return sandbox;
}

/** A client of `sandbox` sharing its clock: every wait advances the sandbox clock instead of sleeping. */
function clientOf(sandbox: Sandbox, apiKey: string, options: Partial<CalcomClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = createCalcomClient({
    apiKey,
    baseUrl: sandbox.url,
    now: () => sandbox.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      sandbox.advanceTime(ms);
      return Promise.resolve();
    },
    // Each test has its own limiter: the sandbox's keys may repeat across sandboxes with the same seed.
    rateLimiter: new RateLimiter(),
    ...options,
  });
  return { client, sleeps };
}

function uidsOf(pages: BookingPage[]): string[] {
  return pages.flatMap((p) => p.bookings.map((b) => b.uid));
}

function statuses(sandbox: Sandbox): number[] {
  return sandbox.requests.map((r) => r.status);
}

Deno.test("every booking is listed exactly once for 0, 1, 250, 251 and 5,000 bookings", async () => {
  await using sandbox = await frozenSandbox();
  for (const n of [0, 1, 250, 251, 5000]) {
    const { user, apiKey } = sandbox.addUser();
    sandbox.seedBookings(user.id, n, { seed: n + 1 });
    const truth = sandbox.bookings(user.id).map((b) => b.uid);
    sandbox.resetRequests();
    const pages = await Array.fromAsync(clientOf(sandbox, apiKey).client.listBookings());
    const uids = uidsOf(pages);
    assert.equal(uids.length, truth.length, `n=${n}`);
    assert.equal(new Set(uids).size, uids.length, `n=${n}: a booking came twice`);
    assert.deepEqual(new Set(uids), new Set(truth), `n=${n}`);
    assert.equal(sandbox.requests.length, Math.max(1, Math.ceil(truth.length / 250)), `n=${n}`);
    assert.ok(statuses(sandbox).every((s) => s === 200));
    assert.deepEqual(pages.map((p) => p.skip), pages.map((_, i) => i * 250));
    assert.equal(pages.at(-1)?.hasNextPage, false);
  }
});

Deno.test("listing resumes from a saved offset with nothing missed or repeated", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 600);
  const { client } = clientOf(sandbox, apiKey);
  const first: ApiBooking[] = [];
  let saved = 0;
  for await (const page of client.listBookings()) {
    first.push(...page.bookings);
    saved = page.nextSkip;
    break; // the run stops after its first page
  }
  const rest = uidsOf(await Array.fromAsync(client.listBookings({ skip: saved })));
  const all = [...first.map((b) => b.uid), ...rest];
  assert.equal(saved, 250);
  assert.equal(new Set(all).size, all.length);
  assert.deepEqual(new Set(all), new Set(sandbox.bookings(user.id).map((b) => b.uid)));
});

Deno.test("status and time filters return what the sandbox holds for them", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 800);
  const { client } = clientOf(sandbox, apiKey);
  const truth = sandbox.bookings(user.id);

  const cancelled = uidsOf(await Array.fromAsync(client.listBookings({ status: ["cancelled"] })));
  const expectedCancelled = truth.filter((b) => b.status === "cancelled" || b.status === "rejected");
  assert.ok(expectedCancelled.length > 0);
  assert.deepEqual(new Set(cancelled), new Set(expectedCancelled.map((b) => b.uid)));

  const afterStart = "2025-12-01T00:00:00.000Z";
  const beforeEnd = "2026-02-01T00:00:00.000Z";
  const window = uidsOf(await Array.fromAsync(client.listBookings({ afterStart, beforeEnd })));
  const expectedWindow = truth.filter((b) => b.start >= afterStart && b.end <= beforeEnd);
  assert.ok(expectedWindow.length > 0);
  assert.deepEqual(new Set(window), new Set(expectedWindow.map((b) => b.uid)));
});

Deno.test("an incremental read from a watermark returns every booking changed since, sorted by updatedAt", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 400);
  const { client } = clientOf(sandbox, apiKey);
  const full = (await Array.fromAsync(client.listBookings())).flatMap((p) => p.bookings);
  const watermark = full.map((b) => b.updatedAt!).sort().at(-1)!;
  const atWatermark = full.filter((b) => b.updatedAt === watermark).map((b) => b.uid);

  sandbox.setNow("2026-01-15T13:00:00.000Z");
  const accepted = sandbox.bookings(user.id).filter((b) => b.status === "accepted" && b.end > frozenAt);
  const cancelled = await sandbox.cancelBooking(accepted[0].uid, "Conflict");
  const moved = await sandbox.rescheduleBooking(accepted[1].uid, "2026-03-02T10:00:00.000Z");
  const created = await sandbox.createBooking(user.id);

  const changed = (await Array.fromAsync(client.listBookings({ afterUpdatedAt: watermark }))).flatMap((p) =>
    p.bookings
  );
  assert.deepEqual(
    new Set(changed.map((b) => b.uid)),
    new Set([...atWatermark, cancelled.uid, accepted[1].uid, moved.uid, created.uid]),
  );
  const times = changed.map((b) => b.updatedAt!);
  assert.deepEqual(times, [...times].sort());
  assert.equal(changed.find((b) => b.uid === cancelled.uid)?.status, "cancelled");
  assert.equal(changed.find((b) => b.uid === moved.uid)?.rescheduledFromUid, accepted[1].uid);
});

Deno.test("with 5 requests per window the client waits out each window and never meets a 429", async () => {
  await using sandbox = await frozenSandbox({ rateLimit: { limit: 5, ttlMs: 60_000, blockMs: 60_000 } });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 5000);
  sandbox.resetRequests();
  const { client, sleeps } = clientOf(sandbox, apiKey);
  const uids = uidsOf(await Array.fromAsync(client.listBookings()));
  assert.equal(new Set(uids).size, 5000);
  assert.equal(sandbox.requests.length, 20);
  assert.ok(statuses(sandbox).every((s) => s === 200), `statuses ${statuses(sandbox)}`);
  assert.deepEqual(sleeps, [60_000, 60_000, 60_000]);
});

Deno.test("when another process used up the window the client gets one 429, waits for the block, and completes", async () => {
  await using sandbox = await frozenSandbox({ rateLimit: { limit: 5, ttlMs: 60_000, blockMs: 75_000 } });
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 2000);
  // Another isolate, invisible to this process's limiter, spends the whole window.
  for (let i = 0; i < 5; i++) assert.equal((await calFetch(sandbox, apiKey, "/v2/me")).status, 200);
  sandbox.resetRequests();
  const { client, sleeps } = clientOf(sandbox, apiKey);
  const uids = uidsOf(await Array.fromAsync(client.listBookings()));
  assert.equal(new Set(uids).size, 2000);
  assert.deepEqual(statuses(sandbox), [429, 200, 200, 200, 200, 200, 200, 200, 200]);
  // The block's reset (75 s) first, then one full window after five more requests.
  assert.deepEqual(sleeps, [75_000, 60_000]);
});

Deno.test("a forced 429 is waited out for its reset and retried", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.setFaults({ force429: 1 });
  const { client, sleeps } = clientOf(sandbox, apiKey);
  assert.equal((await client.me()).id, user.id);
  assert.deepEqual(statuses(sandbox), [429, 200]);
  assert.deepEqual(sleeps, [60_000]);
});

Deno.test("5xx answers, proxy error pages and dropped connections are retried until the listing completes", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.seedBookings(user.id, 1500);
  const { client } = clientOf(sandbox, apiKey, { maxAttempts: 8 });

  sandbox.setFaults({ errorRate: 0.4, seed: 5 });
  assert.equal(new Set(uidsOf(await Array.fromAsync(client.listBookings()))).size, 1500);
  assert.ok(sandbox.requests.some((r) => r.fault === "error" && r.status === 500));

  sandbox.resetRequests();
  sandbox.setFaults({ errorRate: 0.4, errorStatus: 502, seed: 6 });
  assert.equal(new Set(uidsOf(await Array.fromAsync(client.listBookings()))).size, 1500);
  assert.ok(sandbox.requests.some((r) => r.fault === "error" && r.status === 502));

  sandbox.resetRequests();
  sandbox.setFaults({ dropConnection: 2 });
  assert.equal(new Set(uidsOf(await Array.fromAsync(client.listBookings()))).size, 1500);
  assert.deepEqual(sandbox.requests.slice(0, 2).map((r) => r.fault), ["drop", "drop"]);
  assert.equal(sandbox.requests.length, 6 + 2);
});

Deno.test("a truncated body is retried once", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser();
  sandbox.setFaults({ malformedBody: 1 });
  const { client } = clientOf(sandbox, apiKey);
  assert.equal((await client.me()).id, user.id);
  assert.deepEqual(sandbox.requests.map((r) => r.fault), ["malformed", undefined]);
});

Deno.test("a request the sandbox never answers times out, is retried, then fails with RequestTimeout", async () => {
  await using sandbox = await frozenSandbox();
  const { apiKey } = sandbox.addUser();
  sandbox.setFaults({ hang: true });
  const { client } = clientOf(sandbox, apiKey, { timeoutMs: 100, maxAttempts: 2 });
  const err = await rejection(client.me());
  assert.deepEqual([err.code, err.status, err.retryable], ["RequestTimeout", undefined, true]);
  assert.deepEqual(sandbox.requests.map((r) => r.fault), ["hang", "hang"]);
});

Deno.test("an answer over 16 MB is read no further and fails with ResponseTooLarge, not retried", async () => {
  await using sandbox = await frozenSandbox();
  const { apiKey } = sandbox.addUser();
  const size = 4 * maxResponseBytes;
  sandbox.setFaults({ oversizedBodyBytes: size, path: "/v2/bookings" });
  const { client } = clientOf(sandbox, apiKey);
  const err = await rejection(client.listBookings().next());
  assert.deepEqual([err.code, err.status, err.retryable], ["ResponseTooLarge", 200, false]);
  assert.equal(err.message, "Cal.com GET /v2/bookings: the answer exceeded 16 MB and was not read");
  assert.equal(sandbox.requests.length, 1);
  // A client reading to the end would have taken all of it; socket buffers hold some beyond the cap.
  const sent = sandbox.requests[0].bytesSent!;
  assert.ok(sent < size, `${sent} bytes sent of ${size}`);
});

Deno.test("a redirect is not followed: nothing reaches its target and the call fails with RedirectNotFollowed", async () => {
  await using sandbox = await frozenSandbox();
  await using elsewhere = startReceiver();
  const { user, apiKey } = sandbox.addUser();
  sandbox.setFaults({ redirectTo: new URL(elsewhere.url).origin, path: "/v2/webhooks" });
  const { client } = clientOf(sandbox, apiKey);
  const secret = "whsec-must-stay-at-cal-com";
  const err = await rejection(client.createWebhook({
    subscriberUrl: "https://example.com/hook",
    triggers: ["BOOKING_CREATED"],
    secret,
  }));
  assert.deepEqual([err.code, err.status, err.retryable], ["RedirectNotFollowed", 307, false]);
  assert.equal(
    err.message,
    "Cal.com POST /v2/webhooks answered 307 (a redirect): redirects are not followed",
  );
  assert.deepEqual(elsewhere.received, []);
  assert.deepEqual(sandbox.requests.map((r) => [r.method, r.status, r.fault]), [["POST", 307, "redirect"]]);
  assert.deepEqual(sandbox.webhooks(user.id), []);
});

Deno.test("listing webhooks of a Cal.com that ignores skip stops after the page limit with TooManyPages", async () => {
  await using sandbox = await frozenSandbox({ rateLimit: { limit: 1_000 } });
  const { user, apiKey } = sandbox.addUser();
  const ids = sandbox.seedWebhooks(user.id, 251);
  const { client } = clientOf(sandbox, apiKey);
  assert.deepEqual((await client.listWebhooks()).map((w) => w.id), ids);
  sandbox.resetRequests();
  sandbox.setFaults({ ignoreSkip: true });
  const err = await rejection(client.findWebhookByUrl("https://example.com/not-there"));
  assert.deepEqual([err.code, err.retryable], ["TooManyPages", false]);
  assert.equal(err.message, "Cal.com GET /v2/webhooks answered 20 full pages of 250: stopped listing");
  assert.equal(maxWebhookPages, 20);
  assert.equal(sandbox.requests.length, maxWebhookPages);
});

Deno.test("an unknown key fails with 401 UnauthorizedException and the key appears nowhere in the error", async () => {
  await using sandbox = await frozenSandbox();
  const { user } = sandbox.addUser();
  const expired = sandbox.addApiKey(user.id, { expiresAt: "2025-01-01T00:00:00.000Z" });
  for (
    const [apiKey, message] of [
      ["cal_test_0000000000000000000000000000dead", "CustomThrottlerGuard - Invalid API Key"],
      [expired, "ApiAuthStrategy - api key - Your api key is expired"],
    ]
  ) {
    const { client } = clientOf(sandbox, apiKey);
    const err = await rejection(client.me());
    assert.deepEqual([err.status, err.code, err.retryable], [401, "UnauthorizedException", false]);
    assert.equal(err.message, `Cal.com GET /v2/me failed with 401 UnauthorizedException: ${message}`);
    for (const text of [String(err), err.stack ?? "", JSON.stringify(err), Deno.inspect(err)]) {
      assert.equal(text.includes(apiKey), false, text);
    }
  }
  assert.deepEqual(statuses(sandbox), [401, 401]);
});

Deno.test("me, getBooking and the webhook calls work against the sandbox", async () => {
  await using sandbox = await frozenSandbox();
  const { user, apiKey } = sandbox.addUser({ username: "dana", email: "dana@example.com" });
  const { client } = clientOf(sandbox, apiKey);

  const me = await client.me();
  assert.deepEqual([me.id, me.username, me.email], [user.id, "dana", "dana@example.com"]);

  const booking = await sandbox.createBooking(user.id);
  assert.deepEqual(await client.getBooking(booking.uid), sandbox.booking(booking.uid));
  const series = await sandbox.createRecurringBooking(user.id);
  const fetched = await client.getBooking(series[0].recurringBookingUid as string);
  assert.ok(Array.isArray(fetched));
  assert.deepEqual(fetched.map((b) => b.uid), series.map((b) => b.uid));
  const missing = await rejection(client.getBooking("no-such-booking"));
  assert.deepEqual([missing.status, missing.code], [404, "NotFoundException"]);

  const subscriberUrl = "http://127.0.0.1:9/functions/v1/calcom-webhook/c1";
  const created = await client.createWebhook({
    subscriberUrl,
    triggers: ["BOOKING_CREATED", "MEETING_ENDED"],
    secret: "whsec-sandbox",
  });
  assert.deepEqual(
    [created.subscriberUrl, created.triggers, created.active, created.secret],
    [subscriberUrl, ["BOOKING_CREATED", "MEETING_ENDED"], true, "whsec-sandbox"],
  );
  const conflict = await rejection(client.createWebhook({ subscriberUrl, triggers: ["BOOKING_CREATED"] }));
  assert.deepEqual([conflict.status, conflict.code, conflict.retryable], [409, "ConflictException", false]);
  assert.equal((await client.findWebhookByUrl(subscriberUrl))?.id, created.id);
  assert.deepEqual((await client.listWebhooks()).map((w) => w.id), [created.id]);
  await client.deleteWebhook(created.id);
  assert.deepEqual(sandbox.webhooks(user.id), []);
  const gone = await rejection(client.deleteWebhook(created.id));
  assert.deepEqual([gone.status, gone.code], [404, "NotFoundException"]);
});
