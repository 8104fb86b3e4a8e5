/**
 * The shape of one benchmark run as written to `bench-results/<date>.json`.
 *
 * @module
 */
import type { ColdStartBenchResult } from "./cold_start_bench.ts";
import type { MachineInfo } from "./machine_info.ts";
import type { RateLimitBenchResult } from "./ratelimit_bench.ts";
import type { SweepBenchResult } from "./sweep_bench.ts";
import type { ReadsBenchResult } from "./reads_bench.ts";
import type { SyncBenchResult } from "./sync_bench.ts";
import type { WebhookBenchResult } from "./webhook_bench.ts";

/** One benchmark target, checked against this run. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** The machine's 1-minute load while the run went on (the benchmark's own processes included). */
export interface LoadRecord {
  /** `/proc/loadavg` (1, 5, 15 min) before anything started: the other users of the machine. */
  before: [number, number, number];
  after: [number, number, number];
  /** 1-minute load sampled every 5 s during the run. */
  samples: { atSeconds: number; load1: number }[];
}

/** A whole run. */
export interface BenchReport {
  machine: MachineInfo;
  options: {
    quick: boolean;
    webhookSeconds: number;
    connections: number;
    syncSizes: number[];
    incrementalShare: number;
    /** Absent in results written before the rate-limit benchmark existed. */
    ratelimitBookings?: number;
    /** Absent in results written before the sweep benchmark existed. */
    sweepSizes?: number[];
    sweepWorkers?: number;
    /** Absent in results written before the cold-start and reads benchmarks existed. */
    coldStartRepetitions?: number;
    readsBookings?: number;
  };
  load: LoadRecord;
  durationSeconds: number;
  webhook?: WebhookBenchResult;
  sync?: SyncBenchResult;
  ratelimit?: RateLimitBenchResult;
  sweep?: SweepBenchResult;
  coldStart?: ColdStartBenchResult;
  reads?: ReadsBenchResult;
  targets: TargetCheck[];
}
