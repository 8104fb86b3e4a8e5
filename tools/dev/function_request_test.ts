import assert from "node:assert/strict";
import { functionName, functionRequest } from "./function_request.ts";

Deno.test("the function name is the first segment after /functions/v1/, and empty elsewhere", () => {
  assert.equal(functionName("/functions/v1/calcom-webhook/abc/replay"), "calcom-webhook");
  assert.equal(functionName("/functions/v1/calcom-connection"), "calcom-connection");
  assert.equal(functionName("/functions/v1/"), "");
  assert.equal(functionName("/auth/v1/token"), "");
});

Deno.test("a function gets the path without the prefix, with the query, method, headers and body", async () => {
  const forwarded = functionRequest(
    new Request("http://127.0.0.1:54321/functions/v1/echo/sub?id=42", {
      method: "POST",
      headers: { authorization: "Bearer t" },
      body: '{"hello":"world"}',
    }),
  );
  assert.equal(forwarded.url, "http://127.0.0.1:54321/echo/sub?id=42");
  assert.equal(forwarded.method, "POST");
  assert.equal(forwarded.headers.get("authorization"), "Bearer t");
  assert.equal(await forwarded.text(), '{"hello":"world"}');
});
