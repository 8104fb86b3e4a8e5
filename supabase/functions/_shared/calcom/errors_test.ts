import assert from "node:assert/strict";
import {
  CalcomError,
  errorFromResponse,
  isCalcomError,
  isRetryableStatus,
  parseErrorBody,
  redact,
} from "./errors.ts";

Deno.test("the API v2 error envelope gives the code and message", () => {
  const body = JSON.stringify({
    status: "error",
    timestamp: "2025-03-10T14:00:01.234Z",
    path: "/v2/me",
    error: {
      code: "UnauthorizedException",
      message: "ApiAuthStrategy - api key - Your api key is not valid",
    },
  });
  assert.deepEqual(parseErrorBody(401, body), {
    code: "UnauthorizedException",
    message: "ApiAuthStrategy - api key - Your api key is not valid",
  });
});

Deno.test("a bare Nest error body is tolerated and the code comes from the status", () => {
  assert.deepEqual(parseErrorBody(500, '{"statusCode":500,"message":"Internal server error"}'), {
    code: "InternalServerErrorException",
    message: "Internal server error",
  });
  assert.deepEqual(
    parseErrorBody(400, '{"statusCode":400,"message":["take must not be greater than 250"]}'),
    {
      code: "BadRequestException",
      message: "take must not be greater than 250",
    },
  );
});

Deno.test("a body that is not JSON still yields a code and a message", () => {
  assert.deepEqual(parseErrorBody(502, "<html>Bad gateway</html>"), {
    code: "BadGatewayException",
    message: "HTTP 502",
  });
  assert.deepEqual(parseErrorBody(418, ""), { code: "HttpClientError", message: "HTTP 418" });
  assert.deepEqual(parseErrorBody(599, ""), { code: "HttpServerError", message: "HTTP 599" });
});

Deno.test("errors from responses are retryable only for 429, 408 and 5xx", () => {
  assert.equal(isRetryableStatus(429), true);
  assert.equal(isRetryableStatus(408), true);
  assert.equal(isRetryableStatus(500), true);
  assert.equal(isRetryableStatus(503), true);
  for (const status of [400, 401, 403, 404, 409, 422]) assert.equal(isRetryableStatus(status), false);
});

Deno.test("an error built from a response carries status, code and retryable and names the operation", () => {
  const body = JSON.stringify({
    status: "error",
    error: { code: "ConflictException", message: "Webhook exists" },
  });
  const err = errorFromResponse("POST /v2/webhooks", 409, body, []);
  assert.ok(isCalcomError(err, "ConflictException"));
  assert.equal(err.status, 409);
  assert.equal(err.retryable, false);
  assert.equal(err.message, "Cal.com POST /v2/webhooks failed with 409 ConflictException: Webhook exists");
});

Deno.test("secrets echoed by Cal.com are redacted from the error", () => {
  const key = "cal_live_0123456789abcdef";
  const body = JSON.stringify({ status: "error", error: { code: "X", message: `bad key ${key}!` } });
  const err = errorFromResponse("GET /v2/me", 401, body, [key]);
  assert.equal(err.message, "Cal.com GET /v2/me failed with 401 X: bad key [redacted]!");
  assert.equal(redact("a-secret-b-secret", ["secret"]), "a-[redacted]-b-[redacted]");
});

Deno.test("a secret echoed JSON-escaped or percent-encoded is redacted too", () => {
  const secret = 'with"quote\\and space';
  const echoed = `Invalid request body: ${JSON.stringify({ secret })} or ?s=${encodeURIComponent(secret)}`;
  const body = JSON.stringify({ status: "error", error: { code: "X", message: echoed } });
  const err = errorFromResponse("POST /v2/webhooks", 400, body, [secret]);
  assert.equal(
    err.message,
    'Cal.com POST /v2/webhooks failed with 400 X: Invalid request body: {"secret":"[redacted]"} or ?s=[redacted]',
  );
});

Deno.test("a very long Cal.com message is truncated", () => {
  const body = JSON.stringify({ status: "error", error: { code: "X", message: "x".repeat(5000) } });
  assert.ok(errorFromResponse("GET /v2/me", 400, body, []).message.length <= 301);
});

Deno.test("a CalcomError serialises its message, status, code and retryable", () => {
  const err = new CalcomError("Cal.com GET /v2/me timed out", { code: "RequestTimeout", retryable: true });
  assert.deepEqual(JSON.parse(JSON.stringify(err)), {
    name: "CalcomError",
    message: "Cal.com GET /v2/me timed out",
    code: "RequestTimeout",
    retryable: true,
  });
  assert.equal(String(err), "CalcomError: Cal.com GET /v2/me timed out");
  assert.equal(isCalcomError(new Error("x")), false);
});
