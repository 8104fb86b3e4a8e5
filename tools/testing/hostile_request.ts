/**
 * Hostile input for the functions' property tests: fast-check arbitraries for what a client can get
 * wrong (query strings, JSON bodies, headers), a request that carries the answer it must get, and the
 * property every refused request must hold: the expected 4xx with the JSON error envelope, never a 5xx.
 *
 * Runs are seeded (`FAST_CHECK_SEED` picks another seed) and bounded, so the suite takes the same time on
 * every run; `FAST_CHECK_RUNS_FACTOR` multiplies every property's number of runs for a longer search
 * (e.g. `FAST_CHECK_RUNS_FACTOR=20 npm test -- --only deno`). A failure prints the seed, the replay path
 * and the shrunk counterexample.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";

/** A request to send and the 4xx error envelope it must get back. */
export interface HostileRequest {
  /** What is wrong with it; shown in a counterexample. */
  name: string;
  method?: string;
  /** Appended to the function's URL, query string included. */
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Send none of the default headers (no Authorization, no apikey). */
  anonymous?: boolean;
  status: number;
  code: string;
}

const DEFAULT_SEED = 20_260_312;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The seed of every property run: `FAST_CHECK_SEED` when set, a fixed one otherwise. */
export function propertySeed(): number {
  const text = Deno.env.get("FAST_CHECK_SEED");
  if (text === undefined || text === "") return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FAST_CHECK_SEED must be an integer, not ${text}`);
  return seed;
}

/** How many times the normal number of runs to generate: `FAST_CHECK_RUNS_FACTOR`, 1 by default. */
export function runsFactor(): number {
  const text = Deno.env.get("FAST_CHECK_RUNS_FACTOR");
  if (text === undefined || text === "") return 1;
  const factor = Number(text);
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new Error(`FAST_CHECK_RUNS_FACTOR must be a positive number, not ${text}`);
  }
  return factor;
}

/**
 * fast-check's run parameters: the seed, `numRuns` generated cases (times {@linkcode runsFactor}), the
 * `examples` first.
 */
export function propertyParameters<T>(numRuns: number, examples: T[] = []): fc.Parameters<[T]> {
  return {
    seed: propertySeed(),
    numRuns: Math.max(1, Math.round(numRuns * runsFactor())),
    examples: examples.map((e) => [e] as [T]),
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Any text that is not JSON. */
export const notJson: fc.Arbitrary<string> = fc.string({ unit: "binary", maxLength: 60 })
  .filter((s) => !isJson(s));

/** Any JSON value. */
export const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/** A JSON document that is not an object: null, a boolean, a number, a string or an array. */
export const nonObjectJson: fc.Arbitrary<string> = jsonValue
  .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
  .map((v) => JSON.stringify(v));

/** A JSON value of any type but `type` (`"string"`, `"boolean"`, `"number"`). */
export function jsonValueNot(type: "string" | "boolean" | "number"): fc.Arbitrary<unknown> {
  const typeOf = (v: unknown): string => typeof v;
  return jsonValue.filter((v) => typeOf(v) !== type);
}

/** Any string of unicode code points, up to 40 of them. */
export const anyString: fc.Arbitrary<string> = fc.string({ unit: "binary", maxLength: 40 });

/** A string that is not a uuid. */
export const notUuid: fc.Arbitrary<string> = anyString.filter((s) => !UUID.test(s.trim()));

/** A string that can travel as an HTTP header value: printable ASCII, no leading or trailing space. */
export const headerText: fc.Arbitrary<string> = fc.stringMatching(/^[!-~]([ -~]{0,78}[!-~])?$/);

/** An Authorization value no function accepts: junk, another scheme, or a Bearer of junk. */
export const badAuthorization: fc.Arbitrary<string> = fc.oneof(
  headerText,
  headerText.map((t) => `Basic ${t}`),
  headerText.map((t) => `Bearer ${t}`),
  fc.tuple(headerText, headerText, headerText).map((parts) => `Bearer ${parts.join(".")}`),
);

/** A query string (without `?`) of the given parameters, each value percent-encoded. */
export function queryString(params: [string, string][]): string {
  return new URLSearchParams(params).toString();
}

/** Sends `request` to `url` (the function's URL) with `defaults` as the headers it overrides. */
export async function sendHostileRequest(
  url: string,
  request: HostileRequest,
  defaults: { method: string; headers: Record<string, string> },
): Promise<Response> {
  return await fetch(`${url}${request.path ?? ""}`, {
    method: request.method ?? defaults.method,
    headers: { ...(request.anonymous ? {} : defaults.headers), ...request.headers },
    body: request.body,
  });
}

/**
 * Asserts that `res` is `request`'s status with the JSON error envelope and its code.
 *
 * @returns the body's text, for further checks
 */
export async function assertRefused(res: Response, request: HostileRequest): Promise<string> {
  const text = await res.text();
  assert.ok(res.status < 500, `a 5xx: ${res.status} ${text}`);
  assert.equal(res.status, request.status, text);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = JSON.parse(text);
  assert.equal(body.success, false, text);
  assert.equal(body.error.code, request.code, text);
  assert.equal(typeof body.error.message, "string", text);
  return text;
}

/**
 * The property: every request `requests` generates (and each of `examples`, first) is refused with its
 * status and error code. `check` adds assertions on the answer's text.
 */
export async function assertAllRefused(
  requests: fc.Arbitrary<HostileRequest>,
  send: (request: HostileRequest) => Promise<Response>,
  options: { numRuns: number; examples?: HostileRequest[]; check?: (text: string) => void },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const text = await assertRefused(await send(request), request);
      options.check?.(text);
    }),
    propertyParameters(options.numRuns, options.examples),
  );
}
