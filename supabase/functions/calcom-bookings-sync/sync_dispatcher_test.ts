import assert from "node:assert/strict";
import { ConfigError } from "../_shared/platform/config.ts";
import { defaultSyncWorkers, parseSyncWorkers } from "./sync_dispatcher.ts";

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
