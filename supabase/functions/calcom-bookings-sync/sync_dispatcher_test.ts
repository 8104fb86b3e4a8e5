import assert from "node:assert/strict";
import { ConfigError } from "../_shared/platform/config.ts";
import { claimBatchFor, defaultSyncWorkers, parseSyncWorkers } from "./sync_dispatcher.ts";
import { maxClaimBatch } from "./sync_worker.ts";

Deno.test("CALCOM_SYNC_WORKERS defaults when unset and must be a whole number from 1 to 50", () => {
  assert.equal(parseSyncWorkers(undefined), defaultSyncWorkers);
  assert.equal(parseSyncWorkers(""), defaultSyncWorkers);
  assert.equal(parseSyncWorkers(" 8 "), 8);
  assert.equal(parseSyncWorkers("50"), 50);
  for (const bad of ["0", "51", "2.5", "-1", "many"]) {
    assert.throws(() => parseSyncWorkers(bad), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.variables, ["CALCOM_SYNC_WORKERS"]);
      assert.equal(
        err.message,
        "Invalid configuration: CALCOM_SYNC_WORKERS must be a whole number from 1 to 50",
      );
      return true;
    }, bad);
  }
});

Deno.test("each worker claims about half its share at a time, from 1 to the most a claim takes", () => {
  assert.equal(claimBatchFor(12, 4), 2);
  assert.equal(claimBatchFor(1, 1), 1);
  assert.equal(claimBatchFor(3, 4), 1);
  assert.equal(claimBatchFor(0, 0), 1);
  assert.equal(claimBatchFor(100, 2), 20);
  assert.equal(claimBatchFor(10_000, 4), maxClaimBatch);
});
