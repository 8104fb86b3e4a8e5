import assert from "node:assert/strict";
import { CalcomError } from "../_shared/calcom/errors.ts";
import { classifyFailure, rejectedKeyMessage } from "./sync_engine.ts";

const calcom = (status: number | undefined, code: string, retryable: boolean) =>
  new CalcomError(`Cal.com GET /v2/bookings failed with ${status} ${code}: boom`, {
    status,
    code,
    retryable,
  });

Deno.test("a run stopped by its deadline is partial, also when a retryable error ran into it", () => {
  assert.deepEqual(classifyFailure(calcom(undefined, "DeadlineExceeded", true), false), {
    status: "partial",
  });
  assert.deepEqual(classifyFailure(calcom(503, "ServiceUnavailableException", true), true), {
    status: "partial",
  });
  assert.deepEqual(classifyFailure(calcom(429, "ThrottlerException", true), true), { status: "partial" });
});

Deno.test("a rejected key fails the run and pauses the connection", () => {
  for (const status of [401, 403]) {
    const verdict = classifyFailure(calcom(status, "UnauthorizedException", false), false);
    assert.deepEqual(verdict, {
      status: "failed",
      code: "invalid_api_key",
      message: `Cal.com rejected the API key (HTTP ${status}): it was revoked or is not valid, so syncing ` +
        "is paused: create a new API key in Cal.com (Settings, Developer, API keys) and connect again " +
        "with it (POST calcom-connection): the connection keeps its id, bookings and webhook",
      deactivate: true,
    });
  }
});

Deno.test("an expired key is told apart from a revoked one by Cal.com's message", () => {
  const expired = new CalcomError(
    "Cal.com GET /v2/bookings failed with 401 UnauthorizedException: ApiAuthStrategy - api key - Your api key is expired",
    { status: 401, code: "UnauthorizedException", retryable: false },
  );
  const verdict = classifyFailure(expired, false);
  assert.equal(verdict.status === "failed" && verdict.deactivate, true);
  assert.match(
    rejectedKeyMessage(expired),
    /^Your Cal\.com API key has expired, so syncing is paused: create a new/,
  );
  const throttlerGuard = new CalcomError(
    "Cal.com GET /v2/bookings failed with 401 UnauthorizedException: CustomThrottlerGuard - Invalid API Key",
    { status: 401, code: "UnauthorizedException", retryable: false },
  );
  assert.match(rejectedKeyMessage(throttlerGuard), /revoked or is not valid/);
  const token = new CalcomError(
    "Cal.com GET /v2/bookings failed with 401 UnauthorizedException: ApiAuthStrategy - access token - Invalid Access Token.",
    { status: 401, code: "UnauthorizedException", retryable: false },
  );
  assert.match(rejectedKeyMessage(token), /access token .* Continue with Cal\.com$/);
});

Deno.test("rate limits, outages and bugs fail the run without pausing the connection", () => {
  const throttled = classifyFailure(calcom(429, "ThrottlerException", true), false);
  assert.equal(throttled.status === "failed" && throttled.code, "rate_limited");
  const down = classifyFailure(calcom(503, "ServiceUnavailableException", true), false);
  assert.deepEqual(down, {
    status: "failed",
    code: "calcom_unavailable",
    message: "Cal.com GET /v2/bookings failed with 503 ServiceUnavailableException: boom",
    deactivate: false,
  });
  const bug = classifyFailure(new TypeError("x is undefined"), false);
  assert.equal(bug.status === "failed" && bug.code, "internal_error");
  assert.doesNotMatch(bug.status === "failed" ? bug.message : "", /undefined/, "no internal message leaks");
});
