/**
 * A sync under a tight Cal.com rate limit: the client paces itself on the rate-limit headers, so the
 * run completes without a storm of 429s.
 */
import assert from "node:assert/strict";
import { startTestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  fullSyncPages,
  postSync,
  syncClock,
} from "../../testing/sync_test_support.ts";

const WINDOW_MS = 1000;

Deno.test("a sync under a low rate limit completes with at most one 429 per window", async () => {
  await using stack = await startTestStack({
    apps: { sync: true },
    clock: syncClock,
    sandbox: {
      rateLimit: { limit: 3, ttlMs: WINDOW_MS, blockMs: WINDOW_MS },
    },
    // Real waits: the stack's default caps sleeps at 20 ms, which would retry into the block.
    calcom: { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
  });
  const { user, cal, connectionId } = await connectedUser(stack, 1500, 51);
  const res = await postSync(user);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "succeeded");
  assert.equal(res.body.count, 1500);
  const requests = bookingRequests(stack, cal.apiKey);
  const throttled = requests.filter((r) => r.status === 429);
  const windows = Math.ceil((requests.at(-1)!.at - requests[0].at) / WINDOW_MS) + 1;
  assert.ok(res.body.pages >= fullSyncPages(1500));
  assert.ok(throttled.length <= windows, `${throttled.length} 429s in ${windows} windows`);
  assert.equal(requests.length - throttled.length, res.body.pages);
  await assertMirrors(stack, connectionId, cal);
});
