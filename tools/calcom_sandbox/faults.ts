/**
 * Failure injection for tests of a Cal.com client: latency, a seeded ratio of 5xx answers, forced 429,
 * malformed bodies, dropped connections, requests held until the test releases them, requests that
 * never get an answer, and a hostile or broken Cal.com: redirects elsewhere, answers of any size,
 * listings that ignore `skip`. A count instead of
 * `true` applies a fault to the next N matching requests only (e.g. "drop the first attempt").
 *
 * @module
 */

import { type Random, seededRandom } from "./ids.ts";

/** Faults to inject; all off by default. */
export interface FaultOptions {
  /** Delay before every matching answer, in ms. */
  latencyMs?: number;
  /** Share of matching requests answered with a 5xx, 0..1, drawn from a generator seeded with `seed`. */
  errorRate?: number;
  /** Status of injected errors: 500 (Cal.com's envelope, default), 502/503/504 (an HTML proxy page). */
  errorStatus?: number;
  /**
   * Injected errors are a 400 in Cal.com's envelope whose message echoes the raw request body, as a
   * validation error may: secrets sent in the body come back in the error.
   */
  echoRequestBody?: boolean;
  /** Seed for `errorRate` (default 1): same seed, same sequence of failures. */
  seed?: number;
  /** Answer 429 ThrottlerException without counting the request. */
  force429?: boolean | number;
  /** Answer with a truncated JSON body (after handling the request normally). */
  malformedBody?: boolean | number;
  /** Close the connection without answering (before handling). */
  dropConnection?: boolean | number;
  /** Never answer (until the sandbox closes). */
  hang?: boolean | number;
  /** Answer 307 to this origin (the request's path and query appended) instead of handling the request. */
  redirectTo?: string;
  /** Answer 200 with a JSON body of this many bytes, streamed without a Content-Length. */
  oversizedBodyBytes?: number;
  /** Handle list requests as if `skip` were absent, so every page is the first one. */
  ignoreSkip?: boolean;
  /**
   * Hold every matching request, before it is authenticated or handled, until this promise settles (or
   * the sandbox closes), then handle it as usual: orders a test's steps around a request in flight.
   */
  holdUntil?: Promise<unknown>;
  /** Only requests whose path starts with this are affected (e.g. `/v2/bookings`). */
  path?: string;
}

/** What to do with one request. */
export interface FaultDecision {
  latencyMs: number;
  /** Wait for this before handling (see `FaultOptions.holdUntil`). */
  holdUntil?: Promise<unknown>;
  action: "none" | "hang" | "drop" | "throttle" | "error" | "redirect" | "oversized";
  errorStatus: number;
  /** Whether an injected error echoes the request body (see {@linkcode FaultOptions.echoRequestBody}). */
  echo: boolean;
  malformed: boolean;
  /** Origin of the redirect (action "redirect"). */
  redirectTo: string;
  /** Body size (action "oversized"). */
  oversizedBodyBytes: number;
  ignoreSkip: boolean;
}

type CountedFault = "hang" | "dropConnection" | "force429" | "malformedBody";

/** Current fault settings and the state of their counters. */
export class Faults {
  #options: FaultOptions = {};
  #random: Random = seededRandom(1);
  #remaining = new Map<CountedFault, number>();

  /** Replaces all fault settings (an empty object turns every fault off). */
  set(options: FaultOptions): void {
    this.#options = { ...options };
    this.#random = seededRandom(options.seed ?? 1);
    this.#remaining.clear();
    for (const key of ["hang", "dropConnection", "force429", "malformedBody"] as const) {
      const v = options[key];
      if (v === true) this.#remaining.set(key, Infinity);
      else if (typeof v === "number" && v > 0) this.#remaining.set(key, v);
    }
  }

  #take(key: CountedFault): boolean {
    const n = this.#remaining.get(key) ?? 0;
    if (n <= 0) return false;
    this.#remaining.set(key, n - 1);
    return true;
  }

  /** Decides the faults of a request to `path`, consuming counters. */
  decide(path: string): FaultDecision {
    const o = this.#options;
    const none: FaultDecision = {
      latencyMs: 0,
      action: "none",
      errorStatus: 500,
      echo: false,
      malformed: false,
      redirectTo: "",
      oversizedBodyBytes: 0,
      ignoreSkip: false,
    };
    if (o.path !== undefined && !path.startsWith(o.path)) return none;
    const decision: FaultDecision = {
      ...none,
      latencyMs: o.latencyMs ?? 0,
      holdUntil: o.holdUntil,
      errorStatus: o.errorStatus ?? 500,
      echo: o.echoRequestBody ?? false,
      redirectTo: o.redirectTo ?? "",
      oversizedBodyBytes: o.oversizedBodyBytes ?? 0,
      ignoreSkip: o.ignoreSkip ?? false,
    };
    if (o.redirectTo !== undefined) decision.action = "redirect";
    else if (o.oversizedBodyBytes !== undefined) decision.action = "oversized";
    else if (this.#take("hang")) decision.action = "hang";
    else if (this.#take("dropConnection")) decision.action = "drop";
    else if (this.#take("force429")) decision.action = "throttle";
    else if (o.errorRate && this.#random() < o.errorRate) decision.action = "error";
    else decision.malformed = this.#take("malformedBody");
    return decision;
  }
}
