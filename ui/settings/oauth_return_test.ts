import assert from "node:assert/strict";
import { oauthReturnMessage, readOAuthReturn } from "./oauth_return.ts";

Deno.test("a connected return is read and its parameters are removed, the page's own kept", () => {
  const { outcome, cleanUrl } = readOAuthReturn(
    "http://127.0.0.1:54321/?poll=500&calcom_status=connected&calcom_connection_id=c1",
  );
  assert.deepEqual(outcome, { status: "connected", connectionId: "c1" });
  assert.equal(cleanUrl, "http://127.0.0.1:54321/?poll=500");
  assert.deepEqual(oauthReturnMessage(outcome!), { ok: true, message: "Connected your Cal.com account" });
});

Deno.test("an error return names what happened in words", () => {
  const { outcome, cleanUrl } = readOAuthReturn(
    "https://app.example.test/settings?calcom_status=error&calcom_error=access_denied#cal",
  );
  assert.deepEqual(outcome, { status: "error", error: "access_denied" });
  assert.equal(cleanUrl, "https://app.example.test/settings#cal");
  const said = oauthReturnMessage(outcome!);
  assert.equal(said.ok, false);
  assert.match(said.message, /did not allow access/);
});

Deno.test("every callback error code has its own message, an unknown one a generic one", () => {
  const codes = [
    "invalid_state",
    "expired_state",
    "access_denied",
    "authorization_failed",
    "exchange_failed",
    "calcom_unavailable",
    "internal_error",
  ];
  const messages = codes.map((error) => oauthReturnMessage({ status: "error", error }).message);
  assert.equal(new Set(messages).size, codes.length);
  assert.equal(
    oauthReturnMessage({ status: "error", error: "<script>" }).message,
    oauthReturnMessage({ status: "error", error: "internal_error" }).message,
  );
});

Deno.test("a URL without an outcome is left as it is", () => {
  assert.deepEqual(readOAuthReturn("http://127.0.0.1:54321/?poll=500"), {
    outcome: undefined,
    cleanUrl: "http://127.0.0.1:54321/?poll=500",
  });
});
