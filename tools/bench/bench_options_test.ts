import assert from "node:assert/strict";
import { BENCHMARKS, BenchUsageError, parseBenchArgs } from "./bench_options.ts";

Deno.test("without flags every benchmark runs at full length", () => {
  const options = parseBenchArgs([]);
  assert.deepEqual([...options.only], [...BENCHMARKS]);
  assert.equal(options.quick, false);
  assert.equal(options.webhookSeconds, 15);
  assert.equal(options.connections, 16);
  assert.deepEqual(options.syncSizes, [10_000, 100_000]);
  assert.equal(options.incrementalShare, 0.01);
  assert.equal(options.ratelimitBookings, 100_000);
  assert.equal(options.dryRun, false);
});

Deno.test("--quick shortens the defaults and explicit flags still win", () => {
  const options = parseBenchArgs([
    "--quick",
    "--seconds",
    "3",
    "--only",
    "webhook,row-at-a-time",
    "--no-write",
  ]);
  assert.equal(options.quick, true);
  assert.equal(options.webhookSeconds, 3);
  assert.deepEqual(options.syncSizes, [1_000, 5_000]);
  assert.equal(options.ratelimitBookings, 4_500);
  assert.deepEqual([...options.only], ["webhook", "row-at-a-time"]);
  assert.equal(options.dryRun, true);
});

Deno.test("sizes are sorted smallest first", () => {
  assert.deepEqual(parseBenchArgs(["--sizes", "5000,200"]).syncSizes, [200, 5000]);
});

Deno.test("an unknown benchmark, flag or a bad number is a usage error", () => {
  assert.throws(() => parseBenchArgs(["--only", "webhooks"]), BenchUsageError);
  assert.throws(() => parseBenchArgs(["--fast"]), /Unknown argument: --fast/);
  assert.throws(() => parseBenchArgs(["--seconds", "0"]), /--seconds needs positive whole numbers/);
  assert.throws(() => parseBenchArgs(["--out"]), /--out needs a value/);
});

Deno.test("a flag's value can follow an equals sign", () => {
  assert.equal(parseBenchArgs(["--out=results.json"]).out, "results.json");
  assert.deepEqual(parseBenchArgs(["--sizes=20,10"]).syncSizes, [10, 20]);
});

Deno.test("cold start and reads: fewer starts and bookings with --quick, both page sizes always", () => {
  const full = parseBenchArgs(["--only", "coldstart,reads"]);
  assert.deepEqual([...full.only], ["coldstart", "reads"]);
  assert.equal(full.coldStartRepetitions, 11);
  assert.equal(full.readsBookings, 100_000);
  assert.deepEqual(full.readsPageSizes, [50, 250]);
  const quick = parseBenchArgs(["--quick"]);
  assert.equal(quick.coldStartRepetitions, 3);
  assert.equal(quick.readsBookings, 10_000);
  assert.deepEqual(quick.readsPageSizes, [50, 250]);
});
