/**
 * The typed client with a self-hosted Cal.com server allowed (a second sandbox in CALCOM_API_ORIGINS): the
 * list names the servers, and a connect on the second one is made and shown there.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CalcomApiError, createCalcomClient } from "../../../ui/client/calcom_supabase_client.ts";
import { startSandbox } from "../../calcom_sandbox/mod.ts";
import { startTestStack } from "../../testing/test_stack.ts";

Deno.test("the client lists the allowed Cal.com servers and connects on the one chosen", async () => {
  await using selfHosted = await startSandbox({ subscriberUrlRules: "self-hosted" });
  await using stack = await startTestStack({
    apps: { connection: true },
    env: { CALCOM_API_ORIGINS: selfHosted.url, CALCOM_API_ORIGINS_ALLOW_HTTP: "true" },
  });
  const user = await stack.signUp();
  const calcom = createCalcomClient(user.client);
  assert.deepEqual((await calcom.list()).calcomOrigins, [stack.sandbox.url, selfHosted.url]);

  const { apiKey } = selfHosted.addUser({ username: "self-hosted-dana" });
  const { connection } = await calcom.connect({ apiKey, calcomApiUrl: selfHosted.url });
  assert.equal(connection.calcomApiUrl, selfHosted.url);
  assert.equal(connection.calcomUser.username, "self-hosted-dana");
  assert.deepEqual((await calcom.list()).connections.map((c) => c.calcomApiUrl), [selfHosted.url]);

  const refused = await calcom.connect({ apiKey, calcomApiUrl: "https://cal.example.net" }).then(
    () => assert.fail("connected to a server that is not allowed"),
    (err) => err,
  );
  assert.ok(refused instanceof CalcomApiError);
  assert.equal(refused.status, 400);
  assert.match(refused.message, /not a Cal\.com server this deployment allows/);
  assert.deepEqual(stack.sandbox.requests, []);
});
